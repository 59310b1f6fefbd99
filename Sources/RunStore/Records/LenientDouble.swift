import Foundation

/// A number that also accepts the strings "NaN", "Infinity", "-Infinity" and null (as NaN),
/// as `RunDirectory.writeJSON` writes non-finite numbers.
struct LenientDouble: Codable, Equatable, Sendable {
    var value: Double
    init(_ value: Double) { self.value = value }
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .nan; return }
        if let v = try? c.decode(Double.self) { value = v; return }
        let text = (try? c.decode(String.self)) ?? ""
        switch text {
        case "Infinity", "inf": value = .infinity
        case "-Infinity", "-inf": value = -.infinity
        default: value = Double(text) ?? .nan
        }
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

extension KeyedDecodingContainer {
    /// A lenient number, nil when absent or not a number at all.
    func lenientDouble(_ key: Key) -> Double? {
        (try? decodeIfPresent(LenientDouble.self, forKey: key))??.value
    }
    /// Lenient numbers, nil when absent or not an array.
    func lenientDoubles(_ key: Key) -> [Double]? {
        (try? decodeIfPresent([LenientDouble].self, forKey: key))??.map(\.value)
    }
    /// A count (0...RecordLimits.maximumCount), nil when absent, mistyped or out of range.
    func count(_ key: Key) -> Int? {
        RecordLimits.count((try? decodeIfPresent(Int.self, forKey: key)) ?? nil)
    }
    /// Counts; nil when absent or any entry is out of range.
    func counts(_ key: Key) -> [Int]? {
        guard let values = (try? decodeIfPresent([Int].self, forKey: key)) ?? nil else { return nil }
        let checked = values.compactMap(RecordLimits.count)
        return checked.count == values.count ? checked : nil
    }
}

extension Double {
    /// The Double of `value`'s shortest decimal form: 0.3 for Float(0.3), not
    /// 0.30000001192092896, so records built from Float figures are written as they read.
    public init(shortest value: Float) {
        self = value.isFinite ? Double("\(value)") ?? Double(value) : Double(value)
    }
}
