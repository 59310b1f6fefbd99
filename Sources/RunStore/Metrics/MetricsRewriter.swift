import Foundation

/// Rewrites metrics.jsonl keeping only the records a predicate accepts (used when a run
/// resumes from a checkpoint, to drop the lines of the interrupted partial epoch).
/// Corrupt lines and a half-written last line are dropped too. Atomic: temp file + rename.
public enum MetricsRewriter {
    public static func keepRecords(in url: URL, where keep: (MetricRecord) -> Bool) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        var kept: [UInt8] = []
        kept.reserveCapacity(data.count)
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let bytes = Array(line)
            let record = bytes.withUnsafeBufferPointer { MetricRecord.parse(line: $0) }
            if let record, keep(record) { kept += bytes + [UInt8(ascii: "\n")] }
        }
        try AtomicFile.write(kept, to: url)
    }
}
