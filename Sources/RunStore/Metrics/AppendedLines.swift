import Foundation

/// The lines appended to a growing file since the last read, never blocking its writer.
///
/// Keeps the byte offset after the last complete line and the file's identity (device,
/// inode). A half-written last line waits for the next read. When the file shrinks below
/// the offset or is replaced (new inode), or disappears after being read, reading starts
/// over from the beginning and the read reports `restarted`. The one mechanism behind
/// every reader of metrics.jsonl (the tail reader, the dashboard's chart and list scanners).
public final class AppendedLines {
    public let url: URL
    /// Bytes consumed so far (end of the last complete line).
    public private(set) var offset: UInt64 = 0
    private var identity: (device: UInt64, inode: UInt64)?

    public static let blockSize = 4 << 20

    public init(url: URL) { self.url = url }

    /// Calls `line` for every complete line appended since the last call (bytes without
    /// the newline or a trailing carriage return; blank lines come as empty buffers, so
    /// callers can number lines), in file order. Returns whether
    /// the file was truncated, replaced or removed, in which case the lines start again
    /// from its beginning (the caller drops what it had; `onRestart` runs before the first
    /// line of the new content). A missing file is "nothing yet".
    @discardableResult
    public func read(onRestart: () -> Void = {}, _ line: (UnsafeBufferPointer<UInt8>) -> Void) throws -> Bool {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                let restarted = offset > 0
                if restarted { reset(); onRestart() }
                return restarted
            }
            throw RunStoreError.io(path: url.path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RunStoreError.io(path: url.path, operation: "stat", errno: errno) }
        let size = UInt64(info.st_size)
        let current = (device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        var restarted = false
        if let known = identity, known != current || size < offset {
            reset()
            onRestart()
            restarted = true
        } else if identity == nil, size < offset {
            reset()
        }
        identity = current
        guard size > offset else { return restarted }

        // Read in blocks (a line longer than a block grows it), hand out the complete
        // lines, carry a partial line over to the next block.
        var buffer = [UInt8](repeating: 0, count: Int(min(size - offset, UInt64(AppendedLines.blockSize))))
        var carried = 0
        var position = offset
        while position < size {
            if carried == buffer.count { buffer += [UInt8](repeating: 0, count: max(buffer.count, 4096)) }
            let want = min(buffer.count - carried, Int(size - position))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + carried, want, off_t(position)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RunStoreError.io(path: url.path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            position += UInt64(n)
            let total = carried + n
            let consumed = buffer.withUnsafeBufferPointer { Self.splitLines($0, count: total, line) }
            offset += UInt64(consumed)
            carried = total - consumed
            if carried > 0 && consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, carried) }
            }
        }
        return restarted
    }

    /// Forgets the position: the next read starts at the beginning of the file.
    public func reset() {
        offset = 0
        identity = nil
    }

    /// Hands out the complete lines of `all[0..<count]`; returns the bytes consumed.
    private static func splitLines(_ all: UnsafeBufferPointer<UInt8>, count: Int,
                                   _ line: (UnsafeBufferPointer<UInt8>) -> Void) -> Int {
        guard let base = all.baseAddress else { return 0 }
        var start = 0
        while start < count {
            guard let newline = memchr(base + start, 0x0A, count - start) else { break }
            let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
            var lineEnd = end
            if lineEnd > start, all[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            line(UnsafeBufferPointer(rebasing: all[start..<lineEnd]))
            start = end + 1
        }
        return start
    }

    /// Whether `line` contains `marker` (memchr for its first byte, then compare): the
    /// cheap test readers use to skip lines without parsing them.
    public static func line(_ line: UnsafeBufferPointer<UInt8>, contains marker: [UInt8]) -> Bool {
        let m = marker.count
        guard let bytes = line.baseAddress, m > 0, line.count >= m, let first = marker.first else { return false }
        let count = line.count
        var i = 0
        while i <= count - m {
            guard let hit = memchr(bytes + i, Int32(first), count - m - i + 1) else { return false }
            let at = bytes.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if marker.withUnsafeBufferPointer({ memcmp(bytes + at, $0.baseAddress!, m) }) == 0 { return true }
            i = at + 1
        }
        return false
    }
}
