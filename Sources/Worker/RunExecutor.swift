import Foundation
import NeuralNetwork
import RunStore
import TensorCore
import Training

/// Runs one training run against its run directory: the loop of the worker process
/// (`simlab worker RUN_DIR`) and of foreground `simlab train`.
///
/// It owns every write to the run directory during training: status (atomically, with a
/// heartbeat), metrics lines, kernel and kNN snapshots, checkpoints, neighbour results.
/// Control arrives through `ControlSignalReceiver` flags, checked between steps. Failures
/// never escape: they end in a `failed` status with the error.
public final class RunExecutor {
    public let run: RunDirectory
    public let control: ControlSignalReceiver
    /// Called after every step (the foreground progress bar).
    public var onStep: ((StepProgress) -> Void)?
    /// Called with each human-readable log line.
    public var onLog: ((String) -> Void)?
    /// Where log lines go: stdout (a detached worker's stdout is worker.log) or, in the
    /// foreground, appended to worker.log directly so the terminal keeps its progress bar.
    public var logsToStandardOutput = true

    private var status: RunStatus
    private var lastStatusWrite = Date.distantPast
    private var throughput = ThroughputMeter()

    public struct StepProgress: Sendable {
        public var epoch: Int
        public var epochs: Int
        public var epochFraction: Double
        public var loss: Double
        public var accuracy: Double
        public var imagesPerSecond: Double
        public var etaSeconds: Double
    }

    public init(run: RunDirectory, control: ControlSignalReceiver) {
        self.run = run
        self.control = control
        status = (try? run.readStatus()) ?? RunStatus(state: .queued)
    }

    /// Trains until finished, stopped or failed; returns the final state.
    @discardableResult
    public func execute(resume: Bool) -> RunState {
        do {
            return try executeThrowing(resume: resume)
        } catch {
            let message = "\(error)"
            log("error: \(message)")
            status.end(as: .failed, error: message)
            if let statusError = writeStatus(force: true) {
                // A full disk can refuse even that: say it where someone can still see it.
                SystemLog.error("simlab worker \(getpid()): run \(run.id) failed: \(message); "
                                + "its status.json could not be updated either: \(statusError)")
            }
            return .failed
        }
    }

    private func executeThrowing(resume: Bool) throws -> RunState {
        let configuration = try run.readConfig().trainingConfiguration()
        Parallel.threadCount = configuration.threads
        AllocatorTuning.keepFreedBlocks()
        status.state = .running
        status.claim(Executors.currentWorker.handle)
        status.startedAt = status.startedAt ?? Date()
        status.lastError = nil
        writeStatus(force: true)

        log("worker \(getpid()): \(BinaryIdentity.current)")
        let stale = run.removeStaleTemporaries()
        if !stale.isEmpty { log("removed \(stale.count) temporary file\(stale.count == 1 ? "" : "s") a killed worker left: \(stale.joined(separator: ", "))") }
        log("loading data")
        let data = try DataPreparation.load(configuration)
        if data.validation.count < configuration.validationSize {
            log("warning: --validation \(configuration.validationSize) is more than half of the training file; "
                + "holding out \(data.validation.count) images instead")
        }
        log("data: \(data.train.count) train and \(data.validation.count) validation images from \(data.train.name), \(data.test.count) test images from \(data.test.name)")
        let model = try ModelFactory.build(configuration, classCount: data.train.classCount,
                                           imageHeight: data.train.height, imageWidth: data.train.width)
        log("model: \(model.label), \(model.parameterCount) parameters")
        try run.writeModelInfo(ModelInfo(label: model.label, parameterCount: model.parameterCount,
                                         featureCount: model.featureCount))
        let trainer = try Trainer(configuration: configuration, data: data, model: model)
        status.totalSteps = trainer.totalSteps

        if resume, let missing = run.missingLatestCheckpointTarget() {
            log("warning: checkpoints/latest.ckpt points to \(missing), which is missing; "
                + "continuing from the newest intact checkpoint there is, if any")
        }
        if resume { try restoreForResume(trainer) }

        let miner = try configuration.usesKNNReweighting
            ? HardExampleMiner(configuration: configuration, data: data,
                               frozenModel: FrozenFeatures.model(configuration, runsDirectory: run.url.deletingLastPathComponent(),
                                                                 classCount: data.train.classCount))
            : nil
        var knnProbabilities: [Float]?
        let metrics = try MetricsWriter(url: run.metricsURL)
        defer { try? metrics.close() }

        while !trainer.isFinished {
            if control.isStopRequested { return try stop(trainer) }
            if control.isPaused {
                if try waitWhilePaused() == false { return try stop(trainer) }
            }
            let epoch = trainer.progress.completedEpochs + 1
            if let miner, trainer.progress.stepInEpoch == 0 || knnProbabilities == nil {
                log("epoch \(epoch): kNN vote over the training set (\(miner.featureSpace) features)")
                let probabilities = miner.knnProbabilities(model: model) { _ = self.writeStatus() }
                knnProbabilities = probabilities
                trainer.exampleWeights = miner.lossWeights(knnProbabilities: probabilities)
            }
            let report = trainer.step()
            throughput.add(images: report.batchSize, seconds: report.seconds)
            let (loss, accuracy) = trainer.epochTrainingMetrics
            let stepInEpoch = trainer.progress.stepInEpoch
            if stepInEpoch % configuration.logEverySteps == 0 && !report.endsEpoch {
                try metrics.append(MetricRecord(epoch: epoch, step: trainer.progress.globalStep, split: .train,
                                                loss: loss, accuracy: accuracy, lr: Double(report.learningRate),
                                                imagesPerSecond: throughput.imagesPerSecond, interval: .steps))
            }
            let remainingSteps = Double(trainer.totalSteps - trainer.progress.globalStep)
            let eta = remainingSteps * Double(configuration.batchSize) / max(throughput.imagesPerSecond, 1e-9)
            status.epoch = epoch
            status.step = trainer.progress.globalStep
            status.imagesPerSecond = throughput.imagesPerSecond
            status.etaSeconds = eta
            writeStatus()
            onStep?(StepProgress(epoch: epoch, epochs: configuration.epochs,
                                 epochFraction: Double(stepInEpoch) / Double(trainer.stepsPerEpoch),
                                 loss: loss, accuracy: accuracy, imagesPerSecond: throughput.imagesPerSecond,
                                 etaSeconds: eta))
            if report.endsEpoch {
                try finishEpoch(trainer, epoch: epoch, metrics: metrics, miner: miner,
                                knnProbabilities: knnProbabilities, learningRate: report.learningRate)
            }
        }

        if configuration.knnEvaluate {
            log(data.validation.count > 0 ? "kNN evaluation: blending on validation, then test"
                : "kNN evaluation: no validation set to choose the blend on, so λ = 0 (the network alone) with the default k and T; then test")
            status.heartbeat = Date(); writeStatus(force: true)
            let result: NeighbourEvaluation.Result
            do {
                result = try NeighbourEvaluation.run(trainer: trainer, run: run, configuration: configuration) {
                    self.writeStatus()   // heartbeat, at most once a second
                    if self.control.isStopRequested { throw StoppedDuringEvaluation() }
                }
            } catch is StoppedDuringEvaluation {
                status.end(as: .stopped)
                writeStatus(force: true)
                log("stopped during the final kNN evaluation; resume runs it again from the last epoch's checkpoint")
                return .stopped
            }
            try metrics.append(MetricRecord(epoch: configuration.epochs, step: trainer.progress.globalStep, split: .test,
                                            loss: nil, accuracy: result.networkAccuracy, interval: .evaluation,
                                            knnAccuracy: result.knnAccuracy, blendedAccuracy: result.blendedAccuracy,
                                            extra: ["blendLambda": Double(shortest: result.choice.lambda),
                                                    "blendK": Double(result.choice.k),
                                                    "blendTemperature": Double(shortest: result.choice.temperature)]))
            log(String(format: "test accuracy: network %.2f%%, kNN %.2f%%, blended %.2f%% (λ=%.1f k=%d T=%.2f)",
                       result.networkAccuracy * 100, result.knnAccuracy * 100, result.blendedAccuracy * 100,
                       result.choice.lambda, result.choice.k, result.choice.temperature))
        }
        try metrics.sync()
        status.end(as: .finished)
        status.etaSeconds = 0
        writeStatus(force: true)
        log("finished")
        return .finished
    }

    private func finishEpoch(_ trainer: Trainer, epoch: Int, metrics: MetricsWriter, miner: HardExampleMiner?,
                             knnProbabilities: [Float]?, learningRate: Float) throws {
        let (trainLoss, trainAccuracy) = trainer.epochTrainingMetrics
        let epochSeconds = trainer.progress.epochSeconds
        let imagesPerSecond = Double(trainer.progress.epochSeen) / max(epochSeconds, 1e-9)
        status.heartbeat = Date(); writeStatus(force: true)
        let heartbeat = { _ = self.writeStatus() }   // a slow model's evaluation can outlast the heartbeat timeout
        let validation = trainer.data.validation.count > 0 ? trainer.evaluate(trainer.data.validation, afterBatch: heartbeat) : nil
        let test = trainer.evaluate(trainer.data.test, afterBatch: heartbeat)
        let step = trainer.progress.globalStep
        try metrics.append(MetricRecord(epoch: epoch, step: step, split: .train, loss: trainLoss,
                                        accuracy: trainAccuracy, lr: Double(learningRate),
                                        imagesPerSecond: imagesPerSecond, epochSeconds: epochSeconds, interval: .epoch))
        if let validation {
            try metrics.append(MetricRecord(epoch: epoch, step: step, split: .val, loss: validation.loss,
                                            accuracy: validation.accuracy, interval: .epoch))
        }
        try metrics.append(MetricRecord(epoch: epoch, step: step, split: .test, loss: test.loss,
                                        accuracy: test.accuracy, interval: .epoch))
        try metrics.sync()
        try KernelSnapshotWriter.write(model: trainer.model, epoch: epoch, data: trainer.data, run: run)
        if let miner, let knnProbabilities {
            try run.writeKNNStatistics(miner.statistics(knnProbabilities: knnProbabilities,
                                                        networkProbabilities: trainer.epochNetworkProbabilities, epoch: epoch))
        }
        trainer.finishEpoch(validationAccuracy: validation?.accuracy, testAccuracy: test.accuracy)
        let checkpoint = run.checkpointURL(epoch: epoch)
        try TrainerCheckpoint.write(trainer, to: checkpoint, run: run)
        log(String(format: "epoch %d/%d: train loss %.4f acc %.2f%%, val %@, test loss %.4f acc %.2f%%, %.0f img/s, %.1f s",
                   epoch, trainer.configuration.epochs, trainLoss, trainAccuracy * 100,
                   validation.map { String(format: "%.2f%%", $0.accuracy * 100) } ?? "-" as String,
                   test.loss, test.accuracy * 100, imagesPerSecond, epochSeconds))
    }

    /// Writes a checkpoint at the current step and ends in `stopped`.
    private func stop(_ trainer: Trainer) throws -> RunState {
        status.state = .stopping
        writeStatus(force: true)
        let name = String(format: "step-%07d", trainer.progress.globalStep)
        try TrainerCheckpoint.write(trainer, to: run.checkpointURL(named: name), run: run)
        status.end(as: .stopped)
        writeStatus(force: true)
        log("stopped at step \(trainer.progress.globalStep); checkpoint \(name)")
        return .stopped
    }

    /// Sleeps while paused, keeping the heartbeat; false when a stop arrives meanwhile.
    private func waitWhilePaused() throws -> Bool {
        status.state = .paused
        writeStatus(force: true)
        log("paused")
        while control.isPaused {
            if control.isStopRequested { return false }
            usleep(100_000)
            writeStatus()
        }
        status.state = .running
        writeStatus(force: true)
        log("resumed")
        throughput.reset()
        return true
    }

    /// Restores the newest intact checkpoint (saying in the log which newer ones were
    /// skipped and why), or starts over when the run has no checkpoint and no recorded
    /// epoch. A run with recorded epochs and no usable checkpoint is refused before
    /// anything is rewritten: starting over would silently discard its history.
    private func restoreForResume(_ trainer: Trainer) throws {
        let point = run.resumePoint()
        for skipped in point.skipped { log("warning: cannot resume from \(skipped)") }
        if let url = point.url, let checkpoint = point.checkpoint {
            try TrainerCheckpoint.restore(trainer, from: checkpoint, path: url.path)
            try discardRecordsAfter(trainer.progress)
            if !point.skipped.isEmpty {
                log("falling back to \(url.lastPathComponent), the newest intact checkpoint; "
                    + "the epochs after it are trained again")
            }
            log("resumed from \(url.lastPathComponent) at epoch \(trainer.progress.completedEpochs + 1), step \(trainer.progress.globalStep)")
            return
        }
        if let refusal = run.resumeRefusal(point) { throw ResumeRefused(description: refusal) }
        try discardRecordsAfter(TrainingProgress())
        log(point.skipped.isEmpty ? "no checkpoint yet: starting from the beginning"
            : "no intact checkpoint and no recorded epoch: starting from the beginning")
    }

    /// A resumed run continues from its checkpoint: metrics lines written after it (the
    /// partial epoch a crash interrupted) and later snapshots are dropped, so nothing is
    /// counted twice.
    private func discardRecordsAfter(_ progress: TrainingProgress) throws {
        try MetricsRewriter.keepRecords(in: run.metricsURL) { record in
            record.step <= progress.globalStep
                && (record.interval == .steps || record.epoch <= progress.completedEpochs)
        }
        run.removeSnapshots(after: progress.completedEpochs)
    }

    /// Status writes are throttled to one a second unless forced (state changes). Returns
    /// the error when the write failed (training goes on: the next write may succeed).
    @discardableResult
    private func writeStatus(force: Bool = false) -> Error? {
        let now = Date()
        guard force || now.timeIntervalSince(lastStatusWrite) >= 1 else { return nil }
        status.heartbeat = now
        if status.worker.map({ !$0.isSameWorker(as: Executors.currentWorker.handle) }) ?? true {
            status.claim(Executors.currentWorker.handle)
        }
        do {
            try run.writeStatus(status)
            lastStatusWrite = now
            return nil
        } catch {
            log("warning: cannot write status: \(error)")
            return error
        }
    }

    /// Appends a line to the log: stdout (worker.log for a detached worker) or worker.log.
    /// A line that cannot be written (a full disk) is lost, never fatal: the run's own
    /// writes report the failure.
    private func log(_ message: String) {
        let line = Array("\(ISOTime.format(Date())) \(message)\n".utf8)
        if logsToStandardOutput {
            try? AtomicFile.writeAll(STDOUT_FILENO, line, path: "standard output")
        } else {
            let fd = open(run.workerLogURL.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 {
                try? AtomicFile.writeAll(fd, line, path: run.workerLogURL.path)
                close(fd)
            }
        }
        onLog?(message)
    }
}

/// Images per second over the recent steps (exponential average of step rates).
struct ThroughputMeter {
    private(set) var imagesPerSecond: Double = 0
    private var initialized = false

    mutating func add(images: Int, seconds: Double) {
        guard seconds > 0 else { return }
        let rate = Double(images) / seconds
        imagesPerSecond = initialized ? 0.9 * imagesPerSecond + 0.1 * rate : rate
        initialized = true
    }

    mutating func reset() { initialized = false }
}

/// A resume that would discard recorded epochs (`RunDirectory.resumeRefusal`).
struct ResumeRefused: Error, CustomStringConvertible {
    let description: String
}

/// Thrown from the final evaluation's per-batch callback when a stop was requested.
private struct StoppedDuringEvaluation: Error {}
