import Foundation

/// `evaluation.json`: the end-of-training kNN evaluation.
///
///     {"schemaVersion":1,"choice":{"lambda":0.3,"k":20,"temperature":0.07,"validationAccuracy":0.91,
///                "validationCount":5000,"accuracyByLambda":[{"lambda","accuracy"}…]},
///      "featureSpace":"model","networkAccuracy":0.90,"knnAccuracy":0.88,
///      "blendedAccuracy":0.91,"testCount":10000}
///
/// λ, k and T were chosen on the validation split; `accuracyByLambda` is the VALIDATION
/// accuracy across λ at the chosen k and T. The three accuracies are on the test set.
public struct NeighbourEvaluationSummary: RunRecord, Equatable {
    public static let schemaVersion = 1

    public var lambda: Double?
    public var k: Int?
    public var temperature: Double?
    public var validationAccuracy: Double?
    public var validationCount: Int?
    /// [λ] validation accuracy across λ, sorted by λ.
    public var validationCurve: [KNNEpochStatistics.CurvePoint]
    public var featureSpace: String?
    public var networkAccuracy: Double?
    public var knnAccuracy: Double?
    public var blendedAccuracy: Double?
    public var testCount: Int?

    public init(lambda: Double? = nil, k: Int? = nil, temperature: Double? = nil, validationAccuracy: Double? = nil,
                validationCount: Int? = nil, validationCurve: [KNNEpochStatistics.CurvePoint] = [],
                featureSpace: String? = nil, networkAccuracy: Double? = nil, knnAccuracy: Double? = nil,
                blendedAccuracy: Double? = nil, testCount: Int? = nil) {
        self.lambda = lambda
        self.k = k
        self.temperature = temperature
        self.validationAccuracy = validationAccuracy
        self.validationCount = validationCount
        self.validationCurve = validationCurve
        self.featureSpace = featureSpace
        self.networkAccuracy = networkAccuracy
        self.knnAccuracy = knnAccuracy
        self.blendedAccuracy = blendedAccuracy
        self.testCount = testCount
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion, choice, featureSpace, networkAccuracy, knnAccuracy, blendedAccuracy, testCount
        case lambda, k, temperature, validationAccuracy, validationCount, accuracyByLambda
    }

    public init(from decoder: Decoder) throws {
        try Self.checkSchemaVersion(decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func double(_ container: KeyedDecodingContainer<CodingKeys>?, _ key: CodingKeys) -> Double? {
            guard let container, let v = try? container.decodeIfPresent(LenientDouble.self, forKey: key) else { return nil }
            return v.value.isFinite ? v.value : nil
        }
        let choice = try? c.nestedContainer(keyedBy: CodingKeys.self, forKey: .choice)
        lambda = double(choice, .lambda)
        k = choice?.count(.k)
        temperature = double(choice, .temperature)
        validationAccuracy = double(choice, .validationAccuracy)
        validationCount = choice?.count(.validationCount)
        let curve = (try? choice?.decodeIfPresent([KNNEpochStatistics.CurvePoint].self, forKey: .accuracyByLambda)) ?? nil
        validationCurve = (curve ?? []).filter { $0.lambda.isFinite && $0.accuracy.isFinite }.sorted { $0.lambda < $1.lambda }
        featureSpace = try? c.decodeIfPresent(String.self, forKey: .featureSpace)
        networkAccuracy = double(c, .networkAccuracy)
        knnAccuracy = double(c, .knnAccuracy)
        blendedAccuracy = double(c, .blendedAccuracy)
        testCount = c.count(.testCount)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        var choice = c.nestedContainer(keyedBy: CodingKeys.self, forKey: .choice)
        try choice.encodeIfPresent(lambda.map(LenientDouble.init), forKey: .lambda)
        try choice.encodeIfPresent(k, forKey: .k)
        try choice.encodeIfPresent(temperature.map(LenientDouble.init), forKey: .temperature)
        try choice.encodeIfPresent(validationAccuracy.map(LenientDouble.init), forKey: .validationAccuracy)
        try choice.encodeIfPresent(validationCount, forKey: .validationCount)
        try choice.encode(validationCurve, forKey: .accuracyByLambda)
        try c.encodeIfPresent(featureSpace, forKey: .featureSpace)
        try c.encodeIfPresent(networkAccuracy.map(LenientDouble.init), forKey: .networkAccuracy)
        try c.encodeIfPresent(knnAccuracy.map(LenientDouble.init), forKey: .knnAccuracy)
        try c.encodeIfPresent(blendedAccuracy.map(LenientDouble.init), forKey: .blendedAccuracy)
        try c.encodeIfPresent(testCount, forKey: .testCount)
    }
}
