import ArgumentParser
import Foundation
import RunStore

/// `simlab show RUN`: a run's settings, state, per-epoch results and log tail.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run in detail.")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation

    func run() throws {
        let directory = try runs.run(id)
        let snapshot = RunSnapshot(directory: directory, logLines: 10, liveness: runs.catalog.liveness)
        let summary = snapshot.summary
        // Printable: a renamed folder, a path or a log line may hold an ESC or a newline.
        print("run       \(directory.id)  (\(directory.url.path.printable))")
        print("state     \(summary.condition.label)\(lostReason(summary.condition))")
        for problem in summary.problems { print("problem   \(String(describing: problem).printable)") }
        if let config = summary.config {
            print("name      \(config.printableName)")
            print("created   \(ISOTime.format(config.createdAt))  \(config.codeVersion)")
            print("data      \(config.dataDirectory.printable)")
            let choice = config.executor
            if choice.name != WorkerHandle.localExecutor {
                let options = choice.options.keys.sorted().map { "--\($0) \(choice.options[$0]!)" }
                    + choice.passThrough.map { "--sbatch-arg \($0)" }
                print("executor  " + (["--executor \(choice.name)"] + options).joined(separator: " "))
            }
            print("settings  " + typedSettings(config.settings))
        }
        if let status = summary.status {
            print(String(format: "progress  epoch %d, step %d/%d (%.0f%%)", status.epoch, status.step, status.totalSteps,
                         status.progress * 100))
            if let worker = status.worker, worker.executor != WorkerHandle.localExecutor { print("worker    \(worker)") }
            if let error = status.lastError { print("error     \(error.printable)") }
        }
        let records = readMetrics(of: directory)
        let metrics = MetricsSummary(records)
        print("best val  \(percent(metrics.bestValidationAccuracy)) (epoch \(metrics.bestValidationEpoch.map(String.init) ?? "-")), test there \(percent(metrics.testAccuracyAtBestValidation))")
        if metrics.knnAccuracy != nil {
            print("kNN test  \(percent(metrics.knnAccuracy)), blended \(percent(metrics.blendedAccuracy))")
        }
        var rows = [["EPOCH", "TRAIN LOSS", "TRAIN ACC", "VAL ACC", "TEST LOSS", "TEST ACC", "IMG/S", "SECONDS"]]
        var byEpoch: [Int: [MetricSplit: MetricRecord]] = [:]
        for record in records where record.isEpochSummary {
            byEpoch[record.epoch, default: [:]][record.split] = record
        }
        for epoch in byEpoch.keys.sorted() {
            let e = byEpoch[epoch]!
            rows.append(["\(epoch)", e[.train]?.loss.map { String(format: "%.4f", $0) } ?? "-",
                         percent(e[.train]?.accuracy), percent(e[.val]?.accuracy),
                         e[.test]?.loss.map { String(format: "%.4f", $0) } ?? "-", percent(e[.test]?.accuracy),
                         e[.train]?.imagesPerSecond.map { String(format: "%.0f", $0) } ?? "-",
                         e[.train]?.epochSeconds.map { String(format: "%.1f", $0) } ?? "-"])
        }
        if rows.count > 1 { print(""); printTable(rows) }
        if !snapshot.workerLogTail.isEmpty {
            print("\nworker.log (last lines)")
            snapshot.workerLogTail.forEach { print("  " + $0.printable) }
        }
    }

    private func lostReason(_ condition: RunCondition) -> String {
        if case .lost(let recorded, let reason) = condition { return " (recorded \(recorded.rawValue); \(reason))" }
        if case .incomplete(let reason) = condition { return " (\(reason))" }
        return ""
    }

    /// The settings as a user types them: `--similarity-penalty 0.005 --no-augment`, values
    /// quoted for a shell where needed; unset options and shape options the run's model does
    /// not take (`--blocks` of nsl-cnn9) are left out, so the line pastes back into `simlab
    /// train`; keys no option knows are shown as `key=value`.
    private func typedSettings(_ settings: JSONObject) -> String {
        var words: [String] = []
        let model = settings["model"]?.stringValue ?? ""
        for (key, value) in settings {
            if case .null = value { continue }
            guard let option = TrainingConfiguration.option(key: key) else { words.append("\(key)=\(render(value))"); continue }
            if TrainingConfiguration.refusesShapeFlag(option.typedFlag, model: model) { continue }
            let typed = TrainingConfiguration.typedSetting(key: key, value: render(value))
            words.append(option.kind == .flag ? typed.name : "\(typed.name) \(shellQuoted(typed.value))")
        }
        return words.joined(separator: " ")
    }

    private func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "._,:/+-=@%".contains($0) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return n.rounded() == n && abs(n) <= 9_007_199_254_740_992 ? String(Int(n)) : String(n)
        case .bool(let b): return String(b)
        case .null: return "null"
        case .array(let items): return items.map(render).joined(separator: ",")
        case .object: return "{…}"
        }
    }
}

/// `simlab export RUN --csv|--json`: the metrics as CSV or JSON lines on stdout.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export a run's metrics.")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation
    @Flag(help: "Comma-separated values with a header.") var csv = false
    @Flag(help: "One JSON object per line.") var json = false

    func validate() throws {
        guard csv != json else { throw ValidationError("give exactly one of --csv or --json") }
    }

    func run() throws {
        let directory = try runs.run(id)
        guard FileManager.default.fileExists(atPath: directory.metricsURL.path) else {
            throw CommandFailure("run \(directory.id) has no metrics yet (\(directory.metricsURL.path) does not exist)")
        }
        let records = readMetrics(of: directory)
        if json {
            // A full disk or a closed pipe under `>`/`|` is an error message, not a trap.
            try perform { try AtomicFile.writeAll(STDOUT_FILENO, records.flatMap { $0.jsonLine() }, path: "standard output") }
            return
        }
        let extras = Set(records.flatMap(\.extra.keys)).sorted()
        let fixed = ["time", "epoch", "step", "split", "interval", "loss", "accuracy", "lr", "imagesPerSecond",
                     "epochSeconds", "knnAccuracy", "blendedAccuracy"]
        print((fixed + extras).joined(separator: ","))
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        for r in records {
            let cells = [ISOTime.format(r.time, milliseconds: true), "\(r.epoch)", "\(r.step)", r.split.rawValue, r.interval?.rawValue ?? "",
                         number(r.loss), number(r.accuracy), number(r.lr), number(r.imagesPerSecond),
                         number(r.epochSeconds), number(r.knnAccuracy), number(r.blendedAccuracy)]
                + extras.map { number(r.extra[$0]) }
            print(cells.joined(separator: ","))
        }
    }
}

/// Every metrics record of a run; lines that are not records are skipped with a warning on
/// stderr (naming the first line numbers), so a damaged file is neither fatal nor silent.
func readMetrics(of directory: RunDirectory) -> [MetricRecord] {
    let reader = MetricsTailReader(url: directory.metricsURL)
    let records: [MetricRecord]
    do { records = try reader.readNew().records } catch {
        StandardError.write("warning: cannot read \(directory.metricsURL.path): \(CommandFailure(describing: error))\n")
        return []
    }
    if reader.corruptLineCount > 0 {
        let lines = reader.corruptLineNumbers.prefix(10).map(String.init).joined(separator: ", ")
        StandardError.write("warning: \(directory.metricsURL.path): skipped \(reader.corruptLineCount) unreadable "
                            + "line\(reader.corruptLineCount == 1 ? "" : "s") (line \(lines)\(reader.corruptLineCount > 10 ? ", …" : ""))\n")
    }
    return records
}
