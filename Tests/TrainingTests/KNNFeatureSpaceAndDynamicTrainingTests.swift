import Foundation
import NeuralNetwork
import RunStore
@testable import Training
import XCTest

/// The kNN vote of a feature matrix [N×D], in Double from the raw features: rows centred by
/// their mean and normalised (cosine), each row's k best other rows (similarity descending,
/// index ascending on ties), weights exp((s − s_best)/T). Returns p [N×C].
func doubleKNNVote(features: [Float], count: Int, dimension d: Int, labels: [Int], classCount: Int,
                   k: Int, temperature: Double) -> [Double] {
    let mean = (0..<d).map { p in (0..<count).reduce(0.0) { $0 + Double(features[$1 * d + p]) } / Double(count) }
    let rows: [[Double]] = (0..<count).map { i in
        let centred = (0..<d).map { Double(features[i * d + $0]) - mean[$0] }
        let norm = centred.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 1e-12 ? centred.map { $0 / norm } : centred.map { _ in 0 }
    }
    var probabilities = [Double](repeating: 0, count: count * classCount)
    for i in 0..<count {
        var scored: [(s: Double, j: Int)] = []
        for j in 0..<count where j != i {
            var s = 0.0
            for p in 0..<d { s += rows[i][p] * rows[j][p] }
            scored.append((s, j))
        }
        scored.sort { $0.s != $1.s ? $0.s > $1.s : $0.j < $1.j }
        let best = scored[0].s
        var total = 0.0
        for (s, j) in scored.prefix(k) {
            let w = exp((s - best) / temperature)
            probabilities[i * classCount + labels[j]] += w
            total += w
        }
        for c in 0..<classCount { probabilities[i * classCount + c] /= total }
    }
    return probabilities
}

final class KNNFeatureSpaceTests: XCTestCase {
    private func configuration(_ features: String, data: URL) -> TrainingConfiguration {
        var configuration = tinyConfiguration(dataDirectory: data, epochs: 2)
        configuration.knnAlpha = 0.5
        configuration.knnFeatures = features
        return configuration
    }

    private func assertVote(_ probabilities: [Float], features: [Float], dimension: Int, data: DataSplits,
                            _ configuration: TrainingConfiguration, _ label: String) {
        let train = data.train
        let expected = doubleKNNVote(features: features, count: train.count, dimension: dimension, labels: train.labels,
                                     classCount: train.classCount, k: configuration.knnK,
                                     temperature: Double(Float(configuration.knnTemperature)))
        XCTAssertEqual(probabilities.count, expected.count, label)
        let worst = zip(probabilities, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 2e-3, "\(label): vote differs from the Double oracle by \(worst)")
    }

    /// `--knn-features model`: the vote is over the trained network's current penultimate
    /// features, recomputed each time (the network changes), not cached.
    func testModelFeaturesFollowTheNetworkBeingTrained() throws {
        let data = try writeTextureDataset(self)
        let configuration = configuration("model", data: data)
        let trainer = try makeTrainer(configuration)
        let miner = HardExampleMiner(configuration: configuration, data: trainer.data)
        let first = miner.knnProbabilities(model: trainer.model)
        let features = Evaluation.run(model: trainer.model, dataset: trainer.data.train, keepFeatures: true, batchSize: 250, afterBatch: {})
        assertVote(first, features: try XCTUnwrap(features.features), dimension: features.featureCount,
                   data: trainer.data, configuration, "model features before training")
        takeSteps(trainer, 8)
        let second = miner.knnProbabilities(model: trainer.model)
        XCTAssertNotEqual(first, second, "model features change as the network trains")
        let trained = Evaluation.run(model: trainer.model, dataset: trainer.data.train, keepFeatures: true, batchSize: 250, afterBatch: {})
        assertVote(second, features: try XCTUnwrap(trained.features), dimension: trained.featureCount,
                   data: trainer.data, configuration, "model features after 8 steps")
    }

    /// `--knn-features frozen:RUN`: the vote is over another run's checkpointed network,
    /// whatever the current network does, and stays fixed as it trains.
    func testFrozenFeaturesComeFromTheOtherRunsCheckpoint() throws {
        let data = try writeTextureDataset(self)
        let runs = try makeDataTemporaryDirectory(self)
        // The other run: trained 8 steps, checkpointed in the same runs directory.
        let otherConfiguration = tinyConfiguration(dataDirectory: data, epochs: 1, seed: 11)
        let other = try makeTrainer(otherConfiguration)
        takeSteps(other, 8)
        let otherRun = try RunCatalog(root: runs).createRun(
            config: otherConfiguration.runConfig(name: "frozen-source", dataDirectory: data.path, codeVersion: "test"),
            status: RunStatus(state: .finished))
        try TrainerCheckpoint.write(other, to: otherRun.checkpointURL(epoch: 1), run: otherRun)

        let configuration = configuration("frozen:\(otherRun.id.rawValue)", data: data)
        let frozen = try XCTUnwrap(try FrozenFeatures.model(configuration, runsDirectory: runs, classCount: 10,
                                                            imageHeight: 14, imageWidth: 14))
        let trainer = try makeTrainer(configuration)
        let miner = HardExampleMiner(configuration: configuration, data: trainer.data, frozenModel: frozen)
        let first = miner.knnProbabilities(model: trainer.model)
        let features = Evaluation.run(model: other.model, dataset: trainer.data.train, keepFeatures: true, batchSize: 250, afterBatch: {})
        assertVote(first, features: try XCTUnwrap(features.features), dimension: features.featureCount,
                   data: trainer.data, configuration, "frozen features of the other run's network")
        let own = Evaluation.run(model: trainer.model, dataset: trainer.data.train, keepFeatures: true, batchSize: 250, afterBatch: {})
        let ownVote = doubleKNNVote(features: try XCTUnwrap(own.features), count: trainer.data.train.count,
                                    dimension: own.featureCount, labels: trainer.data.train.labels, classCount: 10,
                                    k: configuration.knnK, temperature: Double(Float(configuration.knnTemperature)))
        XCTAssertGreaterThan(zip(first, ownVote).map { abs(Double($0) - $1) }.max()!, 1e-2,
                             "the vote is not over the current network's features")
        takeSteps(trainer, 8)
        XCTAssertEqual(miner.knnProbabilities(model: trainer.model), first, "frozen features do not follow training")
    }
}

/// A dynamic variant trained end to end: a few steps lower the loss, and a checkpoint
/// restores a trainer that continues bit for bit (the meta-network's BatchNorm buffers too).
final class DynamicVariantTrainingTests: XCTestCase {
    func testDynamicVariantsTrainAndRoundTripThroughACheckpoint() throws {
        let data = try writeTextureDataset(self)
        for variant in ["dynamic-diag", "dynamic-full"] {
            var configuration = tinyConfiguration(dataDirectory: data, epochs: 3)
            configuration.variant = variant
            configuration.metaHidden = 4
            let trainer = try makeTrainer(configuration)
            XCTAssertFalse(trainer.model.similarityLayers.isEmpty, "\(variant): the model has similarity layers")
            XCTAssertTrue(trainer.model.similarityLayers.allSatisfy { $0.metaNetwork != nil && $0.bias == nil },
                          "\(variant): dynamic, no-bias layers as nsn-lite builds them")
            let losses = takeSteps(trainer, 16)
            XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(variant): finite losses \(losses)")
            let early = losses.prefix(4).reduce(0, +) / 4, late = losses.suffix(4).reduce(0, +) / 4
            XCTAssertLessThan(late, early - 0.05, "\(variant): the loss falls (\(losses))")

            let run = RunDirectory(url: try makeDataTemporaryDirectory(self))
            let url = run.checkpointURL(epoch: 2)
            try TrainerCheckpoint.write(trainer, to: url, run: run)
            let restored = try makeTrainer(configuration)
            try TrainerCheckpoint.restore(restored, from: url)
            XCTAssertEqual(restored.progress, trainer.progress, "\(variant): progress")
            for (a, b) in zip(ParameterArchive(trainer.model).entries, ParameterArchive(restored.model).entries) {
                XCTAssertEqual(a.name, b.name)
                XCTAssertEqual(a.values, b.values, "\(variant): archived \(a.name) (buffers included)")
            }
            let test = trainer.data.test.batch(Array(0..<20)).images
            XCTAssertEqual(restored.model.forward(test, mode: .inference).scalars,
                           trainer.model.forward(test, mode: .inference).scalars, "\(variant): same predictions")
            let continued = takeSteps(trainer, 4), repeated = takeSteps(restored, 4)
            XCTAssertEqual(repeated.map(\.bitPattern), continued.map(\.bitPattern), "\(variant): same next steps")
        }
    }
}
