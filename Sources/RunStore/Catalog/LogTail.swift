import Foundation

/// The last lines of a text file (worker.log), read backwards from the end in blocks so a
/// large log costs only what is shown.
public enum LogTail {
    /// Up to `count` last lines, oldest first, reading at most `maxBytes` from the end.
    /// A missing or unreadable file gives no lines. A trailing newline does not make an
    /// empty last line.
    public static func lastLines(of url: URL, count: Int, maxBytes: Int = 1 << 20) -> [String] {
        guard count > 0 else { return [] }
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        guard size > 0 else { return [] }
        let block = 64 * 1024
        var tail: [UInt8] = []   // bytes from `start` to the end of the file
        var start = size
        var newlines = 0
        while start > 0 && size - start < maxBytes {
            let length = min(block, start, maxBytes - (size - start))
            start -= length
            var chunk = [UInt8](repeating: 0, count: length)
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, length, off_t(start)) }
            guard n == length else { return [] }
            newlines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            tail = chunk + tail
            if newlines > count { break }
        }
        var lines = tail.split(separator: 0x0A, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if tail.last == 0x0A { lines.removeLast() }
        if start > 0 && !lines.isEmpty { lines.removeFirst() }  // probably a partial first line
        return Array(lines.suffix(count))
    }
}
