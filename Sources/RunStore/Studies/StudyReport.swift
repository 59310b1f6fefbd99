import Foundation

/// What a study's report needs to know of one of its runs.
public struct StudyRunFacts: Equatable, Sendable {
    /// The state shown for the run ("finished", "running", "queued 2" is "queued", a lost
    /// worker "failed", an unreadable run "incomplete"); "missing" when its folder is gone.
    public var state: String
    public var metrics: MetricsSummary
    /// Mean `epochSeconds` of the run's train epoch lines.
    public var secondsPerEpoch: Double?
    /// Trainable parameters (model.json).
    public var parameters: Int?

    public init(state: String, metrics: MetricsSummary = MetricsSummary(), secondsPerEpoch: Double? = nil,
                parameters: Int? = nil) {
        self.state = state
        self.metrics = metrics
        self.secondsPerEpoch = secondsPerEpoch
        self.parameters = parameters
    }

    public var isFinished: Bool { state == RunState.finished.rawValue }

    /// Reads a run's status, metrics and model files (never throws: an unreadable run is
    /// "incomplete", a deleted one "missing").
    public static func read(_ run: RunDirectory, now: Date = Date()) -> StudyRunFacts {
        guard FileManager.default.fileExists(atPath: run.url.path) else { return StudyRunFacts(state: "missing") }
        let summary = RunSummary(directory: run, now: now)
        let records = (try? MetricsTailReader(url: run.metricsURL).readNew().records) ?? []
        let seconds = records.filter { $0.split == .train && $0.interval == .epoch }.compactMap(\.epochSeconds)
        return StudyRunFacts(state: summary.condition.label, metrics: MetricsSummary(records),
                             secondsPerEpoch: seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count),
                             parameters: (try? run.readModelInfo())?.parameterCount)
    }

    /// The facts of every run of `study` in the runs folder `runsRoot`, by run id.
    public static func read(_ study: StudyRecord, runsRoot: URL, now: Date = Date()) -> [String: StudyRunFacts] {
        let catalog = RunCatalog(root: runsRoot)
        var facts: [String: StudyRunFacts] = [:]
        for run in study.runs where facts[run.run] == nil && RunID(run.run).rawValue == run.run && !run.run.contains("/") {
            facts[run.run] = read(catalog.directory(for: RunID(run.run)), now: now)
        }
        return facts
    }
}

/// A study's results, one group per grid cell: the runs' states, mean ± sample std of the
/// accuracies (fractions 0–1), time per epoch, parameters, and the paired comparison with
/// the baseline cell (paired by seed; two-sided paired t-test).
public struct StudyReport: Equatable, Sendable {
    public struct Group: Equatable, Sendable {
        public var cell: StudyCell
        public var runs: [String]
        public var seeds: [UInt64]
        /// How many of the runs are in each state ("finished": 2, "running": 1).
        public var states: [String: Int]
        public var finished: Int { states[RunState.finished.rawValue] ?? 0 }
        /// Over the finished runs: the last epoch's test accuracy.
        public var testAccuracy: Statistics.Summary?
        /// Over the finished runs: the test accuracy at the epoch of best validation accuracy.
        public var testAccuracyAtBestValidation: Statistics.Summary?
        public var knnAccuracy: Statistics.Summary?
        public var blendedAccuracy: Statistics.Summary?
        public var secondsPerEpoch: Statistics.Summary?
        public var parameters: Int?
        /// Whether this cell holds the baseline value (it has no comparison of its own).
        public var isBaseline: Bool
        /// This cell's final test accuracy against the baseline cell's, paired by seed
        /// (finished runs on both sides); nil for a baseline cell or without pairs.
        public var delta: Statistics.PairedTest?
    }

    public var study: StudyRecord
    public var baseline: StudySetting?
    public var groups: [Group]

    public init(study: StudyRecord, facts: [String: StudyRunFacts]) {
        self.study = study
        baseline = study.effectiveBaseline
        // Final test accuracy by cell and seed, for the pairing.
        var accuracy: [StudyCell: [UInt64: Double]] = [:]
        for cell in study.cells {
            for run in study.runs(of: cell) {
                if let fact = facts[run.run], fact.isFinished, let value = fact.metrics.lastTestAccuracy {
                    accuracy[cell, default: [:]][run.seed] = value
                }
            }
        }
        groups = study.cells.map { cell in
            let runs = study.runs(of: cell)
            let finished = runs.compactMap { facts[$0.run] }.filter(\.isFinished)
            var states: [String: Int] = [:]
            for run in runs { states[facts[run.run]?.state ?? "missing", default: 0] += 1 }
            let isBaseline = study.effectiveBaseline.map(cell.has) ?? false
            var delta: Statistics.PairedTest?
            if !isBaseline, let baseline = study.effectiveBaseline {
                let own = accuracy[cell] ?? [:], reference = accuracy[cell.replacing(baseline)] ?? [:]
                let seeds = study.seeds.filter { own[$0] != nil && reference[$0] != nil }
                if !seeds.isEmpty { delta = Statistics.pairedTest(seeds.map { own[$0]! }, seeds.map { reference[$0]! }) }
            }
            return Group(cell: cell, runs: runs.map(\.run), seeds: runs.map(\.seed), states: states,
                         testAccuracy: Statistics.summary(finished.compactMap(\.metrics.lastTestAccuracy)),
                         testAccuracyAtBestValidation: Statistics.summary(finished.compactMap(\.metrics.testAccuracyAtBestValidation)),
                         knnAccuracy: Statistics.summary(finished.compactMap(\.metrics.knnAccuracy)),
                         blendedAccuracy: Statistics.summary(finished.compactMap(\.metrics.blendedAccuracy)),
                         secondsPerEpoch: Statistics.summary(finished.compactMap(\.secondsPerEpoch)),
                         parameters: runs.lazy.compactMap { facts[$0.run]?.parameters }.first,
                         isBaseline: isBaseline, delta: delta)
        }
    }

    // MARK: JSON

    /// `{"study", "baseline": {KEY: V}, "grid", "seeds", "options", "groups": [{"settings",
    /// "runs", "seeds", "finished", "states", "test_accuracy": {"mean","std","n"}, …,
    /// "delta": {"mean","p","t","n"}}]}`: accuracies as fractions; a statistic that cannot be
    /// computed (a std of one value, p with fewer than two pairs) is left out, never invented.
    public var json: JSONValue {
        var object: JSONObject = ["study": .string(study.name)]
        object["baseline"] = baseline.map { .object(JSONObject([($0.flag, $0.value)])) } ?? .null
        object["grid"] = .object(JSONObject(study.grid.map { ($0.flag, JSONValue.array($0.values)) }))
        object["seeds"] = .array(study.seeds.map { .number(Double($0)) })
        object["options"] = .object(JSONObject(study.options.map { ($0.flag, $0.value) }))
        object["groups"] = .array(groups.map(\.json))
        return .object(object)
    }

    // MARK: Markdown and CSV

    /// A Markdown table: accuracies in % (mean ± sample std), Δ in points, p marked `*`
    /// below 0.05.
    public var markdown: String {
        var lines: [String] = []
        let grid = study.grid.map { axis in
            "\(axis.flag) ∈ {\(axis.values.map { StudySetting(flag: axis.flag, value: $0).valueText }.joined(separator: ", "))}"
        }
        lines.append("Study `\(study.name)`: \(grid.joined(separator: " × ")) × seeds "
                     + study.seeds.map(String.init).joined(separator: ", ")
                     + (baseline.map { "; baseline \($0.text)" } ?? ""))
        if !study.options.isEmpty {
            lines.append("")
            lines.append("Common options: `" + study.options.map { option -> String in
                let typed = TrainingConfiguration.typedSetting(key: TrainingConfiguration.option(flag: option.flag)?.key ?? option.flag,
                                                               value: option.valueText)
                return typed.value.isEmpty ? typed.name : "\(typed.name) \(typed.value)"
            }.joined(separator: " ") + "`")
        }
        lines.append("")
        let showKNN = groups.contains { $0.knnAccuracy != nil }
        let showBlend = groups.contains { $0.blendedAccuracy != nil }
        var header = study.grid.map(\.flag) + ["n", "test acc. %", "test @ best val. %"]
        if showKNN { header.append("kNN %") }
        if showBlend { header.append("blended %") }
        header += ["s/epoch", "params", "Δ test (pts)", "p"]
        lines.append("| " + header.joined(separator: " | ") + " |")
        lines.append("|" + header.map { _ in "---|" }.joined())
        for group in groups {
            var row = group.cell.settings.map(\.valueText)
            row.append(group.finished == group.runs.count ? "\(group.finished)" : "\(group.finished)/\(group.runs.count)")
            row.append(Self.percent(group.testAccuracy))
            row.append(Self.percent(group.testAccuracyAtBestValidation))
            if showKNN { row.append(Self.percent(group.knnAccuracy)) }
            if showBlend { row.append(Self.percent(group.blendedAccuracy)) }
            row.append(group.secondsPerEpoch.map { String(format: "%.1f", $0.mean) } ?? "–")
            row.append(group.parameters.map(String.init) ?? "–")
            if group.isBaseline {
                row += ["baseline", ""]
            } else if let delta = group.delta {
                row.append(String(format: "%+.2f", delta.meanDifference * 100) + " (\(delta.pairs) pairs)")
                row.append(delta.p.map { Self.pValue($0) } ?? "–")
            } else {
                row += ["–", "–"]
            }
            lines.append("| " + row.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("n: finished runs (of those created). Accuracies: mean ± sample std over the finished seeds; "
                     + "Δ: mean paired difference with the baseline cell (same seed), two-sided paired t-test p "
                     + "(* p < 0.05; – with fewer than 2 pairs).")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per group; accuracies as fractions; empty where a value is absent.
    public var csv: String {
        var header = study.grid.map(\.flag)
        header += ["runs", "finished", "test_accuracy_mean", "test_accuracy_std", "test_accuracy_at_best_val_mean",
                   "test_accuracy_at_best_val_std", "knn_accuracy_mean", "knn_accuracy_std", "blended_accuracy_mean",
                   "blended_accuracy_std", "seconds_per_epoch", "parameters", "delta_mean", "delta_pairs", "t", "p"]
        var lines = [header.map(Self.csvField).joined(separator: ",")]
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        for group in groups {
            var row = group.cell.settings.map(\.valueText)
            row += [String(group.runs.count), String(group.finished)]
            for summary in [group.testAccuracy, group.testAccuracyAtBestValidation, group.knnAccuracy, group.blendedAccuracy] {
                row += [number(summary?.mean), number(summary?.standardDeviation)]
            }
            row += [number(group.secondsPerEpoch?.mean), group.parameters.map(String.init) ?? "",
                    number(group.delta?.meanDifference), group.delta.map { String($0.pairs) } ?? "",
                    number(group.delta?.t), number(group.delta?.p)]
            lines.append(row.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// "93.32 ± 0.11", "93.32" for one run, "–" for none.
    public static func percent(_ summary: Statistics.Summary?) -> String {
        guard let summary else { return "–" }
        let mean = String(format: "%.2f", summary.mean * 100)
        return summary.standardDeviation.map { mean + " ± " + String(format: "%.2f", $0 * 100) } ?? mean
    }

    /// "0.084", "0.012 *", "<0.001 *".
    public static func pValue(_ p: Double) -> String {
        (p < 0.001 ? "<0.001" : String(format: "%.3f", p)) + (p < 0.05 ? " *" : "")
    }
}

extension StudyReport.Group {
    public var json: JSONValue {
        var object: JSONObject = [
            "settings": .object(cell.object),
            "runs": .array(runs.map { .string($0) }),
            "seeds": .array(seeds.map { .number(Double($0)) }),
            "finished": .number(Double(finished)),
            "states": .object(JSONObject(states.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number(Double($0.value))) })),
        ]
        func summary(_ s: Statistics.Summary?) -> JSONValue {
            guard let s else { return .null }
            var o: JSONObject = ["mean": .number(s.mean)]
            if let std = s.standardDeviation { o["std"] = .number(std) }
            o["n"] = .number(Double(s.count))
            return .object(o)
        }
        object["test_accuracy"] = summary(testAccuracy)
        object["test_accuracy_at_best_val"] = summary(testAccuracyAtBestValidation)
        object["knn_accuracy"] = summary(knnAccuracy)
        object["blended_accuracy"] = summary(blendedAccuracy)
        object["seconds_per_epoch"] = summary(secondsPerEpoch)
        object["parameters"] = parameters.map { .number(Double($0)) } ?? .null
        object["baseline"] = .bool(isBaseline)
        if let delta {
            var d: JSONObject = ["mean": .number(delta.meanDifference)]
            if let p = delta.p { d["p"] = .number(p) }
            if let t = delta.t { d["t"] = .number(t) }
            d["n"] = .number(Double(delta.pairs))
            object["delta"] = .object(d)
        } else {
            object["delta"] = .null
        }
        return .object(object)
    }
}
