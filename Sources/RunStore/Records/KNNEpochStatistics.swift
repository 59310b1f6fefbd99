import Foundation

/// `knn/epoch-NNN.json`: one epoch of kNN hard-example statistics over the training set.
///
///     {"schemaVersion":1,
///      "statistics":{"epoch","featureSpace","exampleCount","classCount",
///                    "trueClassProbabilityHistogram":[B],"knnAccuracy","knnErrorRate",
///                    "knnErrorRateByClass":[C],"classCounts":[C],
///                    "lossWeights":{"alpha","meanNegativeLogLikelihood","maxNegativeLogLikelihood",
///                                   "meanWeight","maxWeight","gamma","meanFocalWeight","maxFocalWeight"},
///                    "network":{"bothRight","bothWrong","networkWrongKNNRight","networkRightKNNWrong",
///                               "agreement","networkAccuracy","blendLambda","blendedAccuracy"} | absent},
///      "blendCurve":[{"lambda","accuracy"}]}
///
/// `blendCurve` is the blended TRAINING accuracy across λ that epoch. Read tolerantly:
/// every field may be missing, and a flat object (the statistics at the top level, the
/// curve as `accuracyByLambda`) is read too. Counts out of range read as absent.
public struct KNNEpochStatistics: RunRecord, Equatable {
    public static let schemaVersion = 1
    /// Most histogram bins a file may carry.
    public static let maximumBins = 10_000

    public struct CurvePoint: Codable, Equatable, Sendable {
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
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(LenientDouble(lambda), forKey: .lambda)
            try c.encode(LenientDouble(accuracy), forKey: .accuracy)
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
        try Self.checkSchemaVersion(decoder)
        let top = try decoder.container(keyedBy: AnyKey.self)
        let c = (try? top.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("statistics"))) ?? top
        func double(_ container: KeyedDecodingContainer<AnyKey>?, _ key: String) -> Double? {
            guard let container, let v = try? container.decodeIfPresent(LenientDouble.self, forKey: AnyKey(key)) else { return nil }
            return v.value
        }
        func nested(_ key: String) -> KeyedDecodingContainer<AnyKey>? {
            try? c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(key))
        }
        epoch = c.count(AnyKey("epoch")) ?? 0
        featureSpace = try? c.decodeIfPresent(String.self, forKey: AnyKey("featureSpace"))
        exampleCount = c.count(AnyKey("exampleCount")) ?? 0
        histogram = c.counts(AnyKey("trueClassProbabilityHistogram")).flatMap { $0.count <= Self.maximumBins ? $0 : nil } ?? []
        knnAccuracy = double(c, "knnAccuracy")
        knnErrorRate = double(c, "knnErrorRate")
        errorRateByClass = ((try? c.decodeIfPresent([LenientDouble].self, forKey: AnyKey("knnErrorRateByClass"))) ?? [])
            .map(\.value)
        classCounts = c.counts(AnyKey("classCounts")) ?? []
        classCount = c.count(AnyKey("classCount")) ?? max(classCounts.count, errorRateByClass.count)
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

    /// The canonical nested form (see the type's comment); absent figures are left out.
    public func encode(to encoder: Encoder) throws {
        var top = encoder.container(keyedBy: AnyKey.self)
        try top.encode(Self.schemaVersion, forKey: AnyKey("schemaVersion"))
        var c = top.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("statistics"))
        func put(_ value: Double?, _ key: String, in container: inout KeyedEncodingContainer<AnyKey>) throws {
            if let value { try container.encode(LenientDouble(value), forKey: AnyKey(key)) }
        }
        try c.encode(epoch, forKey: AnyKey("epoch"))
        try c.encodeIfPresent(featureSpace, forKey: AnyKey("featureSpace"))
        try c.encode(exampleCount, forKey: AnyKey("exampleCount"))
        try c.encode(classCount, forKey: AnyKey("classCount"))
        try c.encode(histogram, forKey: AnyKey("trueClassProbabilityHistogram"))
        try put(knnAccuracy, "knnAccuracy", in: &c)
        try put(knnErrorRate, "knnErrorRate", in: &c)
        try c.encode(errorRateByClass.map(LenientDouble.init), forKey: AnyKey("knnErrorRateByClass"))
        try c.encode(classCounts, forKey: AnyKey("classCounts"))
        // The loss weights and the network comparison: nested objects, written when any figure is known.
        func group(_ name: String, _ figures: [(String, Double?)]) throws {
            guard figures.contains(where: { $0.1 != nil }) else { return }
            var nested = c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(name))
            for (key, value) in figures { try put(value, key, in: &nested) }
        }
        try group("lossWeights", [
            ("alpha", alpha), ("meanNegativeLogLikelihood", meanNegativeLogLikelihood),
            ("maxNegativeLogLikelihood", maxNegativeLogLikelihood), ("meanWeight", meanWeight),
            ("maxWeight", maxWeight), ("gamma", gamma), ("meanFocalWeight", meanFocalWeight),
            ("maxFocalWeight", maxFocalWeight)])
        try group("network", [
            ("bothRight", bothRight), ("bothWrong", bothWrong), ("networkWrongKNNRight", networkWrongKNNRight),
            ("networkRightKNNWrong", networkRightKNNWrong), ("agreement", agreement),
            ("networkAccuracy", networkAccuracy), ("blendLambda", blendLambda), ("blendedAccuracy", blendedAccuracy)])
        try top.encode(accuracyByLambda, forKey: AnyKey("blendCurve"))
    }
}
