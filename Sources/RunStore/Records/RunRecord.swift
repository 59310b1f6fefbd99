import Foundation

/// A run file's content type: one versioned `Codable` type per file of the run directory
/// (see `RunDirectory` for which file holds which type).
///
/// Decoding is tolerant — files from earlier versions and hand-edited files open, every
/// missing or mistyped field gets a neutral value, and sizes and counts are validated
/// before any arithmetic — but a file written by a newer schema is refused. Encoding
/// writes the canonical form with `schemaVersion`.
public protocol RunRecord: Codable, Sendable {
    /// The schema this simlab writes; files without a version are version 1.
    static var schemaVersion: Int { get }
}

/// The key every run file carries its schema under.
enum SchemaVersionKey: String, CodingKey { case schemaVersion, serializationVersion }

extension RunRecord {
    /// Refuses a file written by a newer schema (`schemaVersion`, or the older
    /// `serializationVersion`, above ours); a file without one is version 1.
    static func checkSchemaVersion(_ decoder: Decoder) throws {
        guard let container = try? decoder.container(keyedBy: SchemaVersionKey.self) else { return }
        let found = (try? container.decodeIfPresent(Int.self, forKey: .schemaVersion))
            ?? (try? container.decodeIfPresent(Int.self, forKey: .serializationVersion)) ?? nil
        if let found, found > schemaVersion || found < 1 {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [], debugDescription: "schemaVersion \(found), this simlab reads up to \(schemaVersion) (written by another simlab version?)"))
        }
    }
}

/// Limits that keep hand-edited numbers from overflowing arithmetic or allocations.
enum RecordLimits {
    /// Largest count (examples, histogram entries) a record may carry: far above any real
    /// dataset, far below overflow when summed.
    static let maximumCount = 1 << 40
    /// Largest tensor dimension and element count in a record.
    static let maximumDimension = 1 << 20
    static let maximumElements = 1 << 28

    /// The product of `dimensions` if every one is in 1...maximumDimension and the product
    /// stays ≤ maximumElements; nil otherwise.
    static func elementCount(_ dimensions: [Int]) -> Int? {
        var product = 1
        for d in dimensions {
            guard d >= 1, d <= maximumDimension else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow, next <= maximumElements else { return nil }
            product = next
        }
        return product
    }

    /// A count as read from a file: negative or absurd values become nil.
    static func count(_ value: Int?) -> Int? {
        guard let value, value >= 0, value <= maximumCount else { return nil }
        return value
    }
}
