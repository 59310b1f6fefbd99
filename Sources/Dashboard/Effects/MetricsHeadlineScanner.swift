import Foundation
import RunStore

/// The headline figures of one run's metrics.jsonl (`MetricsSummary`: best validation
/// accuracy, test accuracy at that epoch, epochs completed), kept up to date by reading
/// only the bytes appended since the last call.
///
/// The Runs list needs these for every run, every second, so it must not parse every line:
/// a line holding `"split":"train"` (the bulk: "every N steps" lines) is skipped after a
/// byte search; every other line is parsed as a metrics record. A half-written last line
/// waits for the next call; a truncated or replaced file starts over.
final class MetricsHeadlineScanner {
    var url: URL { lines.url }
    private(set) var summary = MetricsSummary()
    private let lines: AppendedLines

    private static let trainMarker = Array("\"split\":\"train\"".utf8)

    init(url: URL) { lines = AppendedLines(url: url) }

    /// Reads what was appended; a missing file keeps the values (nothing yet, or deleted).
    func update() {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        _ = try? lines.read(onRestart: { summary = MetricsSummary() }) { line in
            guard line.count > 0, !AppendedLines.line(line, contains: MetricsHeadlineScanner.trainMarker),
                  let record = MetricRecord.parse(line: line) else { return }
            summary.add(record)
        }
    }
}
