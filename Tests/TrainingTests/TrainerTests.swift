import Foundation
import NeuralNetwork
import RunStore
import TensorCore
@testable import Training
import XCTest

final class TrainerTests: XCTestCase {
    func testTinyModelLearnsSyntheticTextures() throws {
        var configuration = tinyConfiguration(dataDirectory: try writeTextureDataset(self), epochs: 4)
        configuration.augment = false
        let trainer = try makeTrainer(configuration)
        XCTAssertEqual(trainer.stepsPerEpoch, 8, "250 images in batches of 32")
        let before = trainer.evaluate(trainer.data.train)
        var epochAccuracies: [Double] = []
        while !trainer.isFinished {
            let report = trainer.step()
            XCTAssertTrue(report.loss.isFinite, "loss at step \(trainer.progress.globalStep)")
            if report.endsEpoch {
                epochAccuracies.append(trainer.epochTrainingMetrics.accuracy)
                trainer.finishEpoch(validationAccuracy: nil, testAccuracy: nil)
            }
        }
        let after = trainer.evaluate(trainer.data.train)
        let test = trainer.evaluate(trainer.data.test)
        XCTAssertEqual(epochAccuracies.count, 4)
        XCTAssertEqual(trainer.progress.globalStep, trainer.totalSteps)
        XCTAssertGreaterThan(after.accuracy, 0.4, "training accuracy after 4 epochs (chance is 0.1); per epoch \(epochAccuracies)")
        XCTAssertGreaterThan(after.accuracy, before.accuracy + 0.2, "accuracy before training \(before.accuracy)")
        XCTAssertLessThan(after.loss, before.loss, "training loss went down")
        XCTAssertGreaterThan(test.accuracy, 0.3, "the textures generalise to the test images")
    }

    /// The per-batch callback runs once per batch (a long evaluation keeps the heartbeat) and
    /// a throw from it cancels the evaluation.
    func testEvaluationCallsBackAfterEachBatchAndCanBeCancelled() throws {
        let trainer = try makeTrainer(tinyConfiguration(dataDirectory: try writeTextureDataset(self)))
        var batches = 0
        let whole = trainer.evaluate(trainer.data.train, batchSize: 64) { batches += 1 }
        XCTAssertEqual(batches, (trainer.data.train.count + 63) / 64)
        XCTAssertEqual(whole.predictions.count, trainer.data.train.count)
        struct Cancelled: Error {}
        batches = 0
        XCTAssertThrowsError(try trainer.evaluate(trainer.data.train, batchSize: 64) {
            batches += 1
            if batches == 2 { throw Cancelled() }
        }) { XCTAssertTrue($0 is Cancelled) }
        XCTAssertEqual(batches, 2, "no batch after the cancel")
    }

    func testCheckpointRoundTripRestoresIdenticalSubsequentSteps() throws {
        let configuration = tinyConfiguration(dataDirectory: try writeTextureDataset(self), epochs: 3)
        let original = try makeTrainer(configuration)
        takeSteps(original, 10)   // epoch 2, step 2 of 8: mid-epoch, with momentum and running sums
        let run = RunDirectory(url: try makeDataTemporaryDirectory(self))
        let url = run.checkpointURL(named: "step-0000010")
        try TrainerCheckpoint.write(original, to: url, run: run)
        XCTAssertEqual(run.latestCheckpoint(), url.standardizedFileURL, "latest.ckpt points at the new checkpoint")
        let savedProgress = original.progress

        let continued = takeSteps(original, 9)   // across the end of epoch 2
        let restored = try makeTrainer(configuration)
        let fresh = try makeTrainer(configuration)
        try TrainerCheckpoint.restore(restored, from: url)
        XCTAssertEqual(restored.progress, savedProgress, "progress (step, running sums) survives the checkpoint exactly")
        let repeated = takeSteps(restored, 9)
        XCTAssertEqual(repeated.map(\.bitPattern), continued.map(\.bitPattern),
                       "losses after restoring: \(repeated) vs \(continued)")
        var (a, b) = (restored.progress, original.progress)
        (a.epochSeconds, b.epochSeconds) = (0, 0)   // wall-clock time, the only difference allowed
        XCTAssertEqual(a, b, "progress after 9 more steps")
        for (a, b) in zip(original.model.parameters, restored.model.parameters) {
            XCTAssertEqual(a.value.scalars, b.value.scalars, "parameter \(a.name) after 9 more steps")
        }
        for (a, b) in zip(ParameterArchive(original.model).entries, ParameterArchive(restored.model).entries) {
            XCTAssertEqual(a.values, b.values, "archived \(a.name) (buffers included)")
        }
        // The comparison can fail: an unrestored trainer at the same position differs.
        fresh.progress = savedProgress
        XCTAssertNotEqual(takeSteps(fresh, 1).first?.bitPattern, continued.first?.bitPattern,
                          "a fresh model takes a different first step")
    }

    func testRestoringACorruptCheckpointFails() throws {
        let configuration = tinyConfiguration(dataDirectory: try writeTextureDataset(self), epochs: 1)
        let trainer = try makeTrainer(configuration)
        takeSteps(trainer, 1)
        let run = RunDirectory(url: try makeDataTemporaryDirectory(self))
        let url = run.checkpointURL(epoch: 1)
        try TrainerCheckpoint.write(trainer, to: url, run: run)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try TrainerCheckpoint.restore(try makeTrainer(configuration), from: url)) { error in
            XCTAssertTrue("\(error)".contains(url.lastPathComponent) || "\(error)".lowercased().contains("checksum"),
                          "error names the file or the checksum: \(error)")
        }
    }

    func testSameSeedSameStepsDifferentSeedDifferentSteps() throws {
        let directory = try writeTextureDataset(self)
        let a = takeSteps(try makeTrainer(tinyConfiguration(dataDirectory: directory)), 3)
        let b = takeSteps(try makeTrainer(tinyConfiguration(dataDirectory: directory)), 3)
        let c = takeSteps(try makeTrainer(tinyConfiguration(dataDirectory: directory, seed: 4)), 3)
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "same seed: \(a) vs \(b)")
        XCTAssertNotEqual(a.map(\.bitPattern), c.map(\.bitPattern), "seed 3 vs seed 4")
    }

    func testMissingDatasetNamesThePathAndThePackage() throws {
        let missing = NSTemporaryDirectory() + "no-dataset-\(UUID().uuidString)"
        var configuration = TrainingConfiguration()
        configuration.dataDirectory = missing
        XCTAssertThrowsError(try DataPreparation.load(configuration)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(missing), "names the directory: \(text)")
            XCTAssertTrue(text.contains("dataset-fashion-mnist"), "names the apt package: \(text)")
        }
    }
}

/// `--knn-alpha`: the loss the trainer optimises is the kNN-weighted cross-entropy
/// L = (1/N) Σ w_i·CE_i with w_i = 1 + α·ℓ_i, ℓ_i = −log p_knn(true class of i).
final class KNNWeightedTrainingTests: XCTestCase {
    func testTheTrainerStepsDownTheKNNWeightedLossComputedInDouble() throws {
        let data = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: data, epochs: 1)
        configuration.knnAlpha = 0.5
        configuration.batchSize = 250          // one step sees every training example
        configuration.augment = false
        configuration.momentum = 0
        configuration.weightDecay = 0
        configuration.labelSmoothing = 0
        configuration.similarityPenalty = 0
        configuration.schedule = "constant"
        let trainer = try makeTrainer(configuration)
        let train = trainer.data.train
        XCTAssertEqual(train.count, 250)
        let miner = HardExampleMiner(configuration: configuration, data: trainer.data)
        let knn = miner.knnProbabilities(model: trainer.model)
        let weights = miner.lossWeights(knnProbabilities: knn)
        // w = 1 + α·ℓ, in Double from the vote.
        for i in 0..<train.count {
            let p = Double(knn[i * train.classCount + train.labels[i]])
            XCTAssertEqual(Double(weights[i]), 1 + 0.5 * -max(log(min(max(p, 0), 1)), -100), accuracy: 1e-4, "weight \(i)")
        }
        XCTAssertGreaterThan(weights.max()! - weights.min()!, 0.5, "the weights differ between examples")
        trainer.exampleWeights = weights

        let parameters = trainer.model.parameters
        let before = parameters.map(\.value.scalars)
        let report = trainer.step()
        let rate = Double(report.learningRate)
        XCTAssertGreaterThan(rate, 0)
        // The gradient the trainer applied: g = (θ0 − θ1)/lr.
        let gradient = zip(before, parameters).map { zip($0, $1.value.scalars).map { (Double($0) - Double($1)) / rate } }
        let norm = gradient.joined().reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertGreaterThan(norm, 1e-3)

        let batch = train.batch(Array(0..<train.count))
        func loss(at offset: Double, weighted: Bool) -> Double {
            for (parameter, (start, g)) in zip(parameters, zip(before, gradient)) {
                parameter.value = Tensor(shape: parameter.value.shape,
                                         scalars: zip(start, g).map { Float(Double($0) + offset * $1 / norm) })
            }
            let logits = trainer.model.forward(batch.images, mode: .training)
            let classes = train.classCount
            var total = 0.0
            for n in 0..<train.count {
                let row = (0..<classes).map { Double(logits.scalars[n * classes + $0]) }
                let top = row.max()!
                let logSum = top + log(row.reduce(0) { $0 + exp($1 - top) })
                total += (weighted ? Double(weights[n]) : 1) * (logSum - row[batch.labels[n]])
            }
            return total / Double(train.count)
        }
        // Along g/‖g‖ the weighted loss must fall at the rate ‖g‖ (central differences);
        // the unweighted loss falls at another rate, so this tells the two apart.
        let epsilon = 1e-2
        let weightedSlope = (loss(at: epsilon, weighted: true) - loss(at: -epsilon, weighted: true)) / (2 * epsilon)
        let plainSlope = (loss(at: epsilon, weighted: false) - loss(at: -epsilon, weighted: false)) / (2 * epsilon)
        XCTAssertEqual(weightedSlope, norm, accuracy: 3e-2 * norm, "the step follows the gradient of Σ w·CE / N")
        XCTAssertGreaterThan(abs(plainSlope - norm), 0.1 * norm, "the unweighted loss would give another slope")
    }
}
