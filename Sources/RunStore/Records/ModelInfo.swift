import Foundation

/// `model.json`: what the worker built, written once the model exists.
///
///     {"schemaVersion":1,"label":"nsn-lite:conv","parameterCount":75002,"featureCount":64}
public struct ModelInfo: RunRecord, Equatable {
    public static let schemaVersion = 1

    /// The model as the worker log names it (e.g. "nsn-lite:dynamic-diag").
    public var label: String
    /// Trainable scalars.
    public var parameterCount: Int
    /// Width of the feature vector the kNN bank holds.
    public var featureCount: Int

    public init(label: String, parameterCount: Int, featureCount: Int) {
        self.label = label
        self.parameterCount = parameterCount
        self.featureCount = featureCount
    }

    enum CodingKeys: String, CodingKey { case schemaVersion, label, parameterCount, featureCount }

    public init(from decoder: Decoder) throws {
        try Self.checkSchemaVersion(decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = ((try? c.decodeIfPresent(String.self, forKey: .label)) ?? nil) ?? "?"
        // Written as JSON numbers; an older writer wrote them as doubles (75002.0 reads too).
        func integer(_ key: CodingKeys) -> Int {
            if let value = c.count(key) { return value }
            guard let value = c.lenientDouble(key), value >= 0, value <= Double(RecordLimits.maximumCount),
                  value == value.rounded() else { return 0 }
            return Int(value)
        }
        parameterCount = integer(.parameterCount)
        featureCount = integer(.featureCount)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(label, forKey: .label)
        try c.encode(parameterCount, forKey: .parameterCount)
        try c.encode(featureCount, forKey: .featureCount)
    }
}
