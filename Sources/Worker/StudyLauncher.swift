import Foundation
import RunStore
import Training

/// Creates, continues and stops a study's runs through `RunLauncher`'s public API (create,
/// startWorker, resume, stop), so the runs live wherever RunLauncher puts their workers.
public struct StudyLauncher: Sendable {
    public let launcher: RunLauncher
    public var catalog: StudyCatalog { StudyCatalog(runsRoot: launcher.runsDirectory) }

    public init(launcher: RunLauncher) { self.launcher = launcher }

    /// What `advance` did with one cell × seed.
    public struct Step: Equatable, Sendable {
        public enum Action: String, Sendable {
            case created, resumed, finished, active, failed
        }
        public var cell: StudyCell
        public var seed: UInt64
        public var run: String?
        public var action: Action
        /// Why a run could not be created, started or resumed.
        public var message: String?
    }

    /// Records `study` (a new one, or the same grid and options as the recorded study of that
    /// name, whose seeds it may extend) and brings every cell × seed along: a finished run
    /// is left alone, a live one too, a stopped or failed one is resumed from its
    /// checkpoint, a missing one is created and queued. Seeds go outermost, so the first
    /// seed of every cell trains first and a partial study can already be compared.
    /// Refused, with nothing created, when the grid or the options do not apply or differ
    /// from those recorded under the name.
    ///
    /// New runs are created for `executor`; a local executor starts a worker per run (they
    /// queue for the slots), one that schedules its own workers (a cluster) gets them all as
    /// one submission — a Slurm job array of at most `maxParallel` at once.
    public func advance(_ study: StudyRecord, executor: ExecutorChoice = .local, maxParallel: Int? = nil) throws -> [Step] {
        if let problem = StudyGrid.nameProblem(study.name) { throw StudyError(problem) }
        let problems = StudyGrid.problems(study)
        guard problems.isEmpty else { throw StudyError(problems.joined(separator: "\n")) }
        return try catalog.withExclusiveLock(study.name) {
            var record = study
            if let existing = try catalog.read(study.name) {
                guard existing.grid == study.grid else {
                    throw StudyError("study \(study.name) exists with another grid (\(Self.describe(existing.grid))); "
                                     + "give the same grid to continue it, or another name for a new study")
                }
                guard existing.options == study.options else {
                    throw StudyError("study \(study.name) exists with other common options ("
                                     + existing.options.map(\.text).joined(separator: " ")
                                     + "); give the same options to continue it, or another name for a new study")
                }
                record = existing
                record.seeds += study.seeds.filter { !existing.seeds.contains($0) }
                if study.baseline != nil { record.baseline = study.baseline }
            }
            try catalog.write(record)
            var steps: [Step] = []
            var created: [RunDirectory] = []
            for seed in record.seeds {
                for cell in record.cells {
                    steps.append(try advance(&record, cell: cell, seed: seed, executor: executor, created: &created))
                }
            }
            guard !created.isEmpty else { return steps }
            let startEach = try Executors.named(executor.name).usesLocalSlots
            do {
                if startEach {
                    for run in created { try launcher.startWorker(run) }
                } else {
                    try launcher.startWorkers(created, maxParallel: maxParallel, name: "study-\(record.name)",
                                              directory: catalog.directory(of: record.name))
                }
            } catch {
                let ids = Set(created.map(\.id.rawValue))
                for i in steps.indices where steps[i].run.map(ids.contains) == true && steps[i].action == .created {
                    steps[i].action = .failed
                    steps[i].message = "could not start a worker: \(error)"
                }
            }
            return steps
        }
    }

    /// One cell × seed: a new run is created (not started: `advance` starts the new runs
    /// together) and appended to `created`.
    private func advance(_ record: inout StudyRecord, cell: StudyCell, seed: UInt64, executor: ExecutorChoice,
                         created: inout [RunDirectory]) throws -> Step {
        let runs = RunCatalog(root: launcher.runsDirectory)
        if let recorded = record.run(cell: cell, seed: seed), RunID(recorded.run).hasGeneratedShape,
           FileManager.default.fileExists(atPath: runs.directory(for: RunID(recorded.run)).url.path) {
            let run = runs.directory(for: RunID(recorded.run))
            let state = RunSummary(directory: run).condition.state
            switch state {
            case .finished?:
                return Step(cell: cell, seed: seed, run: recorded.run, action: .finished)
            case .queued?, .running?, .paused?, .stopping?:
                return Step(cell: cell, seed: seed, run: recorded.run, action: .active)
            case .stopped?, .failed?, nil:
                do {
                    try launcher.resume(run)
                    return Step(cell: cell, seed: seed, run: recorded.run, action: .resumed)
                } catch {
                    return Step(cell: cell, seed: seed, run: recorded.run, action: .failed, message: "\(error)")
                }
            }
        }
        var configuration = try StudyGrid.configuration(options: record.options, cell: cell, seed: seed)
        configuration.study = StudyMembership(name: record.name, cell: cell)
        let run = try launcher.create(configuration, name: "\(record.name) \(cell.label) seed=\(seed)", executor: executor)
        record.runs.append(StudyRun(cell: cell, seed: seed, run: run.id.rawValue))
        try catalog.write(record)
        created.append(run)
        return Step(cell: cell, seed: seed, run: run.id.rawValue, action: .created)
    }

    /// Stops every run of the study that is queued or training (each writes a checkpoint
    /// first); returns the runs asked to stop and the refusals.
    public func stop(_ study: StudyRecord) -> (stopped: [String], problems: [String]) {
        let runs = RunCatalog(root: launcher.runsDirectory)
        var stopped: [String] = [], problems: [String] = []
        for recorded in study.runs where RunID(recorded.run).hasGeneratedShape {
            let run = runs.directory(for: RunID(recorded.run))
            guard FileManager.default.fileExists(atPath: run.url.path),
                  let state = RunSummary(directory: run).condition.state, !state.isTerminal else { continue }
            do { try launcher.stop(run); stopped.append(recorded.run) } catch { problems.append("\(recorded.run): \(error)") }
        }
        return (stopped, problems)
    }

    static func describe(_ grid: [StudyAxis]) -> String {
        grid.map { axis in
            "\(axis.flag)=" + axis.values.map { StudySetting(flag: axis.flag, value: $0).valueText }.joined(separator: ",")
        }.joined(separator: " ")
    }
}
