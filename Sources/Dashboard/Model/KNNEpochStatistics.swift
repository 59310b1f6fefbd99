import Foundation

/// One epoch of kNN hard-example statistics (`knn/epoch-NNN.json`), decoded tolerantly:
/// every field may be missing.
///
/// The trainer writes `{"statistics": {…hard-example statistics…}, "blendCurve":
/// [{"lambda","accuracy"}]}`: the statistics (epoch, featureSpace, exampleCount,
/// classCount, trueClassProbabilityHistogram, knnAccuracy, knnErrorRate,
/// knnErrorRateByClass, classCounts, lossWeights{…}, network{…}) and the blended
/// TRAINING accuracy across λ for that epoch. A flat object (the statistics at the top
/// level, the curve as `accuracyByLambda`) is read too.
public struct KNNEpochStatistics: Decodable, Equatable, Sendable {
    public struct CurvePoint: Decodable, Equatable, Sendable {
        public var lambda: Double
        public var accuracy: Double
        public init(lambda: Double, accuracy: Double) {
            self.lambda = lambda
            self.accuracy = accuracy
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            lambda = (try? c.decode(LenientDouble.self, forKey: .lambda))?.value ?? .nan
            accuracy = (try? c.decode(LenientDouble.self, forKey: .accuracy))?.value ?? .nan
        }
        enum CodingKeys: String, CodingKey { case lambda, accuracy }
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
    /// Training accuracy of λ·p_knn + (1−λ)·p_net across λ this epoch (`blendCurve`).
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
        let top = try decoder.container(keyedBy: AnyKey.self)
        let c = (try? top.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("statistics"))) ?? top
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
        // The λ sweep: "blendCurve" beside the statistics, or a flat "accuracyByLambda".
        let curve = (try? top.decodeIfPresent([CurvePoint].self, forKey: AnyKey("blendCurve")))
            ?? (try? c.decodeIfPresent([CurvePoint].self, forKey: AnyKey("accuracyByLambda")))
            ?? nil
        accuracyByLambda = (curve ?? []).filter { $0.lambda.isFinite && $0.accuracy.isFinite }.sorted { $0.lambda < $1.lambda }
    }
}
