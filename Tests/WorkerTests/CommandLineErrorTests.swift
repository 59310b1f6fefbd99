import Foundation
import RunStore
import XCTest

/// Out-of-range numbers get range errors, and a one-dash word is an error, never help.
final class CommandLineErrorTests: XCTestCase {
    func testNegativeSeedAndSlotsSayTheRange() throws {
        let harness = try SimlabHarness(self)
        let cases: [(arguments: [String], reason: String)] = [
            (["train", "--data", harness.data.path, "--seed", "-1"], "--seed needs a whole number ≥ 0, got '-1'"),
            (["train", "--data", harness.data.path, "--seed", "1.5"], "--seed needs a whole number ≥ 0, got '1.5'"),
            (["queue", "--slots", "-1"], "--slots must be in 1...64, got -1"),
            (["queue", "--slots", "0"], "--slots must be in 1...64, got 0"),
        ]
        for (arguments, reason) in cases {
            let output = try harness.run(arguments + ["--runs", harness.runs.path])
            XCTAssertNotEqual(output.status, 0, "\(arguments)")
            XCTAssertTrue(output.stderr.contains(reason), "\(arguments): stderr should say '\(reason)', got:\n\(output.stderr)")
            XCTAssertFalse(output.stderr.contains("Missing value"), "\(arguments): \(output.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.runs.path), "nothing created")
    }

    func testAOneDashWordIsAnErrorNotHelp() throws {
        let harness = try SimlabHarness(self)
        for arguments in [["resume", "-dash"], ["rm", "-yes"], ["-dash"], ["train", "-epochs", "3"], ["runs", "-runs", "x"]] {
            let output = try harness.run(arguments + ["--runs", harness.runs.path])
            XCTAssertEqual(output.status, 64, "\(arguments): \(output.stdout)")
            XCTAssertTrue(output.stderr.contains("unknown option '\(arguments.first { $0.hasPrefix("-") }!)'"), "\(arguments): \(output.stderr)")
            XCTAssertFalse(output.stdout.contains("OVERVIEW"), "\(arguments) prints no help: \(output.stdout)")
        }
        // A value that starts with a dash is still a value, and after `--` anything is an argument.
        XCTAssertTrue(try harness.run(["train", "--lr", "-inf", "--runs", harness.runs.path]).stderr.contains("--lr must be in (0, 10], got -inf"))
        XCTAssertTrue(try harness.run(["resume", "--runs", harness.runs.path, "--", "-dash"]).stderr.contains("no run '-dash'"))
        XCTAssertEqual(try harness.run(["rm", "-h"]).status, 0, "-h is help")
    }
}
