import Foundation
import NeuralNetwork
import RunStore
import TensorCore

/// One run trained against its run directory: the loop of a worker process and of
/// foreground `simlab train`.
///
/// The session writes the run's training files (model.json, metrics lines, kernel and kNN
/// snapshots, checkpoints, the final evaluation and neighbour results) and reports to its
/// host (`TrainingSessionHost`: log lines, state changes, progress, heartbeats), whose
/// pause and stop flags it polls between steps and between evaluation batches. status.json
/// and the log file are the host's. Errors are thrown for the host to record: a training
/// loss or weights that stop being finite as `TrainingDiverged`, before any checkpoint of
/// them is written.
public final class TrainingSession {
    public let run: RunDirectory
    public let host: TrainingSessionHost
    private var throughput = ThroughputMeter()
    /// The kNN vote of the current epoch (nil until voted, or without kNN reweighting).
    private var knnProbabilities: [Float]?

    public init(run: RunDirectory, host: TrainingSessionHost) {
        self.run = run
        self.host = host
    }

    /// Trains the run to the end (or from its resume point), then evaluates it; returns
    /// how it ended unless it failed (thrown).
    public func train(resume: Bool) throws -> Outcome {
        let configuration = try run.readConfig().trainingConfiguration()
        Parallel.threadCount = configuration.threads
        let data = try loadData(configuration)
        let trainer = try buildTrainer(configuration, data: data)
        if resume { try restoreFromResumePoint(trainer) }
        host.progressed(progress(of: trainer))
        let miner = try makeMiner(configuration, data: data)
        let metrics = try MetricsWriter(url: run.metricsURL)
        defer { try? metrics.close() }

        while !trainer.isFinished {
            guard honourControl() else { return try stop(trainer) }
            let epoch = trainer.progress.completedEpochs + 1
            if let miner, trainer.progress.stepInEpoch == 0 || knnProbabilities == nil {
                vote(miner, trainer: trainer, epoch: epoch)
            }
            let report = try step(trainer, epoch: epoch, metrics: metrics)
            if report.endsEpoch {
                try finishEpoch(trainer, epoch: epoch, metrics: metrics, miner: miner, learningRate: report.learningRate)
            }
        }
        if configuration.knnEvaluate {
            guard try evaluateNeighbours(trainer, metrics: metrics) else { return .stopped }
        }
        try metrics.sync()
        return .finished
    }

    // MARK: the steps of the loop

    private func loadData(_ configuration: TrainingConfiguration) throws -> DataSplits {
        host.log("loading data")
        let data = try DataPreparation.load(configuration)
        if data.validation.count < configuration.validationSize {
            host.log("warning: --validation \(configuration.validationSize) is more than half of the training file; "
                     + "holding out \(data.validation.count) images instead")
        }
        host.log("data: \(data.train.count) train and \(data.validation.count) validation images from \(data.train.name), "
                 + "\(data.test.count) test images from \(data.test.name)")
        if let classes = configuration.classes {
            host.log("classes: \(classes.map(String.init).joined(separator: ",")) only, as labels 0...\(classes.count - 1) "
                     + "(\(data.train.classNames.joined(separator: ", ")))")
        }
        return data
    }

    private func buildTrainer(_ configuration: TrainingConfiguration, data: DataSplits) throws -> Trainer {
        let model = try ModelFactory.build(configuration, classCount: data.train.classCount, inputChannels: data.train.channels,
                                           imageHeight: data.train.height, imageWidth: data.train.width)
        host.log("model: \(model.label), \(model.parameterCount) parameters")
        try run.writeModelInfo(ModelInfo(label: model.label, parameterCount: model.parameterCount,
                                         featureCount: model.featureCount))
        return try Trainer(configuration: configuration, data: data, model: model)
    }

    private func makeMiner(_ configuration: TrainingConfiguration, data: DataSplits) throws -> HardExampleMiner? {
        guard configuration.usesKNNReweighting else { return nil }
        let frozen = try FrozenFeatures.model(configuration, runsDirectory: run.url.deletingLastPathComponent(),
                                              classCount: data.train.classCount, inputChannels: data.train.channels,
                                              imageHeight: data.train.height, imageWidth: data.train.width)
        return HardExampleMiner(configuration: configuration, data: data, frozenModel: frozen)
    }

    /// The kNN vote over the training set that weights this epoch's losses.
    private func vote(_ miner: HardExampleMiner, trainer: Trainer, epoch: Int) {
        host.log("epoch \(epoch): kNN vote over the training set (\(miner.featureSpace) features)")
        let probabilities = miner.knnProbabilities(model: trainer.model) { self.host.heartbeat() }
        knnProbabilities = probabilities
        trainer.exampleWeights = miner.lossWeights(knnProbabilities: probabilities)
    }

    /// One optimisation step; every `logEverySteps` a train metrics line.
    private func step(_ trainer: Trainer, epoch: Int, metrics: MetricsWriter) throws -> Trainer.StepReport {
        let report = trainer.step()
        guard report.loss.isFinite else {
            throw TrainingDiverged(epoch: epoch, step: trainer.progress.globalStep,
                                   detail: "the training loss is \(report.loss)")
        }
        throughput.add(images: report.batchSize, seconds: report.seconds)
        let (loss, accuracy) = trainer.epochTrainingMetrics
        if trainer.progress.stepInEpoch % trainer.configuration.logEverySteps == 0 && !report.endsEpoch {
            try metrics.append(MetricRecord(epoch: epoch, step: trainer.progress.globalStep, split: .train,
                                            loss: loss, accuracy: accuracy, lr: Double(report.learningRate),
                                            imagesPerSecond: throughput.imagesPerSecond, interval: .steps))
        }
        host.progressed(progress(of: trainer))
        return report
    }

    /// The end of an epoch: validation and test metrics, the kernel and kNN snapshots, then
    /// the epoch's checkpoint (the point a resume continues from).
    private func finishEpoch(_ trainer: Trainer, epoch: Int, metrics: MetricsWriter, miner: HardExampleMiner?,
                             learningRate: Float) throws {
        let (trainLoss, trainAccuracy) = trainer.epochTrainingMetrics
        let epochSeconds = trainer.progress.epochSeconds
        let imagesPerSecond = Double(trainer.progress.epochSeen) / max(epochSeconds, 1e-9)
        host.heartbeat()
        let heartbeat = { self.host.heartbeat() }   // a slow model's evaluation can outlast the heartbeat timeout
        // Each evaluation's wall-clock seconds go into its record (`evaluationSeconds`), apart
        // from the training seconds (`epochSeconds`).
        func timed(_ dataset: ImageDataset) -> (evaluation: Evaluation, seconds: Double) {
            let start = DispatchTime.now().uptimeNanoseconds
            let evaluation = trainer.evaluate(dataset, afterBatch: heartbeat)
            return (evaluation, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let (validation, validationSeconds) = trainer.data.validation.count > 0
            ? timed(trainer.data.validation) : (nil, 0) as (Evaluation?, Double)
        let (test, testSeconds) = timed(trainer.data.test)
        let step = trainer.progress.globalStep
        try metrics.append(MetricRecord(epoch: epoch, step: step, split: .train, loss: trainLoss,
                                        accuracy: trainAccuracy, lr: Double(learningRate),
                                        imagesPerSecond: imagesPerSecond, epochSeconds: epochSeconds, interval: .epoch))
        if let validation {
            try metrics.append(MetricRecord(epoch: epoch, step: step, split: .val, loss: validation.loss,
                                            accuracy: validation.accuracy, interval: .epoch,
                                            extra: [MetricRecord.evaluationSecondsKey: validationSeconds]))
        }
        try metrics.append(MetricRecord(epoch: epoch, step: step, split: .test, loss: test.loss,
                                        accuracy: test.accuracy, interval: .epoch,
                                        extra: [MetricRecord.evaluationSecondsKey: testSeconds]))
        try metrics.sync()
        try KernelSnapshotWriter.write(model: trainer.model, epoch: epoch, data: trainer.data, run: run)
        if let miner, let knnProbabilities {
            try run.writeKNNStatistics(miner.statistics(knnProbabilities: knnProbabilities,
                                                        networkProbabilities: trainer.epochNetworkProbabilities, epoch: epoch))
        }
        trainer.finishEpoch(validationAccuracy: validation?.accuracy, testAccuracy: test.accuracy)
        try writeCheckpoint(trainer, to: run.checkpointURL(epoch: epoch), epoch: epoch)
        host.log(String(format: "epoch %d/%d: train loss %.4f acc %.2f%%, val %@, test loss %.4f acc %.2f%%, %.0f img/s, %.1f s "
                        + "(evaluation: val %.1f s, test %.1f s)",
                        epoch, trainer.configuration.epochs, trainLoss, trainAccuracy * 100,
                        validation.map { String(format: "%.2f%%", $0.accuracy * 100) } ?? "-" as String,
                        test.loss, test.accuracy * 100, imagesPerSecond, epochSeconds, validationSeconds, testSeconds))
    }

    /// The final kNN evaluation (evaluation.json, neighbour results, one metrics line). A
    /// pause waits between its batches; false when a stop came first (nothing is written
    /// then, and a resume evaluates again from the last epoch's checkpoint).
    private func evaluateNeighbours(_ trainer: Trainer, metrics: MetricsWriter) throws -> Bool {
        let configuration = trainer.configuration
        host.log(trainer.data.validation.count > 0 ? "kNN evaluation: blending on validation, then test"
                 : "kNN evaluation: no validation set to choose the blend on, so λ = 0 (the network alone) with the default k and T; then test")
        host.heartbeat()
        let result: NeighbourEvaluation.Result
        do {
            result = try NeighbourEvaluation.run(trainer: trainer, run: run, configuration: configuration) {
                self.host.heartbeat()
                if !self.honourControl(during: " during the final kNN evaluation") { throw StoppedDuringEvaluation() }
            }
        } catch is StoppedDuringEvaluation {
            host.log("stopped during the final kNN evaluation; resume runs it again from the last epoch's checkpoint")
            return false
        }
        try metrics.append(MetricRecord(epoch: configuration.epochs, step: trainer.progress.globalStep, split: .test,
                                        loss: nil, accuracy: result.networkAccuracy, interval: .evaluation,
                                        knnAccuracy: result.knnAccuracy, blendedAccuracy: result.blendedAccuracy,
                                        extra: ["blendLambda": Double(shortest: result.choice.lambda),
                                                "blendK": Double(result.choice.k),
                                                "blendTemperature": Double(shortest: result.choice.temperature),
                                                MetricRecord.featureSecondsKey: result.featureSeconds ?? 0,
                                                MetricRecord.evaluationSecondsKey: result.totalSeconds ?? 0]))
        host.log(String(format: "test accuracy: network %.2f%%, kNN %.2f%%, blended %.2f%% (λ=%.1f k=%d T=%.2f); "
                        + "%.1f s, of which %.1f s feature passes",
                        result.networkAccuracy * 100, result.knnAccuracy * 100, result.blendedAccuracy * 100,
                        result.choice.lambda, result.choice.k, result.choice.temperature,
                        result.totalSeconds ?? 0, result.featureSeconds ?? 0))
        return true
    }

    // MARK: control

    /// Writes a checkpoint at the current step and ends in `stopped`.
    private func stop(_ trainer: Trainer) throws -> Outcome {
        host.stateChanged(.stopping)
        let name = String(format: "step-%07d", trainer.progress.globalStep)
        try writeCheckpoint(trainer, to: run.checkpointURL(named: name), epoch: trainer.progress.completedEpochs + 1)
        host.log("stopped at step \(trainer.progress.globalStep); checkpoint \(name)")
        return .stopped
    }

    /// False when a stop was requested; while paused, waits (state `paused`, heartbeats)
    /// until resumed or stopped.
    private func honourControl(during phase: String = "") -> Bool {
        if host.isStopRequested { return false }
        guard host.isPaused else { return true }
        host.stateChanged(.paused)
        host.log("paused" + phase)
        while host.isPaused {
            if host.isStopRequested { return false }
            usleep(100_000)
            host.heartbeat()
        }
        host.stateChanged(.running)
        host.log("resumed")
        throughput.reset()
        return true
    }

    /// A checkpoint of finite weights only: one the optimiser blew up is never written, so
    /// the newest checkpoint stays the last good one.
    private func writeCheckpoint(_ trainer: Trainer, to url: URL, epoch: Int) throws {
        let archive = ParameterArchive(trainer.model)
        if let bad = archive.entries.first(where: { !$0.values.allSatisfy(\.isFinite) }) {
            throw TrainingDiverged(epoch: epoch, step: trainer.progress.globalStep,
                                   detail: "\(bad.name) is no longer finite; no checkpoint written")
        }
        try TrainerCheckpoint.write(trainer, to: url, run: run)
    }

    private func progress(of trainer: Trainer) -> Progress {
        let configuration = trainer.configuration
        let (loss, accuracy) = trainer.epochTrainingMetrics
        let remainingImages = Double((trainer.totalSteps - trainer.progress.globalStep) * configuration.batchSize)
        return Progress(epoch: min(trainer.progress.completedEpochs + 1, configuration.epochs), epochs: configuration.epochs,
                        step: trainer.progress.globalStep, totalSteps: trainer.totalSteps,
                        epochFraction: Double(trainer.progress.stepInEpoch) / Double(trainer.stepsPerEpoch),
                        loss: loss, accuracy: accuracy, imagesPerSecond: throughput.imagesPerSecond,
                        etaSeconds: throughput.imagesPerSecond > 0 ? remainingImages / throughput.imagesPerSecond : nil)
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

/// Thrown from the final evaluation's per-batch callback when a stop was requested.
private struct StoppedDuringEvaluation: Error {}
