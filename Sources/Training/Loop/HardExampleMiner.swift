import Neighbours
import NeuralNetwork
import RunStore
import TensorCore

/// The kNN side of training: a vote over the training set in one feature space, turned
/// into per-example loss weights and hard-example statistics each epoch.
///
/// Feature spaces: `pixels` (raw images; fixed, so searched once), `model` (the network
/// being trained, rebuilt from its penultimate features at the end of every epoch) and
/// `frozen:RUN` (another run's checkpoint; fixed). Training queries exclude themselves.
public final class HardExampleMiner {
    public let configuration: TrainingConfiguration
    public let data: DataSplits
    private let frozenModel: ImageClassifier?
    /// p_knn [N, C] of the fixed feature spaces, computed once.
    private var fixedProbabilities: [Float]?

    public init(configuration: TrainingConfiguration, data: DataSplits, frozenModel: ImageClassifier? = nil) {
        precondition(configuration.knnFeatures != "model" || frozenModel == nil,
                     "a frozen model is only used with --knn-features frozen:RUN")
        self.configuration = configuration
        self.data = data
        self.frozenModel = frozenModel
    }

    public var featureSpace: String { configuration.knnFeatures }
    var metric: SimilarityMetric { configuration.knnMetric == "euclidean" ? .euclidean : .cosine }
    var weighting: KNNLossWeights {
        if let gamma = configuration.knnFocalGamma { return .focal(gamma: Float(gamma)) }
        return .linear(alpha: Float(configuration.knnAlpha))
    }

    /// p_knn(c) for every training example, [N, C] row-major, in the configured space
    /// (`model` uses the given network's current features).
    /// `afterBatch` runs after each batch of the feature pass (the caller's heartbeat).
    public func knnProbabilities(model: ImageClassifier, afterBatch: () -> Void = {}) -> [Float] {
        if let fixedProbabilities { return fixedProbabilities }
        let train = data.train
        let bank: FeatureBank
        switch featureSpace {
        case "pixels":
            bank = FeatureBank(pixels: train.pixels, count: train.count, dimension: train.imageSize,
                               labels: train.labels, classCount: train.classCount, metric: metric)
        default:
            let network = frozenModel ?? model
            let evaluation = Evaluation.run(model: network, dataset: train, keepFeatures: true, batchSize: 250, afterBatch: afterBatch)
            bank = FeatureBank(features: evaluation.features ?? [], count: train.count,
                               dimension: evaluation.featureCount, labels: train.labels,
                               classCount: train.classCount, metric: metric)
        }
        let neighbours = NeighbourSearch.default.searchBankRows(Array(0..<train.count), in: bank, k: configuration.knnK)
        let probabilities = KNNVote.probabilities(neighbours, labels: train.labels, classCount: train.classCount,
                                                  temperature: Float(configuration.knnTemperature))
        if featureSpace != "model" { fixedProbabilities = probabilities }
        return probabilities
    }

    /// Loss weights `1 + α·ℓ` (or the focal form) for every training example.
    public func lossWeights(knnProbabilities: [Float]) -> [Float] {
        weighting.weights(knnProbabilities: knnProbabilities, labels: data.train.labels,
                          classCount: data.train.classCount)
    }

    /// Statistics of an epoch: the vote that weighted it against the network's own
    /// predictions on the same examples during that epoch.
    public func statistics(knnProbabilities: [Float], networkProbabilities: [Float]?, epoch: Int) -> KNNEpochStatistics {
        let train = data.train
        let statistics = HardExampleStatistics(
            knnProbabilities: knnProbabilities, labels: train.labels, classCount: train.classCount,
            networkProbabilities: networkProbabilities, blendLambda: 0.5,
            alpha: Float(configuration.knnAlpha), gamma: Float(configuration.knnFocalGamma ?? 2),
            epoch: epoch, featureSpace: featureSpace)
        var curve: [KNNEpochStatistics.CurvePoint] = []
        if let networkProbabilities {
            for step in 0...10 {
                let lambda = Float(step) / 10
                let blended = BlendSelection.blend(knn: knnProbabilities, network: networkProbabilities, lambda: lambda)
                let predictions = KNNVote.predictions(blended, classCount: train.classCount)
                let correct = zip(predictions, train.labels).filter { $0 == $1 }.count
                curve.append(.init(lambda: Double(shortest: lambda), accuracy: Double(correct) / Double(max(1, train.count))))
            }
        }
        return KNNEpochStatistics(statistics, blendCurve: curve)
    }
}
