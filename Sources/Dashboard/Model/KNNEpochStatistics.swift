import Foundation

/// One epoch of kNN hard-example statistics (`knn/epoch-NNN.json`), decoded tolerantly from
/// the trainer's hard-example statistics: every field may be missing.
public struct KNNEpochStatistics: Decodable, Equatable, Sendable {
    public struct CurvePoint: Decodable, Equatable, Sendable {
        public var lambda: Double
        public var accuracy: Double
        public init(lambda: Double, accuracy: Double) {
            self.lambda = lambda
            self.accuracy = accuracy
        }
    }

    public var epoch: Int
    public var featureSpace: String?
    public var exampleCount: Int
    public var classCount: Int
    /// [B] counts of p_knn(true class) per bin of [0, 1].
    public var histogram: [Int]
    public var knnAccuracy: Double?
    public var knnErrorRate: Double?
    /// [C] hard (kNN-wrong) fraction per true class, and [C] examples per class.
    public var errorRateByClass: [Double]
    public var classCounts: [Int]
    // Loss weights.
    public var alpha: Double?
    public var meanWeight: Double?
    public var maxWeight: Double?
    public var meanNegativeLogLikelihood: Double?
    public var maxNegativeLogLikelihood: Double?
    public var gamma: Double?
    public var meanFocalWeight: Double?
    public var maxFocalWeight: Double?
    // kNN against the network (fractions of the examples).
    public var bothRight: Double?
    public var bothWrong: Double?
    public var networkWrongKNNRight: Double?
    public var networkRightKNNWrong: Double?
    public var agreement: Double?
    public var networkAccuracy: Double?
    public var blendLambda: Double?
    public var blendedAccuracy: Double?
    /// Accuracy of λ·p_knn + (1−λ)·p_net across λ (when the trainer recorded the sweep).
    public var accuracyByLambda: [CurvePoint]

    public init(epoch: Int, exampleCount: Int = 0, classCount: Int = 0, histogram: [Int] = [],
                errorRateByClass: [Double] = [], classCounts: [Int] = [], accuracyByLambda: [CurvePoint] = []) {
        self.epoch = epoch
        self.exampleCount = exampleCount
        self.classCount = classCount
        self.histogram = histogram
        self.errorRateByClass = errorRateByClass
        self.classCounts = classCounts
        self.accuracyByLambda = accuracyByLambda
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        func double(_ container: KeyedDecodingContainer<AnyKey>?, _ key: String) -> Double? {
            guard let container, let v = try? container.decodeIfPresent(LenientDouble.self, forKey: AnyKey(key)) else { return nil }
            return v.value
        }
        func nested(_ key: String) -> KeyedDecodingContainer<AnyKey>? {
            try? c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(key))
        }
        epoch = (try? c.decodeIfPresent(Int.self, forKey: AnyKey("epoch"))) ?? 0
        featureSpace = try? c.decodeIfPresent(String.self, forKey: AnyKey("featureSpace"))
        exampleCount = (try? c.decodeIfPresent(Int.self, forKey: AnyKey("exampleCount"))) ?? 0
        histogram = (try? c.decodeIfPresent([Int].self, forKey: AnyKey("trueClassProbabilityHistogram"))) ?? []
        knnAccuracy = double(c, "knnAccuracy")
        knnErrorRate = double(c, "knnErrorRate")
        errorRateByClass = ((try? c.decodeIfPresent([LenientDouble].self, forKey: AnyKey("knnErrorRateByClass"))) ?? [])
            .map(\.value)
        classCounts = (try? c.decodeIfPresent([Int].self, forKey: AnyKey("classCounts"))) ?? []
        classCount = (try? c.decodeIfPresent(Int.self, forKey: AnyKey("classCount"))) ?? max(classCounts.count, errorRateByClass.count)
        let weights = nested("lossWeights")
        alpha = double(weights, "alpha")
        meanWeight = double(weights, "meanWeight")
        maxWeight = double(weights, "maxWeight")
        meanNegativeLogLikelihood = double(weights, "meanNegativeLogLikelihood")
        maxNegativeLogLikelihood = double(weights, "maxNegativeLogLikelihood")
        gamma = double(weights, "gamma")
        meanFocalWeight = double(weights, "meanFocalWeight")
        maxFocalWeight = double(weights, "maxFocalWeight")
        let network = nested("network")
        bothRight = double(network, "bothRight")
        bothWrong = double(network, "bothWrong")
        networkWrongKNNRight = double(network, "networkWrongKNNRight")
        networkRightKNNWrong = double(network, "networkRightKNNWrong")
        agreement = double(network, "agreement")
        networkAccuracy = double(network, "networkAccuracy")
        blendLambda = double(network, "blendLambda")
        blendedAccuracy = double(network, "blendedAccuracy")
        // The λ sweep: top level, or inside a "blend" object (the blend choice's curve).
        let curve = (try? c.decodeIfPresent([CurvePoint].self, forKey: AnyKey("accuracyByLambda")))
            ?? (try? nested("blend")?.decodeIfPresent([CurvePoint].self, forKey: AnyKey("accuracyByLambda")))
            ?? nil
        accuracyByLambda = (curve ?? []).filter { $0.lambda.isFinite && $0.accuracy.isFinite }.sorted { $0.lambda < $1.lambda }
    }
}
