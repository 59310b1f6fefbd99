import Foundation
import RunStore
import XCTest

/// The real binary: a run's status.json names its worker through the executor seam (the
/// local executor: this host and the worker's pid), and an unknown executor is refused
/// before anything is created.
final class LocalExecutorTests: XCTestCase {
    func testAWorkerRecordsItsLocalHandle() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 50)
        let status = try harness.waitForState(run, [.running])
        let worker = try XCTUnwrap(status.worker, "status.json names the worker")
        XCTAssertEqual(worker.executor, "local")
        XCTAssertEqual(worker.host, WorkerHandle.currentHost)
        XCTAssertEqual(worker.id, status.pid.map(String.init))
        XCTAssertNotNil(status.pidStartTime)
        let listed = try harness.run(["runs", "--runs", harness.runs.path])
        XCTAssertTrue(listed.stdout.contains("running"), listed.stdout)
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        let stopped = try harness.waitForState(run, [.stopped, .failed, .finished])
        XCTAssertEqual(stopped.state, .stopped)
        XCTAssertEqual(stopped.worker?.id, worker.id, "the handle stays as a record of who trained it")
    }

    func testAnUnknownExecutorIsRefusedBeforeAnythingIsCreated() throws {
        let harness = try SimlabHarness(self)
        let output = try harness.run(["train", "--data", harness.data.path, "--executor", "kubernetes", "--runs", harness.runs.path])
        XCTAssertEqual(output.status, 64)
        XCTAssertTrue(output.stderr.contains("unknown executor 'kubernetes' (choose one of: local"), output.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.runs.path), "nothing created")
    }
}
