#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// How a worker's training session ends besides finishing: a loss that diverges fails the run.
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
}
