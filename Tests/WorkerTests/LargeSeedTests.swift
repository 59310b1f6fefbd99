import Foundation
import RunStore
import XCTest

/// Seeds are integers end to end: above 2^53 (where a JSON number, a Double, would round
/// them) config.json keeps them exactly, the worker trains with them, and `show` prints them.
final class LargeSeedTests: XCTestCase {
    func testSeedsAbove2To53SurviveConfigAndTrainDifferently() throws {
        let harness = try SimlabHarness(self)
        var runs: [String: RunDirectory] = [:]
        for seed in ["9007199254740992", "9007199254740993", "18446744073709551615"] {
            let output = try harness.run(["train"] + SimlabHarness.tinyModel
                                         + ["--epochs", "1", "--seed", seed, "--data", harness.data.path, "--no-knn-eval",
                                            "--runs", harness.runs.path, "--detach"])
            XCTAssertEqual(output.status, 0, output.stderr)
            let run = RunDirectory(url: harness.runs.appendingPathComponent(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
            runs[seed] = run
            let config = try run.readConfig()
            XCTAssertEqual(String(config.seed), seed, "config.json's seed")
            XCTAssertEqual(config.settings["seed"], seed == "9007199254740992" ? .number(9007199254740992) : .string(seed),
                           "settings.seed is exact (a string above 2^53)")
            XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished,
                           "seed \(seed): \(LogTail.lastLines(of: run.workerLogURL, count: 5))")
            let shown = try harness.run(["show", run.id.rawValue, "--runs", harness.runs.path])
            XCTAssertTrue(shown.stdout.contains("--seed \(seed) "), shown.stdout)
        }
        // 2^53 and 2^53 + 1 are the same Double: trained with rounded seeds, they would agree.
        let losses = ["9007199254740992", "9007199254740993"].map { seed in
            SimlabHarness.records(runs[seed]!).filter { $0.split == .train && $0.interval == .epoch }.map(\.loss)
        }
        XCTAssertNotEqual(losses[0], losses[1], "different seeds give different training")
    }
}
