import Foundation
import NeuralNetwork
import RunStore
@testable import Training
import XCTest

/// `--kernel-shape` end to end: the model gets the mask, learned scores train through the
/// estimator reproducibly and survive a checkpoint, and kernel snapshots carry the shape.
final class KernelShapeTrainingTests: XCTestCase {
    func testLearnedShapesTrainReproduciblyAndRoundTripThroughACheckpoint() throws {
        let data = try writeTextureDataset(self)
        for variant in ["static-diag", "dynamic-diag"] {
            var configuration = tinyConfiguration(dataDirectory: data, epochs: 3)
            configuration.variant = variant
            configuration.metaHidden = 4
            configuration.kernelShape = "learned:5"
            let trainer = try makeTrainer(configuration), twin = try makeTrainer(configuration)
            let layers = trainer.model.similarityLayers
            XCTAssertTrue(layers.allSatisfy { $0.tapShape == .learned(activeTaps: 5) && $0.tapMask.reduce(0, +) == 5 },
                          variant)
            let initialScores = layers.map { $0.shapeScores!.value }
            let losses = takeSteps(trainer, 6), twinLosses = takeSteps(twin, 6)
            XCTAssertEqual(losses.map(\.bitPattern), twinLosses.map(\.bitPattern), "\(variant): same seed, same steps")
            XCTAssertEqual(layers.map { $0.shapeScores!.value }, twin.model.similarityLayers.map { $0.shapeScores!.value },
                           "\(variant): same scores")
            XCTAssertNotEqual(layers.map { $0.shapeScores!.value }, initialScores, "\(variant): the estimator moves the scores")

            let run = RunDirectory(url: try makeDataTemporaryDirectory(self))
            let url = run.checkpointURL(epoch: 1)
            try TrainerCheckpoint.write(trainer, to: url, run: run)
            let restored = try makeTrainer(configuration)
            try TrainerCheckpoint.restore(restored, from: url)
            XCTAssertEqual(restored.model.similarityLayers.map(\.tapMask), layers.map(\.tapMask), "\(variant): masks")
            XCTAssertEqual(takeSteps(restored, 3).map(\.bitPattern), takeSteps(trainer, 3).map(\.bitPattern),
                           "\(variant): same next steps after a checkpoint")
        }
    }

    /// A checkpoint of a run from before --kernel-shape (config.json without the key: full)
    /// loads: the model it builds has no scores to look for.
    func testARunWithoutKernelShapeBuildsTheUnshapedModelAndLoadsItsCheckpoint() throws {
        let data = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: data, epochs: 1)
        configuration.variant = "static-diag"
        var settings = configuration.settingsObject
        settings["kernelShape"] = nil
        let old = try TrainingConfiguration(settings: settings)
        XCTAssertEqual(old.kernelShape, "full")
        let trainer = try makeTrainer(old)
        XCTAssertTrue(trainer.model.similarityLayers.allSatisfy { $0.shapeScores == nil && $0.tapShape == .full })
        XCTAssertFalse(ParameterArchive(trainer.model).names.contains { $0.hasSuffix("shapeScores") })
        takeSteps(trainer, 1)
        let run = RunDirectory(url: try makeDataTemporaryDirectory(self))
        try TrainerCheckpoint.write(trainer, to: run.checkpointURL(epoch: 1), run: run)
        XCTAssertNoThrow(try TrainerCheckpoint.restore(try makeTrainer(old), from: run.checkpointURL(epoch: 1)))
    }

    func testKernelSnapshotsCarryTheBooleanShapeAndItsFlips() throws {
        let data = try writeTextureDataset(self, trainCount: 120, testCount: 40)
        for (shape, variant) in [("learned:5", "dynamic-diag"), ("cross", "static-diag"), ("full", "static-diag")] {
            var configuration = tinyConfiguration(dataDirectory: data, epochs: 1)
            configuration.variant = variant
            configuration.kernelShape = shape
            let trainer = try makeTrainer(configuration)
            takeSteps(trainer, 3)
            let run = RunDirectory(url: try makeDataTemporaryDirectory(self))
            try KernelSnapshotWriter.write(model: trainer.model, epoch: 1, data: trainer.data, run: run)
            let read = try XCTUnwrap(run.readKernelSnapshot(epoch: 1), shape)
            for (layer, model) in zip(read.layers, trainer.model.similarityLayers) {
                if shape == "full" {
                    XCTAssertNil(layer.tapMask, shape)
                    XCTAssertNil(layer.kernelShape, shape)
                    continue
                }
                XCTAssertEqual(layer.kernelShape, shape)
                XCTAssertEqual(layer.tapMask, model.tapMask.map { Int($0) }, shape)
                XCTAssertEqual(layer.tapMask?.reduce(0, +), 5, shape)
                XCTAssertEqual(layer.tapFlips?.count, 9, shape)
                if shape == "cross" { XCTAssertEqual(layer.tapFlips, [Int](repeating: 0, count: 9), "a fixed shape never flips") }
                // The maps are of M·D: an inactive tap shows 0.
                for t in 0..<9 where layer.tapMask![t] == 0 { XCTAssertEqual(layer.shapeMap?[t], 0, "\(shape) tap \(t)") }
            }
            XCTAssertTrue(trainer.model.similarityLayers.allSatisfy { $0.tapFlips.allSatisfy { $0 == 0 } },
                          "\(shape): the snapshot took the flips")
        }
    }
}
