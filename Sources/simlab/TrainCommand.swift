import ArgumentParser
import Foundation
import RunStore
import Training
import Worker

/// `simlab train`: create a run and train it in the foreground (progress bar; Ctrl-C stops
/// with a checkpoint) or, with --detach, as a background worker.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on Fashion-MNIST (or any IDX dataset) as a new run.",
        discussion: TrainingOptions.help)

    @OptionGroup var options: TrainingOptions
    @OptionGroup var runs: RunsLocation
    @Option(help: "A name for the run (default: model/variant).")
    var name: String?
    @Flag(help: "Run as a background worker and print the run id.")
    var detach = false
    @OptionGroup var placement: ExecutorOptions
    var executor: String { placement.executor }
    var executorChoice: ExecutorChoice { placement.choice }

    func validate() throws {
        _ = try options.configuration()
        if let name, let problem = RunConfig.problem(withName: name) { throw ValidationError(problem) }
        try placement.check(runs: runs.url)
    }

    func run() throws {
        let configuration = try options.configuration()
        let launcher = RunLauncher(runsDirectory: runs.url)
        let run: RunDirectory
        do {
            run = try launcher.create(configuration, name: name, executor: executorChoice)
        } catch {
            throw CommandFailure(describing: error)
        }
        if detach || executor != LocalExecutor.name {
            do { try launcher.startWorker(run) } catch { throw CommandFailure(describing: error) }
            if let worker = try? run.readStatus().worker, worker.executor != LocalExecutor.name {
                StandardError.write("run \(run.id): \(worker)\n")
            }
            print(run.id.rawValue)
            return
        }
        StandardError.write("run \(run.id) (\(run.url.path))\n")
        try ForegroundTraining.exit(with: ForegroundTraining.run(run, resume: false))
    }
}

/// Trains a run in this process, with a progress bar on stderr.
enum ForegroundTraining {
    /// Exit status 0 when the run finished, 1 when it failed, 130 when it was stopped before
    /// the end (Ctrl-C, `simlab stop`, a closed pipe), so `simlab train … && next` does not go on.
    static func exit(with state: RunState) throws {
        switch state {
        case .failed: throw ExitCode.failure
        case .stopped: throw ExitCode(130)
        default: return
        }
    }

    static func run(_ run: RunDirectory, resume: Bool) -> RunState {
        let control = ControlSignalReceiver()
        var announced = false
        let turn = SlotTurn.wait(for: run, control: control) { queue in
            guard !announced else { return }
            announced = true
            StandardError.write("waiting for a free training slot (\(queue.busySlots()) of \(queue.slotCount) busy)…\n")
        }
        let lease: SlotQueue.Lease?
        switch turn {
        case .granted(let granted): lease = granted
        case .stoppedWhileQueued:
            StandardError.write("stopped while queued; continue with: simlab resume \(run.id)\n")
            return .stopped
        case .failed(let reason):
            StandardError.write("\(reason)\n")
            return .failed
        case .notClaimed:
            StandardError.write("run \(run.id) was stopped, or another worker has it; not training\n")
            return .stopped
        }
        defer { lease?.release() }
        var bar = ProgressBar()
        let executor = RunExecutor(run: run, control: control)
        executor.logsToStandardOutput = false
        executor.onStep = { progress in
            guard let etaSeconds = progress.etaSeconds else { return }   // not timed yet
            bar.update(epoch: progress.epoch, epochs: progress.epochs, fraction: progress.epochFraction,
                       loss: progress.loss, accuracy: progress.accuracy,
                       imagesPerSecond: progress.imagesPerSecond, etaSeconds: etaSeconds)
        }
        executor.onLog = { message in bar.println(message) }
        let state = executor.execute(resume: resume)
        if state == .stopped {
            bar.println("stopped; continue with: simlab resume \(run.id)")
        }
        return state
    }
}
