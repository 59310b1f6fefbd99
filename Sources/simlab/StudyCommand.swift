import ArgumentParser
import Foundation
import RunStore
import Training
import Worker

/// `simlab study create|list|show|stop|resume|report`: a grid of settings × seeds as one object.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "A grid of settings × seeds: created, watched and reported as one study.",
        subcommands: [StudyCreateCommand.self, StudyListCommand.self, StudyShowCommand.self,
                      StudyStopCommand.self, StudyResumeCommand.self, StudyReportCommand.self])
}

/// `simlab study create NAME --grid KEY=V1,V2 … --seeds 0,1,2 [train options] [--baseline KEY=V]`.
struct StudyCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create (or continue) a study: one run per grid cell × seed, queued as background workers.",
        discussion: """
            Every training option is a grid key: --grid knn-alpha=0,0.01,0.1 --grid variant=conv,static-diag. \
            Values are separated by commas, or by '|' for values with commas of their own \
            (--grid 'widths=8,16|16,32'). Running create again with the same name, grid and options \
            skips finished runs, resumes stopped or failed ones and creates missing ones; a different \
            grid under the same name is refused.


            """ + TrainingOptions.help)

    @Argument(help: "The study's name (letters, digits, '-', '_', '.').") var name: String
    @Option(name: .customLong("grid"), parsing: .singleValue, help: ArgumentHelp("A grid key and its values.", valueName: "KEY=V1,V2"))
    var grid: [String] = []
    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds: 0,1,2 or 0-4 (default 0).", valueName: "seeds"))
    var seeds: String = "0"
    @Option(parsing: .unconditional, help: ArgumentHelp("The cell the others are compared with (default: the first value of the first grid key).",
                                                       valueName: "KEY=V"))
    var baseline: String?
    @OptionGroup var options: TrainingOptions
    @OptionGroup var runs: RunsLocation
    @OptionGroup var placement: ExecutorOptions
    @Option(help: ArgumentHelp("A cluster executor: how many of the study's runs may train at once (the job array's %P).",
                               valueName: "n"))
    var maxParallel: Int?

    /// The study as given (before it meets a recorded one of the same name).
    func study() throws -> StudyRecord {
        if let problem = StudyGrid.nameProblem(name) { throw ValidationError(problem) }
        guard !grid.isEmpty else { throw ValidationError("a study needs at least one --grid KEY=V1,V2") }
        do {
            var common: [StudySetting] = []
            for (option, text) in try TrainingOptions.split(options.arguments) {
                common.removeAll { $0.flag == option.flag }   // the last of a repeated option wins
                common.append(try StudyGrid.setting(flag: option.flag, text: text))
            }
            // The data directory as resolved now, so a study continued later trains on the same data.
            let given = common.first { $0.flag == "data" }?.valueText
            common.removeAll { $0.flag == "data" }
            let data = DatasetLocation.resolve(explicit: given).directory
            common.append(StudySetting(flag: "data", value: .string(URL(fileURLWithPath: data).standardizedFileURL.path)))
            let base = try StudyGrid.configuration(options: common.filter { $0.flag != "seed" }, cell: StudyCell(settings: []), seed: 0)
            let axes = try grid.map { text -> StudyAxis in
                do { return try StudyGrid.axis(text, base: base) } catch let error as StudyError {
                    let suggestion = Self.suggestion(forGrid: text)
                    throw StudyError(suggestion.isEmpty ? error.description
                                     : error.description.replacingOccurrences(of: " (see `simlab train --help`)", with: ".") + suggestion)
                }
            }
            let record = StudyRecord(name: name, grid: axes, seeds: try StudyGrid.seeds(seeds),
                                     baseline: try baseline.map { try StudyGrid.baseline($0, grid: axes, base: base) },
                                     options: common)
            let problems = StudyGrid.problems(record)
            guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
            return record
        } catch let error as StudyError {
            throw ValidationError(error.description)
        }
    }

    func validate() throws { _ = try study() }

    /// " Did you mean 'kernel'?" for a grid key that is close to an option's flag.
    static func suggestion(forGrid text: String) -> String {
        var key = String(text.prefix { $0 != "=" })
        if key.hasPrefix("--") { key.removeFirst(2) }
        guard TrainingConfiguration.option(flag: key) == nil,
              let closest = TrainingConfiguration.options.map(\.flag).min(by: {
                  EditDistance.between(key, $0) < EditDistance.between(key, $1) }),
              EditDistance.between(key, closest) <= 2 else { return "" }
        return " Did you mean '\(closest)'?"
    }

    func run() throws {
        try placement.check(runs: runs.url)
        if let maxParallel, !(1...10_000).contains(maxParallel) {
            throw ValidationError("--max-parallel must be in 1...10000, got \(maxParallel)")
        }
        let study = try study()
        let launcher = StudyLauncher(launcher: RunLauncher(runsDirectory: runs.url))
        let steps: [StudyLauncher.Step]
        do { steps = try launcher.advance(study, executor: placement.choice, maxParallel: maxParallel) } catch {
            throw CommandFailure(describing: error)
        }
        try StudyOutput.printSteps(steps, study: study.name)
    }
}

/// `simlab study list`.
struct StudyListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the studies and their progress.")
    @OptionGroup var runs: RunsLocation

    func run() throws {
        let (studies, problems) = StudyCatalog(runsRoot: runs.url).studies()
        for problem in problems { StandardError.write("unreadable study: \(problem)\n") }
        guard !studies.isEmpty else {
            print("no studies in \(runs.url.path) — start one with `simlab study create NAME --grid KEY=V1,V2 --seeds 0,1,2`")
            return
        }
        var rows = [["NAME", "CELLS", "SEEDS", "RUNS", "FINISHED", "RUNNING", "QUEUED", "STOPPED", "FAILED", "CREATED"]]
        for study in studies {
            let counts = StudyOutput.stateCounts(study, facts: StudyRunFacts.read(study, runsRoot: runs.url))
            rows.append([study.name, String(study.cells.count), String(study.seeds.count), String(study.runs.count),
                         String(counts["finished", default: 0]),
                         String(counts["running", default: 0] + counts["paused", default: 0] + counts["stopping", default: 0]),
                         String(counts["queued", default: 0]), String(counts["stopped", default: 0]),
                         String(counts["failed", default: 0] + counts["incomplete", default: 0] + counts["missing", default: 0]),
                         ISOTime.format(study.createdAt)])
        }
        printTable(rows)
    }
}

/// `simlab study show NAME`: per cell, how many runs are finished, running, queued, failed.
struct StudyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A study's settings and progress per cell.")
    @Argument(help: "The study's name.") var name: String
    @OptionGroup var runs: RunsLocation

    func run() throws {
        let study = try StudyOutput.read(name, runs: runs)
        let facts = StudyRunFacts.read(study, runsRoot: runs.url)
        let report = StudyReport(study: study, facts: facts)
        print("study \(study.name), created \(ISOTime.format(study.createdAt))")
        print("grid: \(study.grid.map { axis in "\(axis.flag)=" + axis.values.map { StudySetting(flag: axis.flag, value: $0).valueText }.joined(separator: ",") }.joined(separator: " "))")
        print("seeds: \(study.seeds.map(String.init).joined(separator: ","))    baseline: \(study.effectiveBaseline?.text ?? "-")")
        print("options: \(study.options.map(\.text).joined(separator: " "))")
        print("")
        var rows = [["CELL", "RUNS", "FINISHED", "RUNNING", "QUEUED", "STOPPED", "FAILED", "TEST", "RUN IDS"]]
        for group in report.groups {
            let s = group.states
            rows.append([group.cell.label, String(group.runs.count), String(group.finished),
                         String(s["running", default: 0] + s["paused", default: 0] + s["stopping", default: 0]),
                         String(s["queued", default: 0]), String(s["stopped", default: 0]),
                         String(s["failed", default: 0] + s["incomplete", default: 0] + s["missing", default: 0]),
                         StudyReport.percent(group.testAccuracy),
                         group.runs.joined(separator: " ")])
        }
        printTable(rows)
    }
}

/// `simlab study stop NAME`.
struct StudyStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop every queued or training run of a study (checkpoints first).")
    @Argument(help: "The study's name.") var name: String
    @OptionGroup var runs: RunsLocation

    func run() throws {
        let study = try StudyOutput.read(name, runs: runs)
        let (stopped, problems) = StudyLauncher(launcher: RunLauncher(runsDirectory: runs.url)).stop(study)
        for run in stopped { print("stopping \(run)") }
        if stopped.isEmpty { print("study \(name): no run is queued or training") }
        if !problems.isEmpty { throw CommandFailure(problems.joined(separator: "\n")) }
    }
}

/// `simlab study resume NAME`: resumes stopped and failed runs and creates missing ones.
struct StudyResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue a study: resume its stopped and failed runs, create missing ones.")
    @Argument(help: "The study's name.") var name: String
    @OptionGroup var runs: RunsLocation

    func run() throws {
        let study = try StudyOutput.read(name, runs: runs)
        let steps: [StudyLauncher.Step]
        do { steps = try StudyLauncher(launcher: RunLauncher(runsDirectory: runs.url)).advance(study) } catch {
            throw CommandFailure(describing: error)
        }
        try StudyOutput.printSteps(steps, study: study.name)
    }
}

/// `simlab study report NAME [--markdown | --csv | --json]`.
struct StudyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A study's results per cell: mean ± std over seeds, paired difference with the baseline and its p value.")
    enum Format: String, EnumerableFlag { case markdown, csv, json }
    @Argument(help: "The study's name.") var name: String
    @Flag(help: "Output format (default: markdown).") var format: Format = .markdown
    @OptionGroup var runs: RunsLocation

    func run() throws {
        let study = try StudyOutput.read(name, runs: runs)
        let report = StudyReport(study: study, facts: StudyRunFacts.read(study, runsRoot: runs.url))
        switch format {
        case .markdown: print(report.markdown, terminator: "")
        case .csv: print(report.csv, terminator: "")
        case .json: print(JSONWriter.string(report.json, pretty: true))
        }
    }
}

enum StudyOutput {
    static func read(_ name: String, runs: RunsLocation) throws -> StudyRecord {
        if let problem = StudyGrid.nameProblem(name) { throw ValidationError(problem) }
        let catalog = StudyCatalog(runsRoot: runs.url)
        let study: StudyRecord?
        do { study = try catalog.read(name) } catch { throw CommandFailure(describing: error) }
        guard let study else {
            let names = catalog.names()
            throw ValidationError("no study '\(name)' in \(runs.url.path)"
                                  + (names.isEmpty ? "" : " (studies: \(names.joined(separator: ", ")))"))
        }
        return study
    }

    static func stateCounts(_ study: StudyRecord, facts: [String: StudyRunFacts]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for run in study.runs { counts[facts[run.run]?.state ?? "missing", default: 0] += 1 }
        return counts
    }

    /// One line per cell × seed; exits 1 when a run could not be created, started or resumed.
    static func printSteps(_ steps: [StudyLauncher.Step], study: String) throws {
        for step in steps {
            let what: String
            switch step.action {
            case .created: what = "created"
            case .resumed: what = "resumed"
            case .finished: what = "finished"
            case .active: what = "running or queued"
            case .failed: what = "not started: \(step.message ?? "?")"
            }
            print("\(step.run ?? "-")  \(step.cell.label) seed=\(step.seed)  \(what)")
        }
        let failures = steps.filter { $0.action == .failed }
        if !failures.isEmpty { throw CommandFailure("study \(study): \(failures.count) run(s) could not be started") }
    }
}
