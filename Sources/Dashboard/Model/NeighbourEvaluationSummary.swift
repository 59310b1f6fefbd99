import Foundation

/// The end-of-training kNN evaluation (`evaluation.json`), decoded tolerantly.
///
///     {"choice":{"lambda":0.3,"k":20,"temperature":0.07,"validationAccuracy":0.91,
///                "validationCount":5000,"accuracyByLambda":[{"lambda","accuracy"}…]},
///      "featureSpace":"model","networkAccuracy":0.90,"knnAccuracy":0.88,
///      "blendedAccuracy":0.91,"testCount":10000}
///
/// λ, k and T were chosen on the validation split; `accuracyByLambda` is the VALIDATION
/// accuracy across λ at the chosen k and T. The three accuracies are on the test set.
public struct NeighbourEvaluationSummary: Decodable, Equatable, Sendable {
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
        case choice, featureSpace, networkAccuracy, knnAccuracy, blendedAccuracy, testCount
        case lambda, k, temperature, validationAccuracy, validationCount, accuracyByLambda
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func double(_ container: KeyedDecodingContainer<CodingKeys>?, _ key: CodingKeys) -> Double? {
            guard let container, let v = try? container.decodeIfPresent(LenientDouble.self, forKey: key) else { return nil }
            return v.value.isFinite ? v.value : nil
        }
        let choice = try? c.nestedContainer(keyedBy: CodingKeys.self, forKey: .choice)
        lambda = double(choice, .lambda)
        k = try? choice?.decodeIfPresent(Int.self, forKey: .k)
        temperature = double(choice, .temperature)
        validationAccuracy = double(choice, .validationAccuracy)
        validationCount = try? choice?.decodeIfPresent(Int.self, forKey: .validationCount)
        let curve = (try? choice?.decodeIfPresent([KNNEpochStatistics.CurvePoint].self, forKey: .accuracyByLambda)) ?? nil
        validationCurve = (curve ?? []).filter { $0.lambda.isFinite && $0.accuracy.isFinite }.sorted { $0.lambda < $1.lambda }
        featureSpace = try? c.decodeIfPresent(String.self, forKey: .featureSpace)
        networkAccuracy = double(c, .networkAccuracy)
        knnAccuracy = double(c, .knnAccuracy)
        blendedAccuracy = double(c, .blendedAccuracy)
        testCount = try? c.decodeIfPresent(Int.self, forKey: .testCount)
    }
}
