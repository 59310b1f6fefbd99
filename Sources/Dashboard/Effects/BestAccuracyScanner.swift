import Foundation
import RunStore

/// Best validation and test accuracy of one run's metrics.jsonl, kept up to date by reading
/// only the bytes appended since the last call.
///
/// The Runs list needs these for every run, every second, so it must not parse every line:
/// a line holding `"split":"train"` (the bulk: "every N steps" lines) is skipped after a
/// byte search; every other line is parsed as a metrics record. A half-written last line
/// waits for the next call; a truncated or replaced file starts over.
final class BestAccuracyScanner {
    let url: URL
    private(set) var validation: Double?
    private(set) var test: Double?
    private var offset: UInt64 = 0
    private var identity: (device: UInt64, inode: UInt64)?

    static let blockSize = 4 << 20
    private static let trainMarker = Array("\"split\":\"train\"".utf8)

    init(url: URL) { self.url = url }

    /// Reads what was appended; a missing file keeps the values (nothing yet, or deleted).
    func update() {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        let size = UInt64(info.st_size)
        let current = (device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        if let known = identity, known != current || size < offset {
            offset = 0
            validation = nil
            test = nil
        }
        identity = current
        guard size > offset else { return }
        var buffer = [UInt8](repeating: 0, count: Int(min(size - offset, UInt64(BestAccuracyScanner.blockSize))))
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
            let consumed = buffer.withUnsafeBufferPointer { scanLines($0, count: total) }
            offset += UInt64(consumed)
            carried = total - consumed
            if carried > 0 && consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, carried) }
            }
        }
    }

    /// Whether `bytes[0..<count]` contains `marker` (memchr for its first byte, then compare).
    static func contains(_ bytes: UnsafePointer<UInt8>, count: Int, _ marker: UnsafeBufferPointer<UInt8>) -> Bool {
        let m = marker.count
        guard m > 0, count >= m, let first = marker.first else { return false }
        var i = 0
        while i <= count - m {
            guard let hit = memchr(bytes + i, Int32(first), count - m - i + 1) else { return false }
            let at = bytes.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(bytes + at, marker.baseAddress!, m) == 0 { return true }
            i = at + 1
        }
        return false
    }

    /// Scans the complete lines of `all[0..<count]`; returns the bytes consumed.
    private func scanLines(_ all: UnsafeBufferPointer<UInt8>, count: Int) -> Int {
        guard let base = all.baseAddress else { return 0 }
        var start = 0
        var consumed = 0
        BestAccuracyScanner.trainMarker.withUnsafeBufferPointer { marker in
            while start < count {
                guard let newline = memchr(base + start, 0x0A, count - start) else { break }
                let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                if end > start, !BestAccuracyScanner.contains(base + start, count: end - start, marker),
                   let record = MetricRecord.parse(line: UnsafeBufferPointer(rebasing: all[start..<end])),
                   let accuracy = record.accuracy, accuracy.isFinite {
                    if record.split == .val { validation = max(validation ?? accuracy, accuracy) }
                    if record.split == .test { test = max(test ?? accuracy, accuracy) }
                }
                start = end + 1
                consumed = start
            }
        }
        return consumed
    }
}
