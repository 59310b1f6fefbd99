import Foundation

/// A run's identifier and directory name: UTC creation time plus four random hex digits,
/// e.g. `20261122-231500-ab12`, so that sorting names sorts runs by creation time.
///
/// Any directory name is accepted as an id (a user may rename a run); only generated ids
/// are guaranteed to sort by time.
public struct RunID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// The id as a terminal may show it: control characters (an ESC sequence, a newline in
    /// a renamed folder) become "?" (`rawValue` is the folder's real name).
    public var description: String { rawValue.printable }

    public static func < (a: RunID, b: RunID) -> Bool { a.rawValue < b.rawValue }

    /// A new id for `date` (UTC) with a random suffix from `generator`.
    public static func generate<G: RandomNumberGenerator>(at date: Date = Date(), using generator: inout G) -> RunID {
        let iso = ISOTime.format(date)  // 2026-11-22T23:15:00Z
        let digits = iso.filter { $0.isNumber }  // 20261122231500
        let stamp = String(digits.prefix(8)) + "-" + String(digits.dropFirst(8).prefix(6))
        let suffix = String(UInt16.random(in: 0...UInt16.max, using: &generator), radix: 16)
        return RunID(stamp + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix)
    }

    public static func generate(at date: Date = Date()) -> RunID {
        var generator = SystemRandomNumberGenerator()
        return generate(at: date, using: &generator)
    }

    /// Whether the name has a generated id's shape: 8 digits, 6 digits, 4 hex digits.
    public var hasGeneratedShape: Bool {
        let parts = rawValue.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 8 && parts[1].count == 6 && parts[2].count == 4
            && parts[0].allSatisfy { $0.isASCII && $0.isNumber } && parts[1].allSatisfy { $0.isASCII && $0.isNumber } && parts[2].allSatisfy(\.isHexDigit)
    }

    /// The creation time encoded in a generated id (nil for other names).
    public var creationDate: Date? {
        let parts = rawValue.split(separator: "-")
        guard parts.count == 3, parts[0].count == 8, parts[1].count == 6 else { return nil }
        let d = Array(parts[0]), t = Array(parts[1])
        let iso = "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))T\(String(t[0..<2])):\(String(t[2..<4])):\(String(t[4..<6]))Z"
        return ISOTime.parse(iso)
    }
}
