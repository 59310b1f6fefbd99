#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// How a worker's training session ends besides finishing: a loss that diverges fails the
/// run, and a pause during the final kNN evaluation holds the evaluation until resumed.
final class SessionEndingTests: XCTestCase {
    /// The learning rate jumps from 0.05 to 5·10¹⁸ when epoch 2 starts (step 9): the weights
    /// blow up and the loss is no longer finite a few steps later, still in epoch 2.
    func testADivergedRunEndsFailedSayingWhereAndKeepsTheCheckpointBefore() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 3, extra: ["--no-knn-eval", "--schedule", "step:0.34;factor=100000000000000000000"])
        let status = try harness.waitForState(run, [.finished, .failed, .stopped])
        XCTAssertEqual(status.state, .failed, "a diverged run is not reported finished")
        let message = status.lastError ?? ""
        XCTAssertNotNil(message.range(of: #"^diverged at epoch 2, step (1[0-6]): the training loss is (nan|inf|-inf)$"#,
                                      options: .regularExpression), "status.json says where: \(message)")
        try harness.waitUntil("worker.log to record the divergence", run: run, timeout: 10) {
            LogTail.lastLines(of: run.workerLogURL, count: 5).contains { $0.hasSuffix(" error: " + message) }
        }
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, run.checkpointURL(epoch: 1).lastPathComponent,
                       "latest.ckpt still names the epoch before the divergence")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path).sorted()
        XCTAssertEqual(checkpoints, ["epoch-001.ckpt", "latest.ckpt"], "nothing written after the divergence")
        let kept = try CheckpointFile.read(from: run.checkpointURL(epoch: 1))   // intact: checksum verified
        XCTAssertTrue(kept.arrays.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }, "the kept checkpoint is finite")
        XCTAssertEqual(run.resumePoint().url?.lastPathComponent, "epoch-001.ckpt", "a resume would start from it")
        XCTAssertTrue(SimlabHarness.records(run).allSatisfy { $0.epoch == 1 || $0.interval == .steps },
                      "no epoch-2 summary was recorded")
    }

    /// `simlab pause` during the final kNN evaluation pauses it between batches: the status
    /// says paused with a live heartbeat, nothing of the evaluation is written, and `simlab
    /// resume` lets it finish. The worker is frozen (SIGSTOP) from the moment its log
    /// announces the evaluation until the pause signal is queued, so the pause cannot miss
    /// the phase however fast the machine; the pause itself goes through the real CLI.
    func testAPauseDuringTheFinalEvaluationHoldsItUntilResumed() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 1, extra: [])
        try harness.waitUntil("the final kNN evaluation to start", run: run, timeout: 90) {
            LogTail.lastLines(of: run.workerLogURL, count: 3).contains { $0.contains(" kNN evaluation: ") }
        }
        let pid = try XCTUnwrap(try run.readStatus().pid)
        XCTAssertTrue(SimlabHarness.isSimlabWorker(pid, runDirectory: run))
        kill(pid, SIGSTOP)
        let pause = try harness.run(["pause", run.id.rawValue, "--runs", harness.runs.path])
        kill(pid, SIGCONT)
        XCTAssertEqual(pause.status, 0, "pause: \(pause.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.evaluationURL.path), "the evaluation had not ended")

        let paused = try harness.waitForState(run, [.paused, .finished, .failed, .stopped])
        XCTAssertEqual(paused.state, .paused, "the pause was honoured, not ignored")
        XCTAssertTrue(LogTail.lastLines(of: run.workerLogURL, count: 5).contains { $0.hasSuffix(" paused during the final kNN evaluation") })
        try harness.waitUntil("a heartbeat while paused", run: run, timeout: 10) {
            (try? run.readStatus()).map { $0.heartbeat > paused.heartbeat } ?? false
        }
        let still = try run.readStatus()
        XCTAssertEqual(still.state, .paused)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.evaluationURL.path), "nothing written while paused")
        XCTAssertFalse(SimlabHarness.records(run).contains { $0.interval == .evaluation }, "no evaluation line while paused")

        let resume = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(resume.status, 0, "resume: \(resume.stderr)")
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        XCTAssertEqual(SimlabHarness.records(run).filter { $0.interval == .evaluation }.count, 1, "one evaluation line")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.evaluationURL.path))
        XCTAssertEqual(try run.readStatus().pid, pid, "the same worker finished it")
    }
}
