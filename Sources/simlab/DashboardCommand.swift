import ArgumentParser
import Dashboard
import Foundation
import NcursesBackend
import RunStore
import TerminalUI
import Training
import Worker

/// `simlab` / `simlab dashboard`: the full-screen dashboard over a runs folder.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the dashboard: watch, launch, compare and control runs.")

    @OptionGroup var runs: RunsLocation

    @Flag(help: "No colours, even if the terminal has them.")
    var monochrome = false

    /// Words after `simlab` that name no command (`simlab trian`) land here.
    @Argument(help: .hidden) var unknownCommand: [String] = []

    func validate() throws {
        guard let word = unknownCommand.first else { return }
        let commands = Simlab.configuration.subcommands.map { $0.configuration.commandName ?? "" }
            .filter { !$0.isEmpty && $0 != "worker" }
        let closest = commands.map { (name: $0, distance: EditDistance.between(word, $0)) }.min { $0.distance < $1.distance }
        let suggestion = closest.flatMap { $0.distance <= 2 ? " Did you mean '\($0.name)'?" : nil } ?? ""
        throw ValidationError("'\(word)' is not a simlab command.\(suggestion) Commands: \(commands.joined(separator: ", ")).")
    }

    func run() throws {
        let runsPath = runs.url.path
        LaunchField.executorNames = Executors.names
        let controller = WorkerRunController(runsDirectory: runsPath)
        let runner = EffectRunner(runsDirectory: runsPath, controller: controller,
                                  liveness: Executors.liveness(runsDirectory: URL(fileURLWithPath: runsPath)))
        do {
            try NcursesTerminal.withTerminal(options: .init(forceMonochrome: monochrome)) { terminal in
                DashboardProgram(runner: runner).run(on: terminal)
            }
        } catch let error as TerminalError {
            StandardError.write("simlab: \(error)\n")
            throw ExitCode(2)
        }
    }
}

extension NcursesTerminal: DashboardTerminal {}

/// Controls runs through `RunLauncher`: the same code paths as `simlab train --detach`,
/// `simlab pause|resume|stop|rm`. The dashboard module only sees the `RunController`
/// protocol; this executable wires it to the worker layer.
struct WorkerRunController: RunController {
    let launcher: RunLauncher

    init(runsDirectory: String) {
        launcher = RunLauncher(runsDirectory: URL(fileURLWithPath: runsDirectory, isDirectory: true))
    }

    /// Creates the run (status `queued`) and starts its detached worker, which waits FIFO
    /// for a free slot when all are busy.
    func launch(_ configuration: TrainingConfiguration, name: String?, executor: ExecutorChoice) throws -> String {
        try launcher.launch(configuration, name: name, executor: executor).id.rawValue
    }

    func pause(runDirectory: String) throws { try launcher.pause(run(runDirectory)) }
    func resume(runDirectory: String) throws { try launcher.resume(run(runDirectory)) }
    func stop(runDirectory: String) throws { try launcher.stop(run(runDirectory)) }
    func delete(runDirectory: String) throws { try launcher.delete(run(runDirectory)) }

    /// `simlab study create` from the form: the data directory resolved now when not given.
    func launchStudy(_ study: StudyRecord) throws -> [String] {
        var study = study
        if !study.options.contains(where: { $0.flag == "data" }) {
            let data = DatasetLocation.resolve(explicit: nil).directory
            study.options.append(StudySetting(flag: "data", value: .string(URL(fileURLWithPath: data).standardizedFileURL.path)))
        }
        let steps = try StudyLauncher(launcher: launcher).advance(study)
        if let failed = steps.first(where: { $0.action == .failed }) {
            throw StudyError("\(failed.cell.label) seed=\(failed.seed): \(failed.message ?? "not started")")
        }
        return steps.filter { $0.action == .created || $0.action == .resumed }.compactMap(\.run)
    }

    private func run(_ path: String) -> RunDirectory { RunDirectory(url: URL(fileURLWithPath: path, isDirectory: true)) }
}
