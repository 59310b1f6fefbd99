import Foundation

/// Reads what was appended to metrics.jsonl since the last call, without ever blocking the writer.
///
/// Keeps a byte offset at the end of the last complete line. A half-written last line is
/// left for the next call; a line that is not a metrics record is skipped and counted in
/// `corruptLineCount`. When the file shrinks below the offset or is replaced by another
/// file (new inode), reading restarts from the beginning and `restartCount` goes up — the
/// caller should then drop what it had (`readNew` reports it in `TailResult.restarted`).
/// A missing file is simply "nothing yet".
public final class MetricsTailReader {
    public struct TailResult {
        /// New records, in file order.
        public var records: [MetricRecord]
        /// True when the file was truncated or replaced: `records` start from its beginning.
        public var restarted: Bool
    }

    public let url: URL
    /// Bytes consumed so far (end of the last complete line).
    public private(set) var offset: UInt64 = 0
    /// Lines skipped because they were not metrics records (since the last restart).
    public private(set) var corruptLineCount = 0
    /// 1-based line numbers of the skipped lines (the first 100).
    public private(set) var corruptLineNumbers: [Int] = []
    public private(set) var restartCount = 0
    private var linesConsumed = 0
    private var identity: (device: UInt64, inode: UInt64)?

    public init(url: URL) { self.url = url }

    /// Records appended since the last call.
    public func readNew() throws -> TailResult {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                let restarted = offset > 0
                if restarted { reset(); restartCount += 1 }
                return TailResult(records: [], restarted: restarted)
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
            restartCount += 1
            restarted = true
        } else if identity == nil, size < offset {
            reset()
        }
        identity = current
        guard size > offset else { return TailResult(records: [], restarted: restarted) }

        // Read in blocks (a line longer than a block grows it), parse the complete lines,
        // carry a partial line over to the next block.
        var records: [MetricRecord] = []
        records.reserveCapacity(Int(min(size - offset, 1 << 34)) / 150)
        var buffer = [UInt8](repeating: 0, count: Int(min(size - offset, UInt64(MetricsTailReader.blockSize))))
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
            let consumed = buffer.withUnsafeBufferPointer { parseLines($0, count: total, into: &records) }
            offset += UInt64(consumed)
            carried = total - consumed
            if carried > 0 && consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, carried)
                }
            }
        }
        return TailResult(records: records, restarted: restarted)
    }

    static let blockSize = 4 << 20

    /// Forgets the position: the next read starts at the beginning of the file.
    public func reset() {
        offset = 0
        corruptLineCount = 0
        corruptLineNumbers = []
        linesConsumed = 0
        identity = nil
    }

    /// Parses the complete lines of `all[0..<count]` into `records`; returns the bytes consumed.
    private func parseLines(_ all: UnsafeBufferPointer<UInt8>, count: Int, into records: inout [MetricRecord]) -> Int {
        guard let base = all.baseAddress else { return 0 }
        var consumed = 0
        var start = 0
        while start < count {
            guard let newline = memchr(base + start, 0x0A, count - start) else { break }
            let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
            linesConsumed += 1
            var lineEnd = end
            if lineEnd > start, all[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd > start {  // blank lines are ignored
                if let record = MetricRecord.parse(line: UnsafeBufferPointer(rebasing: all[start..<lineEnd])) {
                    records.append(record)
                } else {
                    corruptLineCount += 1
                    if corruptLineNumbers.count < 100 { corruptLineNumbers.append(linesConsumed) }
                }
            }
            start = end + 1
            consumed = start
        }
        return consumed
    }
}
