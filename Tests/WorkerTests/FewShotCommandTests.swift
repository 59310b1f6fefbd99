import Foundation
import RunStore
import XCTest

/// `simlab train --classes` and `simlab fewshot` through the real binary: a tiny run on six
/// of the synthetic dataset's ten classes, evaluated on the other four.
final class FewShotCommandTests: XCTestCase {
    func testARunTrainedOnSixClassesIsEvaluatedOnTheOtherFour() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 2, extra: ["--no-knn-eval", "--classes", "5,4,3,2,1,0"])
        _ = try harness.waitForState(run, [.finished])
        let config = try run.readConfig()
        XCTAssertEqual(try config.trainingConfiguration().classes, [0, 1, 2, 3, 4, 5], "config.json records the subset, ascending")

        let json = try harness.run(["fewshot", run.id.rawValue, "--runs", harness.runs.path, "--shots", "1,3",
                                    "--queries", "5", "--episodes", "50", "--seed", "4", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let output = try JSONValue.parse(Array(json.stdout.utf8))
        XCTAssertEqual(output["trainedClasses"], [0, 1, 2, 3, 4, 5])
        let results = try XCTUnwrap(output["results"]?.arrayValue)
        XCTAssertEqual(results.map { $0["shots"] }, [1, 3])
        for result in results {
            XCTAssertEqual(result["classes"], [6, 7, 8, 9], "the held-out classes by default")
            XCTAssertEqual(result["ways"], 4)
            XCTAssertEqual(result["heldOut"], true)
            XCTAssertEqual(result["episodes"], 50)
            let accuracy = try XCTUnwrap(result["accuracy"]?.doubleValue)
            XCTAssertTrue((0...1).contains(accuracy), "\(accuracy)")
            XCTAssertNotNil(result["ci95"]?.doubleValue)
        }
        let recorded = try XCTUnwrap(try run.readFewShot())
        XCTAssertEqual(recorded.evaluations.map(\.shots), [1, 3], "both results are in fewshot.json")
        XCTAssertEqual(recorded.evaluations.map(\.accuracy), results.compactMap { $0["accuracy"]?.doubleValue })

        // Text, the same seed: the same numbers.
        let text = try harness.run(["fewshot", run.id.rawValue, "--runs", harness.runs.path, "--shots", "1",
                                    "--queries", "5", "--episodes", "50", "--seed", "4"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let percent = String(format: "%.2f %%", recorded.evaluations[0].accuracy * 100)
        XCTAssertTrue(text.stdout.contains("4-way 1-shot: \(percent) ± "), text.stdout)
        XCTAssertTrue(text.stdout.contains("episodes on classes 6,7,8,9 (held out), prototype"), text.stdout)

        let refusals: [([String], String)] = [
            (["--ways", "5"], "--ways 5 needs 5 held-out classes, but there are 4"),
            (["--shots", "5", "--queries", "15"], "take 20 images of each class, but class 6 (6) has only 10 test images"),
            (["--classes", "6,6"], "--classes lists class 6 twice"),
            (["--classes", "6,10"], "--classes must name classes in 0...9, got 10"),
            (["--classifier", "svm"], "--classifier must be prototype or knn, got 'svm'"),
            (["--shots", "0"], "--shots must be positive whole numbers"),
        ]
        for (arguments, reason) in refusals {
            let output = try harness.run(["fewshot", run.id.rawValue, "--runs", harness.runs.path] + arguments)
            XCTAssertNotEqual(output.status, 0, "\(arguments)")
            XCTAssertTrue(output.stderr.contains(reason), "\(arguments): stderr should say '\(reason)', got:\n\(output.stderr)")
        }
        XCTAssertEqual(try run.readFewShot()?.evaluations.count, 2, "a refused evaluation records nothing")
    }

    func testBadClassListsAndRunsWithNothingHeldOutAreRefused() throws {
        let harness = try SimlabHarness(self)
        for (list, reason) in [("1,1,2", "--classes lists class 1 twice"), ("3", "--classes needs at least 2 classes"),
                               ("0,11", "--classes names class 11, but the dataset in")] {
            let output = try harness.run(["train", "--data", harness.data.path, "--runs", harness.runs.path, "--classes", list])
            XCTAssertNotEqual(output.status, 0, list)
            XCTAssertTrue(output.stderr.contains(reason), "\(list): \(output.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.runs.path), "nothing created")

        let run = try harness.launch(epochs: 1)
        _ = try harness.waitForState(run, [.finished])
        let all = try harness.run(["fewshot", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertNotEqual(all.status, 0)
        XCTAssertTrue(all.stderr.contains("trained on all 10 classes") && all.stderr.contains("--classes 6,7,8,9"), all.stderr)
        let reference = try harness.run(["fewshot", run.id.rawValue, "--runs", harness.runs.path, "--classes", "6,7,8,9",
                                         "--shots", "1", "--queries", "5", "--episodes", "20"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertTrue(reference.stdout.contains("seen in training: an upper reference, not few-shot"), reference.stdout)
    }
}
