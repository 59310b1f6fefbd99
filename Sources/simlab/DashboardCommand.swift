import ArgumentParser
import Dashboard
import Foundation
import NcursesBackend
import RunStore
import TerminalUI

/// `simlab` / `simlab dashboard`: the full-screen dashboard over a runs folder.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the dashboard: watch, launch, compare and control runs.")

    @Option(help: "The runs folder.")
    var runs: String = "./runs"

    @Flag(help: "No colours, even if the terminal has them.")
    var monochrome = false

    func run() throws {
        let runsPath = URL(fileURLWithPath: runs).standardizedFileURL.path
        let controller = CommandLineRunController(runsDirectory: runsPath)
        let runner = EffectRunner(runsDirectory: runsPath, controller: controller)
        do {
            try NcursesTerminal.withTerminal(options: .init(forceMonochrome: monochrome)) { terminal in
                DashboardProgram(runner: runner).run(on: terminal)
            }
        } catch let error as TerminalError {
            FileHandle.standardError.write(Data("simlab: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

extension NcursesTerminal: DashboardTerminal {}

/// Controls runs through the command line (`simlab train --detach …`, `simlab pause RUN`, …):
/// a stand-in until the worker-backed controller is wired here.
struct CommandLineRunController: RunController {
    let runsDirectory: String

    /// The running executable.
    var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    func launch(_ configuration: TrainingConfiguration, name: String?) throws -> String {
        try start(configuration, name: name, extra: [])
    }

    func enqueue(_ configuration: TrainingConfiguration, name: String?) throws -> String {
        try start(configuration, name: name, extra: [])
    }

    func pause(runDirectory: String) throws { try simlab(["pause", runID(runDirectory)]) }
    func resume(runDirectory: String) throws { try simlab(["resume", runID(runDirectory)]) }
    func stop(runDirectory: String) throws { try simlab(["stop", runID(runDirectory)]) }
    func delete(runDirectory: String) throws { try simlab(["rm", runID(runDirectory)]) }

    private func runID(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    private func start(_ c: TrainingConfiguration, name: String?, extra: [String]) throws -> String {
        var arguments = ["train", "--detach",
                         "--model", c.model, "--variant", c.variant, "--stem-width", "\(c.stemWidth)",
                         "--widths", c.widths.map(String.init).joined(separator: ","), "--blocks", "\(c.blocksPerStage)",
                         "--kernel", "\(c.kernelSize)", "--meta-hidden", "\(c.metaHidden)",
                         "--similarity-penalty", "\(c.similarityPenalty)", "--epochs", "\(c.epochs)",
                         "--batch-size", "\(c.batchSize)", "--optimizer", c.optimizer, "--lr", "\(c.learningRate)",
                         "--momentum", "\(c.momentum)", "--weight-decay", "\(c.weightDecay)", "--schedule", c.schedule,
                         "--warmup", "\(c.warmupEpochs)", "--label-smoothing", "\(c.labelSmoothing)",
                         "--validation", "\(c.validationSize)", "--train-fraction", "\(c.trainFraction)",
                         "--seed", "\(c.seed)", "--threads", "\(c.threads)", "--log-every", "\(c.logEverySteps)",
                         "--knn-alpha", "\(c.knnAlpha)", "--knn-features", c.knnFeatures, "--knn-k", "\(c.knnK)",
                         "--knn-t", "\(c.knnTemperature)", "--knn-metric", c.knnMetric]
        if let data = c.dataDirectory { arguments += ["--data", data] }
        if !c.augment { arguments.append("--no-augment") }
        if let gamma = c.knnFocalGamma { arguments += ["--knn-focal", "\(gamma)"] }
        if !c.knnEvaluate { arguments.append("--no-knn-eval") }
        if let name { arguments += ["--name", name] }
        let output = try simlab(arguments + extra)
        // The last word printed that names a run folder is the new run's id.
        let words = output.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        return words.last { FileManager.default.fileExists(atPath: runsDirectory + "/" + $0) } ?? words.last ?? "run"
    }

    @discardableResult
    private func simlab(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--runs", runsDirectory]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ControllerError(message: message.isEmpty ? "simlab \(arguments.first ?? "") exited with \(process.terminationStatus)" : message)
        }
        return String(decoding: out, as: UTF8.self)
    }

    struct ControllerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
