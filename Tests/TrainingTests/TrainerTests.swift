import Foundation
import NeuralNetwork
import RunStore
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
