import CZlib
import Foundation

/// The contents of one IDX file: big-endian dimensions and unsigned-byte data.
///
/// Layout: magic `0x0000 08 D` (0x08 = unsigned byte, D = number of dimensions), D
/// big-endian UInt32 sizes, then the product of the sizes in bytes. Images are
/// `0x00000803` (N × rows × cols), labels `0x00000801` (N).
public struct IDXFile: Sendable {
    public let path: String
    public let dimensions: [Int]
    public let data: [UInt8]
}

/// Reads IDX files, plain or gzip-compressed (recognised by the 0x1f 0x8b magic, not the name),
/// checking the magic, the dimensions and that the byte count is exact.
public enum IDXReader {
    public static let imagesMagic: UInt32 = 0x0000_0803
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Reads an IDX file whose magic must be `magic` (which fixes the number of dimensions).
    public static func read(path: String, magic: UInt32) throws -> IDXFile {
        let raw: [UInt8]
        do { raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            if !FileManager.default.fileExists(atPath: path) {
                let url = URL(fileURLWithPath: path)
                throw DatasetError.fileNotFound(directory: url.deletingLastPathComponent().path, lookedFor: [url.lastPathComponent])
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw DatasetError.unreadable(path: path, reason: "it is a directory, not an IDX file")
            }
            let code = errno
            throw DatasetError.unreadable(path: path, reason: code != 0 ? String(cString: strerror(code)) : error.localizedDescription)
        }
        return try decode(raw, path: path, magic: magic)
    }

    /// The contents of an IDX file from its bytes as stored, plain or gzip-compressed
    /// (`path` names the file in errors).
    ///
    /// A gzip file is inflated no further than the size its own IDX header announces: once
    /// the header is out, the rest may not exceed the payload it declares, so a small file
    /// that claims 10 images but expands to gigabytes fails at once, holding little memory.
    public static func decode(_ raw: [UInt8], path: String, magic: UInt32) throws -> IDXFile {
        guard raw.count >= 2 && raw[0] == 0x1F && raw[1] == 0x8B else { return try parse(raw, path: path, magic: magic) }
        let headerBytes = 4 + 4 * Int(magic & 0xFF)
        let bytes = try gunzip(raw, path: path, sizeFromHeader: (headerBytes, { header in
            let payload = try parseHeader(header, path: path, magic: magic).payloadBytes
            let (total, overflow) = headerBytes.addingReportingOverflow(payload)
            guard !overflow else { throw DatasetError.badHeader(path: path, reason: "the announced size overflows") }
            return total
        }))
        return try parse(bytes, path: path, magic: magic)
    }

    /// Parses decompressed IDX bytes.
    public static func parse(_ bytes: [UInt8], path: String, magic: UInt32) throws -> IDXFile {
        let (dimensions, payload) = try parseHeader(bytes, path: path, magic: magic)
        let headerBytes = 4 + 4 * Int(magic & 0xFF)
        let expected = headerBytes + payload
        guard bytes.count >= expected else { throw DatasetError.truncated(path: path, expectedBytes: expected, foundBytes: bytes.count) }
        guard bytes.count == expected else { throw DatasetError.trailingBytes(path: path, expectedBytes: expected, foundBytes: bytes.count) }
        return IDXFile(path: path, dimensions: dimensions, data: Array(bytes[headerBytes...]))
    }

    /// Checks the magic and the dimensions at the start of `bytes` (decompressed): the
    /// dimensions and the payload's size in bytes they announce.
    static func parseHeader(_ bytes: [UInt8], path: String, magic: UInt32) throws -> (dimensions: [Int], payloadBytes: Int) {
        guard bytes.count >= 4 else {
            throw DatasetError.truncated(path: path, expectedBytes: 4 + 4 * Int(magic & 0xFF), foundBytes: bytes.count)
        }
        let found = bigEndian(bytes, 0)
        guard found == magic else { throw DatasetError.badMagic(path: path, expected: magic, found: found) }
        let rank = Int(magic & 0xFF)
        let headerBytes = 4 + 4 * rank
        guard bytes.count >= headerBytes else {
            throw DatasetError.truncated(path: path, expectedBytes: headerBytes, foundBytes: bytes.count)
        }
        let dimensions = (0..<rank).map { Int(bigEndian(bytes, 4 + 4 * $0)) }
        var payload = 1
        for d in dimensions {
            let (product, overflow) = payload.multipliedReportingOverflow(by: d)
            guard !overflow, product < 1 << 40 else {
                throw DatasetError.badHeader(path: path, reason: "dimensions \(dimensions) are implausibly large")
            }
            payload = product
        }
        if rank == 3, dimensions[1] == 0 || dimensions[2] == 0 {
            throw DatasetError.badHeader(path: path, reason: "image size \(dimensions[1])×\(dimensions[2]) is empty")
        }
        return (dimensions, payload)
    }

    /// Decompresses a whole gzip file (several members allowed). A stream that ends early,
    /// bad data, and non-gzip bytes after the last member are errors.
    ///
    /// With `sizeFromHeader` (the header's length, and the total size a header of that
    /// length announces — it may throw for a bad header), the output is bounded by that
    /// size as soon as the header is out: inflating stops with `.largerThanHeader` the
    /// moment the output would exceed it (memory stays within the size plus one chunk).
    public static func gunzip(_ input: [UInt8], path: String,
                              sizeFromHeader: (headerBytes: Int, size: ([UInt8]) throws -> Int)? = nil) throws -> [UInt8] {
        var output: [UInt8] = []
        // Until the header bounds it, the trailer's claim is not trusted with much memory.
        output.reserveCapacity(sizeFromHeader == nil ? gunzipCapacity(input) : min(gunzipCapacity(input), 1 << 16))
        var limit: Int?
        var stream = z_stream()
        // 15 + 32: maximum window, accept a gzip or zlib header.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corruptGzip(path: path, reason: "zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        // 256 KiB at a time; less for a small file (the output grows past it if need be).
        var chunk = [UInt8](repeating: 0, count: min(1 << 18, max(1 << 12, gunzipCapacity(input))))
        try input.withUnsafeBufferPointer { inBuffer in
            var consumed = 0
            while true {
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress! + consumed)
                stream.avail_in = UInt32(min(inBuffer.count - consumed, Int(UInt32.max)))
                let before = stream.avail_in
                var status: Int32 = Z_OK
                repeat {
                    let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        status = inflate(&stream, Z_NO_FLUSH)
                        return out.count - Int(stream.avail_out)
                    }
                    if let limit, produced > limit - output.count {
                        throw DatasetError.largerThanHeader(path: path, expectedBytes: limit)
                    }
                    output.append(contentsOf: chunk[0..<produced])
                    if limit == nil, let sizeFromHeader, output.count >= sizeFromHeader.headerBytes {
                        let size = try sizeFromHeader.size(Array(output.prefix(sizeFromHeader.headerBytes)))
                        guard output.count <= size else { throw DatasetError.largerThanHeader(path: path, expectedBytes: size) }
                        limit = size
                        output.reserveCapacity(min(size, max(gunzipCapacity(input), output.count)))
                    }
                    if status == Z_STREAM_END { break }
                    guard status == Z_OK || (status == Z_BUF_ERROR && stream.avail_in == 0 && produced == 0) else {
                        let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        throw DatasetError.corruptGzip(path: path, reason: message)
                    }
                    if stream.avail_in == 0 && produced == 0 { break }
                } while true
                consumed += Int(before - stream.avail_in)
                if status != Z_STREAM_END {
                    throw DatasetError.corruptGzip(path: path, reason: "the compressed stream ends early (file truncated?)")
                }
                let rest = inBuffer.count - consumed
                if rest == 0 { return }
                guard rest >= 2, inBuffer[consumed] == 0x1F, inBuffer[consumed + 1] == 0x8B else {
                    throw DatasetError.corruptGzip(path: path, reason: "\(rest) bytes of trailing garbage after the gzip data")
                }
                guard inflateReset(&stream) == Z_OK else {
                    throw DatasetError.corruptGzip(path: path, reason: "zlib reset failed")
                }
            }
        }
        return output
    }

    /// Deflate's best ratio: a 258-byte match costs at least 2 bits, so no stream expands
    /// more than about 1032 times.
    static let maximumInflationRatio = 1032

    /// The capacity to reserve for the output of `gunzip(input)`: the gzip trailer's size
    /// (the uncompressed size mod 2^32), but never more than the input can expand to — the
    /// trailer is only a claim, and a 50-byte file must not reserve megabytes.
    static func gunzipCapacity(_ input: [UInt8]) -> Int {
        let n = input.count
        guard n >= 4 else { return 0 }
        let hint = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return min(hint + 1, n * maximumInflationRatio, 1 << 30)
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
