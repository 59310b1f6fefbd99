import Neighbours
import RunStore

extension KNNEpochStatistics {
    /// The knn/epoch-NNN.json record of one epoch's hard-example statistics and the blended
    /// training accuracy across λ (`blendCurve`).
    init(_ statistics: HardExampleStatistics, blendCurve: [CurvePoint]) {
        self.init(epoch: statistics.epoch ?? 0, exampleCount: statistics.exampleCount, classCount: statistics.classCount,
                  histogram: statistics.trueClassProbabilityHistogram, errorRateByClass: statistics.knnErrorRateByClass,
                  classCounts: statistics.classCounts, accuracyByLambda: blendCurve)
        featureSpace = statistics.featureSpace
        knnAccuracy = statistics.knnAccuracy
        knnErrorRate = statistics.knnErrorRate
        let weights = statistics.lossWeights
        alpha = Double(shortest: weights.alpha)
        meanNegativeLogLikelihood = weights.meanNegativeLogLikelihood
        maxNegativeLogLikelihood = weights.maxNegativeLogLikelihood
        meanWeight = weights.meanWeight
        maxWeight = weights.maxWeight
        gamma = Double(shortest: weights.gamma)
        meanFocalWeight = weights.meanFocalWeight
        maxFocalWeight = weights.maxFocalWeight
        if let network = statistics.network {
            bothRight = network.bothRight
            bothWrong = network.bothWrong
            networkWrongKNNRight = network.networkWrongKNNRight
            networkRightKNNWrong = network.networkRightKNNWrong
            agreement = network.agreement
            networkAccuracy = network.networkAccuracy
            blendLambda = Double(shortest: network.blendLambda)
            blendedAccuracy = network.blendedAccuracy
        }
    }
}
