import Foundation

/// A named Float32 array (a parameter, a buffer, an optimizer state vector).
public struct NamedArray: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var scalars: [Float]

    public init(name: String, shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == scalars.count,
                     "NamedArray \(name): shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.name = name
        self.shape = shape
        self.scalars = scalars
    }
}

/// What a checkpoint holds: named arrays (in order) and free JSON metadata
/// (epoch, step, RNG state, hyperparameters, ...). UInt64 values such as RNG states do
/// not fit a JSON number exactly: store them as strings.
public struct Checkpoint: Equatable, Sendable {
    public var arrays: [NamedArray]
    public var metadata: JSONObject

    public init(arrays: [NamedArray] = [], metadata: JSONObject = [:]) {
        self.arrays = arrays
        self.metadata = metadata
    }

    public subscript(name: String) -> NamedArray? { arrays.first { $0.name == name } }
}

/// Why a checkpoint could not be loaded. Each case is distinct so callers can tell a
/// damaged file from one written by a newer simlab.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badMagic(path: String, found: [UInt8])
    case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
    case truncated(path: String, expectedBytes: Int, foundBytes: Int)
    case trailingBytes(path: String, expectedBytes: Int, foundBytes: Int)
    case checksumMismatch(path: String, stored: UInt32, computed: UInt32)
    case badHeader(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read checkpoint: \(reason)"
        case .badMagic(let path, let found):
            return "\(path): not a simlab checkpoint (expected magic \"SLCK\", found \(found.map { String(format: "%02x", $0) }.joined(separator: " ")))"
        case .unsupportedVersion(let path, let found, let supported):
            return "\(path): checkpoint format version \(found), this simlab reads version \(supported)"
        case .truncated(let path, let expected, let found):
            return "\(path): checkpoint truncated: expected \(expected) bytes, found \(found)"
        case .trailingBytes(let path, let expected, let found):
            return "\(path): checkpoint has trailing bytes: expected \(expected) bytes, found \(found)"
        case .checksumMismatch(let path, let stored, let computed):
            return "\(path): checkpoint corrupt: stored CRC-32 \(String(format: "%08x", stored)), computed \(String(format: "%08x", computed))"
        case .badHeader(let path, let reason): return "\(path): checkpoint header invalid: \(reason)"
        }
    }
}

/// The checkpoint container, format version 1:
///
/// ```
/// offset  size  content
/// 0       4     magic "SLCK"
/// 4       4     format version, UInt32 little-endian (1)
/// 8       8     header length H, UInt64 little-endian
/// 16      H     header, UTF-8 JSON: {"arrays":[{"name","shape","offset","count"}...],
///               "payloadBytes": P, "metadata": {...}}; offsets in bytes from the payload start
/// 16+H    P     payload: the arrays' Float32 scalars, little-endian, in header order
/// 16+H+P  4     CRC-32 of bytes 0 ..< 16+H+P, UInt32 little-endian
/// ```
/// Written to a temporary file, fsynced and renamed, so a crash leaves the old file.
public enum CheckpointFile {
    public static let magic: [UInt8] = Array("SLCK".utf8)
    public static let formatVersion: UInt32 = 1

    public static func write(_ checkpoint: Checkpoint, to url: URL) throws {
        try AtomicFile.createDirectory(url.deletingLastPathComponent().path)
        try AtomicFile.write(encode(checkpoint), to: url)
    }

    public static func read(from url: URL) throws -> Checkpoint {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(url) } catch {
            throw CheckpointError.unreadable(path: url.path, reason: "\(error)")
        }
        return try decode(bytes, path: url.path)
    }

    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        var entries: [JSONValue] = []
        var offset = 0
        for array in checkpoint.arrays {
            entries.append([
                "name": .string(array.name),
                "shape": .array(array.shape.map { .number(Double($0)) }),
                "offset": .number(Double(offset)),
                "count": .number(Double(array.scalars.count)),
            ])
            offset += 4 * array.scalars.count
        }
        let header: JSONValue = [
            "arrays": .array(entries),
            "payloadBytes": .number(Double(offset)),
            "metadata": .object(checkpoint.metadata),
        ]
        let headerBytes = JSONWriter.bytes(header)
        var out: [UInt8] = []
        out.reserveCapacity(16 + headerBytes.count + offset + 4)
        out.append(contentsOf: magic)
        appendLittleEndian(formatVersion, to: &out)
        appendLittleEndian(UInt64(headerBytes.count), to: &out)
        out.append(contentsOf: headerBytes)
        for array in checkpoint.arrays {
            for x in array.scalars { appendLittleEndian(x.bitPattern, to: &out) }
        }
        appendLittleEndian(CRC32.checksum(out), to: &out)
        return out
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> Checkpoint {
        guard bytes.count >= 4 else {
            if bytes != Array(magic.prefix(bytes.count)) { throw CheckpointError.badMagic(path: path, found: bytes) }
            throw CheckpointError.truncated(path: path, expectedBytes: 20, foundBytes: bytes.count)
        }
        guard Array(bytes[0..<4]) == magic else { throw CheckpointError.badMagic(path: path, found: Array(bytes[0..<4])) }
        guard bytes.count >= 16 else { throw CheckpointError.truncated(path: path, expectedBytes: 20, foundBytes: bytes.count) }
        let version: UInt32 = readLittleEndian(bytes, at: 4)
        guard version == formatVersion else {
            throw CheckpointError.unsupportedVersion(path: path, found: version, supported: formatVersion)
        }
        let headerLength64: UInt64 = readLittleEndian(bytes, at: 8)
        guard headerLength64 < UInt64(Int32.max) else {
            throw CheckpointError.badHeader(path: path, reason: "header length \(headerLength64) is implausible")
        }
        let headerLength = Int(headerLength64)
        guard bytes.count >= 16 + headerLength else {
            throw CheckpointError.truncated(path: path, expectedBytes: 16 + headerLength + 4, foundBytes: bytes.count)
        }
        let header: JSONValue
        do { header = try JSONValue.parse(bytes[16..<16 + headerLength]) } catch {
            throw CheckpointError.badHeader(path: path, reason: "\(error)")
        }
        guard let payloadBytes = header["payloadBytes"]?.intValue, payloadBytes >= 0,
              let entries = header["arrays"]?.arrayValue else {
            throw CheckpointError.badHeader(path: path, reason: "missing \"arrays\" or \"payloadBytes\"")
        }
        let payloadStart = 16 + headerLength
        let expected = payloadStart + payloadBytes + 4
        guard bytes.count >= expected else {
            throw CheckpointError.truncated(path: path, expectedBytes: expected, foundBytes: bytes.count)
        }
        guard bytes.count == expected else {
            throw CheckpointError.trailingBytes(path: path, expectedBytes: expected, foundBytes: bytes.count)
        }
        let stored: UInt32 = readLittleEndian(bytes, at: expected - 4)
        let computed = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<expected - 4])) }
        guard stored == computed else {
            throw CheckpointError.checksumMismatch(path: path, stored: stored, computed: computed)
        }

        var arrays: [NamedArray] = []
        // Bytes claimed by the arrays so far: together they may not exceed the payload, so
        // entries that all point at the same bytes cannot multiply the file into gigabytes.
        var claimed = 0
        for (i, entry) in entries.enumerated() {
            guard let name = entry["name"]?.stringValue,
                  let shapeValues = entry["shape"]?.arrayValue,
                  let offset = entry["offset"]?.intValue, let count = entry["count"]?.intValue else {
                throw CheckpointError.badHeader(path: path, reason: "array entry \(i) lacks name/shape/offset/count")
            }
            let shape = shapeValues.compactMap { $0.intValue }
            // The product is checked for overflow: the dimensions are the file's claim.
            let elements = shape.reduce(Int?(1)) { product, d in
                guard let product, d >= 0 else { return nil }
                let (next, overflow) = product.multipliedReportingOverflow(by: d)
                return overflow ? nil : next
            }
            guard shape.count == shapeValues.count, elements == count,
                  offset >= 0, count >= 0, offset % 4 == 0, offset + 4 * count <= payloadBytes else {
                throw CheckpointError.badHeader(path: path, reason: "array \"\(name)\": shape \(shapeValues), offset \(offset), count \(count) do not fit a payload of \(payloadBytes) bytes")
            }
            claimed += 4 * count
            guard claimed <= payloadBytes else {
                throw CheckpointError.badHeader(path: path, reason: "the arrays up to \"\(name)\" claim \(claimed) bytes of a payload of \(payloadBytes) (arrays overlap)")
            }
            var scalars = [Float](repeating: 0, count: count)
            let base = payloadStart + offset
            for k in 0..<count {
                let bits: UInt32 = readLittleEndian(bytes, at: base + 4 * k)
                scalars[k] = Float(bitPattern: bits)
            }
            arrays.append(NamedArray(name: name, shape: shape, scalars: scalars))
        }
        let metadata = header["metadata"]?.objectValue ?? [:]
        return Checkpoint(arrays: arrays, metadata: metadata)
    }
}

private func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}

private func readLittleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {
    var value: T = 0
    for k in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + k]) << (8 * k) }
    return value
}
