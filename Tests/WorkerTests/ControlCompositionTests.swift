import Foundation
import RunStore
import XCTest

/// The real binary: control commands issued back to back compose, because each waits for
/// the transition it started (issue: `pause; resume` used to leave the run paused, `stop;
/// resume` to leave it stopped).
final class ControlCompositionTests: XCTestCase {
    func testPauseResumeAndStopResumeBackToBack() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 50)
        _ = try harness.waitForState(run, [.running])
        func control(_ command: String) throws -> String {
            let output = try harness.run([command, run.id.rawValue, "--runs", harness.runs.path])
            XCTAssertEqual(output.status, 0, "\(command): \(output.stderr)")
            return output.stdout
        }
        for round in 1...3 {
            XCTAssertEqual(try control("pause"), "paused \(run.id)\n", "round \(round)")
            XCTAssertEqual(try run.readStatus().state, .paused, "pause returns once the worker has paused")
            XCTAssertEqual(try control("resume"), "resumed \(run.id)\n", "round \(round)")
            XCTAssertEqual(try run.readStatus().state, .running, "round \(round): resume right after pause resumes")
        }
        let stepBefore = try run.readStatus().step
        XCTAssertEqual(try control("stop"), "stopped \(run.id)\n")
        XCTAssertEqual(try run.readStatus().state, .stopped, "stop returns once the checkpoint is written")
        XCTAssertEqual(try control("resume"), "resumed \(run.id)\n", "resume right after stop continues")
        let resumed = try harness.waitForState(run, [.running])
        XCTAssertGreaterThanOrEqual(resumed.step, stepBefore)
        try harness.waitUntil("the new worker continues from the stop's checkpoint", run: run) {
            LogTail.lastLines(of: run.workerLogURL, count: 40).contains { $0.contains("resumed from step-") }
        }
        _ = try control("stop")
    }
}
