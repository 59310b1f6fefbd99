import Foundation
import XCTest
@testable import RunStore

/// fewshot.json: one entry per setting, a new evaluation replacing the old one of its
/// setting; unreadable entries are left out, a newer schema is refused.
final class FewShotResultsTests: XCTestCase {
    /// A run folder inside a runs folder (its lock file goes beside it, in `.locks`).
    private func makeRun() throws -> RunDirectory {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("20261206-110000-abcd")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return RunDirectory(url: url)
    }

    static func evaluation(shots: Int, classifier: String = "prototype", classes: [Int] = [6, 7, 8, 9],
                           accuracy: Double = 0.7) -> FewShotResults.Evaluation {
        FewShotResults.Evaluation(classifier: classifier, k: classifier == "knn" ? 1 : nil, ways: 4, shots: shots,
                                  queries: 15, episodes: 600, seed: 0, classes: classes, heldOut: true,
                                  checkpoint: "epoch-006", evaluatedAt: "2026-12-06T11:00:00Z",
                                  accuracy: accuracy, ci95: 0.008, standardDeviation: 0.1)
    }

    func testEvaluationsAreRecordedPerSettingAndRoundTrip() throws {
        let run = try makeRun()
        XCTAssertNil(try run.readFewShot(), "no file before the first evaluation")
        try run.recordFewShot(Self.evaluation(shots: 5))
        try run.recordFewShot(Self.evaluation(shots: 1))
        try run.recordFewShot(Self.evaluation(shots: 1, classifier: "knn"))
        try run.recordFewShot(Self.evaluation(shots: 1, classes: [0, 1, 2, 3]))
        let replaced = try run.recordFewShot(Self.evaluation(shots: 5, accuracy: 0.8))
        let read = try XCTUnwrap(try run.readFewShot())
        XCTAssertEqual(read, replaced)
        XCTAssertEqual(read.evaluations.map(\.shots), [1, 1, 5, 1], "sorted by classes, classifier (prototype first), shots")
        XCTAssertEqual(read.evaluations.map(\.classifier), ["prototype", "prototype", "prototype", "knn"])
        XCTAssertEqual(read.evaluations[0].classes, [0, 1, 2, 3])
        XCTAssertEqual(read.evaluations[2].accuracy, 0.8, "the same setting again replaces the older result")
        let text = String(decoding: try Data(contentsOf: run.fewShotURL), as: UTF8.self)
        XCTAssertTrue(text.contains("\"schemaVersion\":1"), text)
        XCTAssertTrue(text.contains("\"ci95\":0.008"), text)
    }

    func testUnreadableEntriesAreLeftOutAndANewerSchemaRefused() throws {
        let run = try makeRun()
        try Data(#"""
        {"evaluations":[{"classifier":"prototype","ways":4,"shots":1,"queries":15,"episodes":600,"accuracy":0.7,"classes":[6,7]},
                        {"classifier":"prototype","ways":0,"shots":1,"queries":15,"episodes":600,"accuracy":0.7},
                        {"classifier":"knn","ways":4,"shots":1,"queries":15,"episodes":600,"accuracy":"high"}]}
        """#.utf8).write(to: run.fewShotURL)
        let read = try XCTUnwrap(try run.readFewShot())
        XCTAssertEqual(read.evaluations.count, 1)
        XCTAssertEqual(read.skipped, 2)
        XCTAssertEqual(read.evaluations[0].ci95, 0, "a missing interval reads as none")
        XCTAssertTrue(read.evaluations[0].heldOut)
        try Data(#"{"schemaVersion":2,"evaluations":[]}"#.utf8).write(to: run.fewShotURL)
        XCTAssertThrowsError(try run.readFewShot()) { error in
            XCTAssertTrue("\(error)".contains("schemaVersion 2") && "\(error)".contains("fewshot.json"), "\(error)")
        }
        XCTAssertThrowsError(try run.recordFewShot(Self.evaluation(shots: 1)), "an unreadable file is never overwritten")
    }
}
