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

    public var url: URL { lines.url }
    /// Bytes consumed so far (end of the last complete line).
    public var offset: UInt64 { lines.offset }
    /// Lines skipped because they were not metrics records (since the last restart).
    public private(set) var corruptLineCount = 0
    /// 1-based line numbers of the skipped lines (the first 100).
    public private(set) var corruptLineNumbers: [Int] = []
    public private(set) var restartCount = 0
    private var linesConsumed = 0
    private let lines: AppendedLines

    public init(url: URL) { lines = AppendedLines(url: url) }

    /// Records appended since the last call.
    public func readNew() throws -> TailResult {
        var records: [MetricRecord] = []
        let restarted = try lines.read(onRestart: { resetCounts(); restartCount += 1 }) { line in
            linesConsumed += 1
            guard line.count > 0 else { return }  // blank lines are ignored
            if let record = MetricRecord.parse(line: line) {
                records.append(record)
            } else {
                corruptLineCount += 1
                if corruptLineNumbers.count < 100 { corruptLineNumbers.append(linesConsumed) }
            }
        }
        return TailResult(records: records, restarted: restarted)
    }

    /// Forgets the position: the next read starts at the beginning of the file.
    public func reset() {
        lines.reset()
        resetCounts()
    }

    private func resetCounts() {
        corruptLineCount = 0
        corruptLineNumbers = []
        linesConsumed = 0
    }
}
