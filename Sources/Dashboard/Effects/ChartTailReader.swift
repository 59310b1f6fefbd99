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
    var url: URL { lines.url }
    private(set) var stride = 1
    private let lines: AppendedLines
    private var stepLinesSeen = 0
    private var stepLinesKept = 0

    /// Bytes of a typical step line, for the first stride estimate.
    static let typicalLineBytes = 180
    private static let stepsMarker = Array("\"interval\":\"steps\"".utf8)

    init(url: URL) { lines = AppendedLines(url: url) }

    /// Records appended since the last call (nil when the file cannot be read).
    func readNew() -> (records: [MetricRecord], restarted: Bool)? {
        if lines.offset == 0 {
            var info = stat()
            if stat(url.path, &info) == 0 {
                let estimated = Int(info.st_size) / ChartTailReader.typicalLineBytes
                while estimated / stride > RunMetrics.maxStepPoints { stride *= 2 }
            }
        }
        var records: [MetricRecord] = []
        let restarted: Bool
        do {
            restarted = try lines.read(onRestart: { resetCounts() }) { line in
                guard line.count > 0 else { return }
                if AppendedLines.line(line, contains: ChartTailReader.stepsMarker) {
                    stepLinesSeen += 1
                    guard (stepLinesSeen - 1) % stride == 0 else { return }
                    stepLinesKept += 1
                }
                if let record = MetricRecord.parse(line: line) { records.append(record) }
            }
        } catch {
            return nil
        }
        while stepLinesKept > 2 * RunMetrics.maxStepPoints {
            stride *= 2
            stepLinesKept /= 2
        }
        return (records, restarted)
    }

    private func resetCounts() {
        stride = 1
        stepLinesSeen = 0
        stepLinesKept = 0
    }
}
