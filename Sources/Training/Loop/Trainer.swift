import Foundation
import NeuralNetwork
import RunStore
import TensorCore

/// The training loop of one run, one step at a time.
///
/// The caller (the worker, or a test) drives it: `step()` until it reports the end of an
/// epoch, then `evaluate` on validation and test, then the next epoch. Everything random
/// (data order, augmentation) derives from (seed, epoch, step), so a run resumed from a
/// checkpoint at any step repeats the same computation bit for bit for a thread count.
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let model: ImageClassifier
    public let optimizer: Optimizer
    public let schedule: LearningRateSchedule
    public let data: DataSplits
    public var progress = TrainingProgress()
    /// Per training example loss weights from the kNN vote (nil: all 1).
    public var exampleWeights: [Float]?
    /// The network's softmax for every training example as last seen in this epoch
    /// ([N, C], training mode, augmented): compared with the kNN vote in the statistics.
    public private(set) var epochNetworkProbabilities: [Float]

    private let loss: SoftmaxCrossEntropy
    private let parameters: [Parameter]
    private var epochOrder: (epoch: Int, order: [Int])?

    public init(configuration: TrainingConfiguration, data: DataSplits, model: ImageClassifier) throws {
        self.configuration = configuration
        self.data = data
        self.model = model
        parameters = model.parameters
        epochNetworkProbabilities = [Float](repeating: 0, count: data.train.count * data.train.classCount)
        loss = SoftmaxCrossEntropy(labelSmoothing: Float(configuration.labelSmoothing))
        optimizer = try OptimizerFactory.make(configuration)
        schedule = try OptimizerFactory.schedule(configuration,
                                                 stepsPerEpoch: Trainer.stepsPerEpoch(examples: data.train.count,
                                                                                      batchSize: configuration.batchSize))
    }

    /// Steps per epoch: every example once; a last batch of a single image is dropped
    /// (BatchNorm needs two).
    public static func stepsPerEpoch(examples: Int, batchSize: Int) -> Int {
        let full = examples / batchSize
        let remainder = examples % batchSize
        return max(1, full + (remainder >= 2 ? 1 : 0))
    }

    public var stepsPerEpoch: Int { Trainer.stepsPerEpoch(examples: data.train.count, batchSize: configuration.batchSize) }
    public var totalSteps: Int { stepsPerEpoch * configuration.epochs }
    public var isFinished: Bool { progress.completedEpochs >= configuration.epochs }

    public var currentLearningRate: Float {
        schedule.learningRate(step: min(progress.globalStep, totalSteps - 1), totalSteps: totalSteps,
                              stepsPerEpoch: stepsPerEpoch)
    }

    /// The shuffled order of the training set for an epoch (derived from seed and epoch).
    func order(forEpoch epoch: Int) -> [Int] {
        if let cached = epochOrder, cached.epoch == epoch { return cached.order }
        var generator = SeededGenerator(seed: configuration.seed).derived(0x5EED_0000 &+ UInt64(epoch))
        var order = Array(0..<data.train.count)
        order.shuffle(using: &generator)
        epochOrder = (epoch, order)
        return order
    }

    /// What one step did.
    public struct StepReport: Sendable {
        public var loss: Double
        public var correct: Int
        public var batchSize: Int
        public var learningRate: Float
        public var seconds: Double
        /// True when this step completed the epoch (evaluate, then `finishEpoch`).
        public var endsEpoch: Bool
    }

    /// One optimisation step on the next batch of the current epoch.
    public func step() -> StepReport {
        precondition(!isFinished, "Trainer.step() after the last epoch")
        let start = DispatchTime.now().uptimeNanoseconds
        let epoch = progress.completedEpochs
        let order = order(forEpoch: epoch)
        let batchSize = configuration.batchSize
        let first = progress.stepInEpoch * batchSize
        let indices = Array(order[first..<min(first + batchSize, order.count)])

        var augmentation = SeededGenerator(seed: configuration.seed)
            .derived(0xA060_0000 &+ UInt64(epoch) &* 1_000_003 &+ UInt64(progress.stepInEpoch))
        var batch = data.train.batch(indices)
        if configuration.augment {
            Augmentation(padding: data.cropPadding, horizontalFlip: configuration.flip, fills: data.train.normalization.backgrounds)
                .apply(to: &batch.images, generator: &augmentation)
        }
        let weights = exampleWeights.map { all in indices.map { all[$0] } }

        zeroGradients(parameters)
        let logits = model.forward(batch.images, mode: .training)
        let output = loss(logits: logits, labels: batch.labels, weights: weights)
        _ = model.backward(output.logitsGradient)
        if configuration.similarityPenalty > 0 {
            for layer in model.similarityLayers {
                layer.applyMixingPenalty(coefficient: Float(configuration.similarityPenalty))
            }
        }
        let learningRate = currentLearningRate
        optimizer.step(parameters, learningRate: learningRate)

        let classCount = data.train.classCount
        output.probabilities.withUnsafeBufferPointer { probabilities in
            for (row, index) in indices.enumerated() {
                for c in 0..<classCount {
                    epochNetworkProbabilities[index * classCount + c] = probabilities[row * classCount + c]
                }
            }
        }
        let correct = zip(output.predictions, batch.labels).filter { $0 == $1 }.count
        // Report the unweighted loss so runs with and without kNN weights compare.
        let plainLoss = output.perExampleLosses.reduce(0) { $0 + Double($1) } / Double(indices.count)
        progress.stepInEpoch += 1
        progress.globalStep += 1
        progress.epochLossSum += plainLoss * Double(indices.count)
        progress.epochCorrect += correct
        progress.epochSeen += indices.count
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        progress.epochSeconds += seconds
        return StepReport(loss: plainLoss, correct: correct, batchSize: indices.count,
                          learningRate: learningRate, seconds: seconds,
                          endsEpoch: progress.stepInEpoch >= stepsPerEpoch)
    }

    /// Training loss and accuracy of the current epoch so far.
    public var epochTrainingMetrics: (loss: Double, accuracy: Double) {
        let seen = max(1, progress.epochSeen)
        return (progress.epochLossSum / Double(seen), Double(progress.epochCorrect) / Double(seen))
    }

    /// Records the epoch's evaluation and moves to the next epoch.
    public func finishEpoch(validationAccuracy: Double?, testAccuracy: Double?) {
        if let accuracy = validationAccuracy, accuracy > (progress.bestValidationAccuracy ?? -1) {
            progress.bestValidationAccuracy = accuracy
            progress.bestEpoch = progress.completedEpochs + 1
        }
        if let testAccuracy { progress.lastTestAccuracy = testAccuracy }
        progress.startNextEpoch()
    }

    /// Loss, accuracy, probabilities [N, classes] and (optionally) features [N, F] on a dataset.
    public func evaluate(_ dataset: ImageDataset, keepFeatures: Bool = false, batchSize: Int = 250) -> Evaluation {
        evaluate(dataset, keepFeatures: keepFeatures, batchSize: batchSize, afterBatch: {})
    }

    /// `afterBatch` runs after each batch (a heartbeat; throw from it to cancel).
    public func evaluate(_ dataset: ImageDataset, keepFeatures: Bool = false, batchSize: Int = 250,
                         afterBatch: () throws -> Void) rethrows -> Evaluation {
        try Evaluation.run(model: model, dataset: dataset, keepFeatures: keepFeatures, batchSize: batchSize, afterBatch: afterBatch)
    }
}
