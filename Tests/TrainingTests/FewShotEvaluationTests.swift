import Foundation
import Neighbours
import RunStore
@testable import Training
import XCTest

/// `--classes` keeps the other classes out of every split, and `FewShotEvaluator` draws its
/// episodes from them.
final class FewShotEvaluationTests: XCTestCase {
    func makeRun(_ configuration: TrainingConfiguration) throws -> RunDirectory {
        let root = try makeDataTemporaryDirectory(self)
        let config = configuration.runConfig(name: nil, dataDirectory: configuration.dataDirectory ?? "", codeVersion: "test")
        return try RunCatalog(root: root).createRun(config: config, status: RunStatus(state: .running))
    }

    func testAClassSubsetKeepsOnlyThoseClassesInEverySplitRelabelledInOrder() throws {
        let directory = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: directory)
        configuration.classes = [0, 2, 4, 6, 8, 9]
        let data = try DataPreparation.load(configuration)
        let original = try LoadedDataset.load(DatasetLocation.resolve(explicit: directory.path))
        for (split, source) in [(data.train, original.train), (data.validation, original.train), (data.test, original.test)] {
            XCTAssertEqual(split.classCount, 6, split.name)
            XCTAssertEqual(split.classNames, ["0", "2", "4", "6", "8", "9"], split.name)
            let indices = try XCTUnwrap(split.sourceIndices)
            for (label, index) in zip(split.labels, indices) {
                XCTAssertEqual(configuration.classes![label], source.labels[index], "label \(label) is class classes[\(label)]")
            }
        }
        XCTAssertEqual(data.test.count, 60, "the test images of those six classes, every one of them")
        XCTAssertEqual(Set(data.train.labels + data.validation.labels), Set(0..<6))
        XCTAssertEqual(data.validation.count, 50)

        var outside = configuration
        outside.classes = [0, 12]
        XCTAssertThrowsError(try DataPreparation.load(outside)) { error in
            XCTAssertTrue("\(error)".contains("--classes names class 12"), "\(error)")
        }
    }

    func testARunTrainedOnSixClassesHasSixOutputsAndIsEvaluatedOnTheOtherFour() throws {
        let directory = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: directory, epochs: 2)
        configuration.classes = [0, 1, 2, 3, 4, 5]
        configuration.knnEvaluate = true
        let run = try makeRun(configuration)
        let host = RecordingHost()
        XCTAssertEqual(try TrainingSession(run: run, host: host).train(resume: false), .finished)
        XCTAssertTrue(host.lines.contains { $0.hasPrefix("classes: 0,1,2,3,4,5 only") }, "\(host.lines)")
        let checkpoint = try CheckpointFile.read(from: XCTUnwrap(run.latestCheckpoint()))
        let headBias = try XCTUnwrap(checkpoint.arrays.first { $0.name.hasPrefix("model/") && $0.name.hasSuffix("bias") && $0.shape == [6] },
                                     "the head has one output per trained class: \(checkpoint.arrays.map { "\($0.name) \($0.shape)" })")
        XCTAssertNotNil(headBias)
        let neighbours = try XCTUnwrap(try run.readNeighbours()).data.results
        XCTAssertEqual(neighbours.classNames.count, 6)
        XCTAssertTrue(neighbours.queries.allSatisfy { $0.label < 6 && $0.neighbours.allSatisfy { $0.label < 6 } },
                      "no held-out class among the test queries or in the feature bank")

        let evaluator = try FewShotEvaluator(run: run, classes: nil)
        XCTAssertEqual(evaluator.classes, [6, 7, 8, 9], "by default the classes the run did not train on")
        XCTAssertTrue(evaluator.heldOut)
        XCTAssertEqual(evaluator.trainedClasses, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(evaluator.checkpoint, "epoch-002")
        let result = try evaluator.evaluate(classifier: .prototype, ways: 4, shots: 1, queries: 5, episodes: 40, seed: 1)
        XCTAssertEqual(result.classes, [6, 7, 8, 9])
        XCTAssertTrue((0...1).contains(result.accuracy))
        XCTAssertGreaterThan(result.ci95, 0, "40 episodes of 20 queries vary")
        XCTAssertEqual(result.ci95, 1.96 * result.standardDeviation / 40.0.squareRoot(), accuracy: 1e-12)
        let again = try evaluator.evaluate(classifier: .prototype, ways: 4, shots: 1, queries: 5, episodes: 40, seed: 1)
        XCTAssertEqual(again.accuracy, result.accuracy, "seeded: the same episodes, the same accuracy")
        let knn = try evaluator.evaluate(classifier: .knn, k: 1, ways: 4, shots: 1, queries: 5, episodes: 40, seed: 1)
        XCTAssertEqual(knn.accuracy, result.accuracy, accuracy: 1e-12, "with one shot the nearest image is the prototype")
        XCTAssertEqual(knn.k, 1)
        XCTAssertNil(result.k)

        XCTAssertThrowsError(try evaluator.evaluate(classifier: .prototype, ways: 5, shots: 1, queries: 5, episodes: 10, seed: 0)) { error in
            XCTAssertTrue("\(error)".hasPrefix("--ways 5 needs 5 held-out classes, but there are 4 (6,7,8,9"), "\(error)")
        }
        XCTAssertThrowsError(try evaluator.evaluate(classifier: .prototype, ways: 4, shots: 5, queries: 15, episodes: 10, seed: 0)) { error in
            XCTAssertTrue("\(error)".contains("take 20 images of each class, but class 6 (6) has only 10 test images"), "\(error)")
        }
        let seen = try FewShotEvaluator(run: run, classes: [5, 6])
        XCTAssertFalse(seen.heldOut, "class 5 was trained on: a reference, not few-shot")
        XCTAssertThrowsError(try FewShotEvaluator(run: run, classes: [6, 6])) { error in
            XCTAssertEqual("\(error)", "--classes lists class 6 twice")
        }
    }

    func testARunOnEveryClassOrWithoutACheckpointIsRefusedWithWhatToDo() throws {
        let directory = try writeTextureDataset(self)
        let run = try makeRun(tinyConfiguration(dataDirectory: directory, epochs: 1))
        XCTAssertThrowsError(try FewShotEvaluator(run: run, classes: nil)) { error in
            XCTAssertTrue("\(error)".contains("has no checkpoint yet"), "\(error)")
        }
        XCTAssertEqual(try TrainingSession(run: run, host: RecordingHost()).train(resume: false), .finished)
        XCTAssertThrowsError(try FewShotEvaluator(run: run, classes: nil)) { error in
            XCTAssertTrue("\(error)".contains("trained on all 10 classes"), "\(error)")
            XCTAssertTrue("\(error)".contains("--classes 0,1,2,3,4,5") && "\(error)".contains("--classes 6,7,8,9"), "\(error)")
        }
        XCTAssertFalse(try FewShotEvaluator(run: run, classes: [6, 7, 8, 9]).heldOut)
    }
}
