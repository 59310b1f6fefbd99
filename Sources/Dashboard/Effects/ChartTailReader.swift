import Foundation
import RunStore

/// Reads the metrics lines appended to a run's metrics.jsonl for the charts, parsing only
/// what a chart can show.
///
/// Epoch lines are always parsed. "Every N steps" lines (`"interval":"steps"`) are kept one
/// in `stride`: a chart is a few hundred dots wide, and a long run can have a million step
/// lines. The first read picks the stride from the file size so that about
/// `RunMetrics.maxStepPoints` step lines are parsed; when the kept ones pass twice that,
/// the stride doubles (and `RunMetrics` drops every other step point to match). Skipped
/// lines are found by a byte search, never parsed. A half-written last line waits for the
/// next call; a truncated or replaced file starts over (`restarted`).
final class ChartTailReader {
    let url: URL
    private(set) var stride = 1
    private var offset: UInt64 = 0
    private var identity: (device: UInt64, inode: UInt64)?
    private var stepLinesSeen = 0
    private var stepLinesKept = 0

    static let blockSize = 4 << 20
    /// Bytes of a typical step line, for the first stride estimate.
    static let typicalLineBytes = 180
    private static let stepsMarker = Array("\"interval\":\"steps\"".utf8)

    init(url: URL) { self.url = url }

    /// Records appended since the last call (nil when the file cannot be read).
    func readNew() -> (records: [MetricRecord], restarted: Bool)? {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT, offset > 0 { reset(); return ([], true) }
            return errno == ENOENT ? ([], false) : nil
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = UInt64(info.st_size)
        let current = (device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        var restarted = false
        if let known = identity, known != current || size < offset {
            reset()
            restarted = true
        }
        identity = current
        guard size > offset else { return ([], restarted) }
        if offset == 0 {
            let estimated = Int(size) / ChartTailReader.typicalLineBytes
            while estimated / stride > RunMetrics.maxStepPoints { stride *= 2 }
        }
        var records: [MetricRecord] = []
        var buffer = [UInt8](repeating: 0, count: Int(min(size - offset, UInt64(ChartTailReader.blockSize))))
        var carried = 0
        var position = offset
        while position < size {
            if carried == buffer.count { buffer += [UInt8](repeating: 0, count: max(buffer.count, 4096)) }
            let want = min(buffer.count - carried, Int(size - position))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + carried, want, off_t(position)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            position += UInt64(n)
            let total = carried + n
            let consumed = buffer.withUnsafeBufferPointer { parseLines($0, count: total, into: &records) }
            offset += UInt64(consumed)
            carried = total - consumed
            if carried > 0 && consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, carried) }
            }
        }
        while stepLinesKept > 2 * RunMetrics.maxStepPoints {
            stride *= 2
            stepLinesKept /= 2
        }
        return (records, restarted)
    }

    private func reset() {
        offset = 0
        identity = nil
        stride = 1
        stepLinesSeen = 0
        stepLinesKept = 0
    }

    private func parseLines(_ all: UnsafeBufferPointer<UInt8>, count: Int, into records: inout [MetricRecord]) -> Int {
        guard let base = all.baseAddress else { return 0 }
        var start = 0
        var consumed = 0
        ChartTailReader.stepsMarker.withUnsafeBufferPointer { marker in
            while start < count {
                guard let newline = memchr(base + start, 0x0A, count - start) else { break }
                let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                defer { start = end + 1; consumed = start }
                guard end > start else { continue }
                if BestAccuracyScanner.contains(base + start, count: end - start, marker) {
                    stepLinesSeen += 1
                    guard (stepLinesSeen - 1) % stride == 0 else { continue }
                    stepLinesKept += 1
                }
                if let record = MetricRecord.parse(line: UnsafeBufferPointer(rebasing: all[start..<end])) {
                    records.append(record)
                }
            }
        }
        return consumed
    }
}
