// Dimension legend: n training examples, C classes, B histogram bins.

/// One epoch's view of the hard examples the kNN vote finds on the training set.
///
/// Built from the vote p_knn [n×C] of training queries (each excluding itself), their true
/// labels, and optionally the network's probabilities [n×C] for the same examples.
/// Written per epoch by the trainer as JSON; every number is finite (a class with no
/// example has error rate 0 and count 0).
public struct HardExampleStatistics: Codable, Equatable, Sendable {
    public static let serializationVersion = 1

    /// How the loss weights were summarised (the values in use for this run).
    public struct LossWeightSummary: Codable, Equatable, Sendable {
        /// α of `1 + α·ℓ`.
        public var alpha: Float
        /// ℓ = −max(log p_knn(y), −100): mean and max over the examples.
        public var meanNegativeLogLikelihood: Double
        public var maxNegativeLogLikelihood: Double
        /// 1 + α·ℓ: mean and max.
        public var meanWeight: Double
        public var maxWeight: Double
        /// γ of the focal form `(1 − p_knn(y))^γ`, and its mean and max.
        public var gamma: Float
        public var meanFocalWeight: Double
        public var maxFocalWeight: Double
    }

    /// kNN against the network on the same examples (fractions of n).
    public struct NetworkComparison: Codable, Equatable, Sendable {
        public var bothRight: Double
        public var bothWrong: Double
        /// Complementarity: the kNN vote fixes the network.
        public var networkWrongKNNRight: Double
        /// …and the reverse.
        public var networkRightKNNWrong: Double
        /// Fraction where both predict the same class (right or wrong).
        public var agreement: Double
        public var networkAccuracy: Double
        /// λ of `λ·p_knn + (1 − λ)·p_net`, and that blend's accuracy.
        public var blendLambda: Float
        public var blendedAccuracy: Double
    }

    public var serializationVersion: Int = Self.serializationVersion
    public var epoch: Int?
    /// Which features the bank held ("pixels", "model", "frozen:RUN").
    public var featureSpace: String?
    public var exampleCount: Int
    public var classCount: Int
    /// [B] counts of p_knn(y) in [b/B, (b+1)/B) (p = 1 falls in the last bin).
    public var trueClassProbabilityHistogram: [Int]
    public var knnAccuracy: Double
    /// Fraction of examples whose kNN prediction (argmax, ties → lowest class) is wrong.
    public var knnErrorRate: Double
    /// [C] the same per true class, and [C] examples per class.
    public var knnErrorRateByClass: [Double]
    public var classCounts: [Int]
    public var lossWeights: LossWeightSummary
    public var network: NetworkComparison?

    public init(knnProbabilities: [Float], labels: [Int], classCount: Int,
                networkProbabilities: [Float]? = nil, blendLambda: Float = 0.5,
                alpha: Float, gamma: Float = 2, binCount: Int = 20,
                epoch: Int? = nil, featureSpace: String? = nil) {
        let n = labels.count
        precondition(classCount > 0 && binCount > 0, "statistics need C > 0 and B > 0, got C=\(classCount) B=\(binCount)")
        precondition(knnProbabilities.count == n * classCount,
                     "kNN probabilities hold \(knnProbabilities.count), expected n×C = \(n)×\(classCount)")
        if let networkProbabilities {
            precondition(networkProbabilities.count == n * classCount,
                         "network probabilities hold \(networkProbabilities.count), expected n×C = \(n)×\(classCount)")
        }
        self.epoch = epoch
        self.featureSpace = featureSpace
        exampleCount = n
        self.classCount = classCount

        let knnPredictions = KNNVote.predictions(knnProbabilities, classCount: classCount)
        let trueP = KNNVote.trueClassProbabilities(knnProbabilities, labels: labels, classCount: classCount)
        var histogram = [Int](repeating: 0, count: binCount)
        var classCounts = [Int](repeating: 0, count: classCount)
        var classErrors = [Int](repeating: 0, count: classCount)
        var errors = 0
        var nllSum = 0.0, nllMax = 0.0, focalSum = 0.0, focalMax = 0.0
        let focal = KNNLossWeights.focal(gamma: gamma)
        for i in 0..<n {
            let y = labels[i]
            precondition(y >= 0 && y < classCount, "label \(y) of example \(i) outside 0..<\(classCount)")
            let p = min(max(trueP[i], 0), 1)
            histogram[min(binCount - 1, Int(p * Float(binCount)))] += 1
            classCounts[y] += 1
            if knnPredictions[i] != y { errors += 1; classErrors[y] += 1 }
            let nll = Double(KNNLossWeights.negativeLogLikelihood(p))
            nllSum += nll
            nllMax = max(nllMax, nll)
            let f = Double(focal.weight(trueClassProbability: p))
            focalSum += f
            focalMax = max(focalMax, f)
        }
        let count = Double(max(n, 1))
        trueClassProbabilityHistogram = histogram
        knnErrorRate = Double(errors) / count
        knnAccuracy = n == 0 ? 0 : 1 - knnErrorRate
        knnErrorRateByClass = (0..<classCount).map { c in
            classCounts[c] == 0 ? 0 : Double(classErrors[c]) / Double(classCounts[c])
        }
        self.classCounts = classCounts
        let meanNLL = nllSum / count
        lossWeights = LossWeightSummary(
            alpha: alpha,
            meanNegativeLogLikelihood: meanNLL, maxNegativeLogLikelihood: nllMax,
            meanWeight: 1 + Double(alpha) * meanNLL,
            maxWeight: 1 + Double(alpha) * nllMax,
            gamma: gamma, meanFocalWeight: focalSum / count, maxFocalWeight: focalMax)

        if let networkProbabilities {
            let networkPredictions = KNNVote.predictions(networkProbabilities, classCount: classCount)
            let blended = BlendSelection.blend(knn: knnProbabilities, network: networkProbabilities,
                                               lambda: blendLambda)
            let blendedPredictions = KNNVote.predictions(blended, classCount: classCount)
            var bothRight = 0, bothWrong = 0, networkOnly = 0, knnOnly = 0, agree = 0, blendRight = 0
            for i in 0..<n {
                let netRight = networkPredictions[i] == labels[i]
                let knnRight = knnPredictions[i] == labels[i]
                switch (netRight, knnRight) {
                case (true, true): bothRight += 1
                case (false, false): bothWrong += 1
                case (false, true): knnOnly += 1
                case (true, false): networkOnly += 1
                }
                if networkPredictions[i] == knnPredictions[i] { agree += 1 }
                if blendedPredictions[i] == labels[i] { blendRight += 1 }
            }
            network = NetworkComparison(
                bothRight: Double(bothRight) / count, bothWrong: Double(bothWrong) / count,
                networkWrongKNNRight: Double(knnOnly) / count, networkRightKNNWrong: Double(networkOnly) / count,
                agreement: Double(agree) / count,
                networkAccuracy: Double(bothRight + networkOnly) / count,
                blendLambda: blendLambda, blendedAccuracy: Double(blendRight) / count)
        } else {
            network = nil
        }
    }
}
