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
        abstract: "Train a model on Fashion-MNIST (or any IDX dataset) as a new run.")

    @OptionGroup var options: TrainingOptions
    @OptionGroup var runs: RunsLocation
    @Option(help: "A name for the run (default: model/variant).")
    var name: String?
    @Flag(help: "Run as a background worker and print the run id.")
    var detach = false

    func validate() throws {
        _ = try options.configuration()
    }

    func run() throws {
        let configuration = try options.configuration()
        let launcher = RunLauncher(runsDirectory: runs.url)
        let run: RunDirectory
        do {
            run = try launcher.create(configuration, name: name)
        } catch {
            throw CommandFailure("\(error)")
        }
        if detach {
            try launcher.startWorker(run)
            print(run.id.rawValue)
            return
        }
        FileHandle.standardError.write(Data("run \(run.id) (\(run.url.path))\n".utf8))
        let state = ForegroundTraining.run(run, resume: false)
        if state == .failed { throw ExitCode.failure }
    }
}

/// Trains a run in this process, with a progress bar on stderr.
enum ForegroundTraining {
    static func run(_ run: RunDirectory, resume: Bool) -> RunState {
        let control = ControlSignalReceiver()
        let queue = SlotQueue(runsDirectory: run.url.deletingLastPathComponent().path)
        var status = (try? run.readStatus()) ?? RunStatus(state: .queued)
        status.state = .queued
        status.pid = getpid()
        status.queuedAt = status.queuedAt ?? Date()
        status.heartbeat = Date()
        try? run.writeStatus(status)
        let queuedAt = status.queuedAt!
        var announced = false
        var lastHeartbeat = Date()
        guard let lease = try? queue.waitForSlot(
            isNextInLine: { WorkerProcess.isNextInLine(run, queuedAt: queuedAt) },
            shouldGiveUp: { control.isStopRequested },
            whileWaiting: {
                if Date().timeIntervalSince(lastHeartbeat) >= 2 {   // readers take a silent queued run for dead
                    lastHeartbeat = Date()
                    status.heartbeat = lastHeartbeat
                    try? run.writeStatus(status)
                }
                if !announced {
                    FileHandle.standardError.write(Data("waiting for a free training slot (\(queue.busySlots()) of \(queue.slotCount) busy)…\n".utf8))
                    announced = true
                }
            }) else {
            status.state = .stopped
            try? run.writeStatus(status)
            return .stopped
        }
        defer { lease.release() }
        var bar = ProgressBar()
        let executor = RunExecutor(run: run, control: control)
        executor.logsToStandardOutput = false
        executor.onStep = { progress in
            bar.update(epoch: progress.epoch, epochs: progress.epochs, fraction: progress.epochFraction,
                       loss: progress.loss, accuracy: progress.accuracy,
                       imagesPerSecond: progress.imagesPerSecond, etaSeconds: progress.etaSeconds)
        }
        executor.onLog = { message in bar.println(message) }
        let state = executor.execute(resume: resume)
        if state == .stopped {
            bar.println("stopped; continue with: simlab resume \(run.id)")
        }
        return state
    }
}
