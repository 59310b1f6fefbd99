import ArgumentParser
import Foundation
import RunStore

/// `simlab runs`: a table of every run.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List runs.")
    @OptionGroup var runs: RunsLocation

    func run() throws {
        let summaries = runs.catalog.summaries()
        guard !summaries.isEmpty else {
            print("no runs in \(runs.url.path) — start one with `simlab train` or the dashboard (`simlab`)")
            return
        }
        var rows = [["ID", "STATE", "MODEL", "PROGRESS", "EPOCH", "BEST VAL", "TEST", "NAME"]]
        func configProblem(_ summary: RunSummary) -> String {
            let problem = summary.problems.first { $0.path == summary.directory.configURL.path }
            return "corrupt: " + (problem?.shortDescription ?? "config.json unreadable").printable
        }
        for summary in summaries {
            let metrics = MetricsSummary.read(summary.directory.metricsURL)
            let status = summary.status
            let epochs = summary.config.map { String($0.epochs) } ?? "?"   // no readable config.json
            rows.append([
                summary.id.description,   // printable: a renamed folder may hold an ESC or a newline
                summary.condition.label,
                summary.config.map { TrainingConfiguration.similarityModels.contains($0.model) ? "\($0.model)/\($0.variant)" : $0.model } ?? "?",
                status.map { String(format: "%3.0f%%", $0.progress * 100) } ?? "-",
                "\(metrics.epochsCompleted)/\(epochs)",
                percent(metrics.bestValidationAccuracy),
                percent(metrics.testAccuracyAtBestValidation ?? metrics.lastTestAccuracy),
                summary.config?.printableName ?? configProblem(summary),
            ])
        }
        printTable(rows)
    }
}

func percent(_ value: Double?) -> String {
    value.map { String(format: "%.2f%%", $0 * 100) } ?? "-"
}

func printTable(_ rows: [[String]]) {
    guard let columns = rows.map(\.count).max() else { return }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    for row in rows {
        let cells = row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
