import CZlib
import Foundation

/// The header of an IDX file, read without loading the data: the magic and the dimensions
/// (a gzip file is inflated only as far as the header), and for a plain file that its size
/// matches them. What `RunLauncher` checks before it creates a run, so a bad dataset never
/// leaves a failed run behind; the full read (`IDXReader.read`) checks everything again.
public enum IDXHeader {
    /// The dimensions of the IDX file at `path`, whose magic must be `magic`.
    public static func dimensions(path: String, magic: UInt32) throws -> [Int] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw DatasetError.unreadable(path: path, reason: "it is a directory, not an IDX file")
            }
            throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let rank = Int(magic & 0xFF)
        let headerBytes = 4 + 4 * rank
        let start = [UInt8]((try? handle.read(upToCount: 64 * 1024)) ?? Data())
        let isGzip = start.count >= 2 && start[0] == 0x1F && start[1] == 0x8B
        let header = isGzip ? try inflatePrefix(start, count: headerBytes, path: path) : Array(start.prefix(headerBytes))
        guard header.count >= headerBytes else {
            throw DatasetError.truncated(path: path, expectedBytes: headerBytes, foundBytes: header.count)
        }
        // The full parser checks the magic and the dimensions; it needs the payload's size only
        // for a plain file, whose length tells it.
        let size = isGzip ? nil : (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let parsedHeader = try IDXReader.parseHeader(header, path: path, magic: magic)
        if let size {
            let expected = headerBytes + parsedHeader.payloadBytes
            guard size >= expected else { throw DatasetError.truncated(path: path, expectedBytes: expected, foundBytes: size) }
            guard size == expected else { throw DatasetError.trailingBytes(path: path, expectedBytes: expected, foundBytes: size) }
        }
        return parsedHeader.dimensions
    }

    /// The first `count` bytes of the gzip stream's output.
    private static func inflatePrefix(_ input: [UInt8], count: Int, path: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corruptGzip(path: path, reason: "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: count)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return inflate(&stream, Z_SYNC_FLUSH)
            }
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            throw DatasetError.corruptGzip(path: path, reason: stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
        }
        return Array(output.prefix(count - Int(stream.avail_out)))
    }
}
