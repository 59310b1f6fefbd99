#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// The real binary: `resume` never silently starts over a run that has recorded epochs,
/// and falls back to the newest intact checkpoint when newer ones are damaged.
final class ResumeSafetyTests: XCTestCase {
    /// A long run (it never finishes within the test) stopped once epoch 2 is recorded and
    /// checkpointed: the stop leaves epoch-001, epoch-002 and a step checkpoint.
    private func runStoppedAfterTwoEpochs(_ harness: SimlabHarness) throws -> RunDirectory {
        let run = try harness.launch(epochs: 50)
        try harness.waitUntil("the epoch-2 checkpoint", run: run) {
            FileManager.default.fileExists(atPath: run.checkpointURL(epoch: 2).path)
        }
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(run, [.stopped, .finished, .failed]).state, .stopped)
        XCTAssertGreaterThanOrEqual(run.lastRecordedEpoch(), 2)
        return run
    }

    private func flipPayloadByte(_ url: URL) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count - 20] ^= 0x10
        try Data(bytes).write(to: url)
    }

    private func assertRefused(_ harness: SimlabHarness, _ run: RunDirectory, reason: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let metrics = try Data(contentsOf: run.metricsURL)
        let status = try Data(contentsOf: run.statusURL)
        for extra in [[], ["--foreground"]] {
            let output = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path] + extra)
            XCTAssertEqual(output.status, 1, "resume \(extra) must be refused; stdout: \(output.stdout)", file: file, line: line)
            XCTAssertTrue(output.stderr.contains("recorded epoch") && output.stderr.contains("cannot be resumed")
                          && output.stderr.contains(reason) && output.stderr.contains("nothing was changed"),
                          "resume \(extra): \(output.stderr)", file: file, line: line)
            XCTAssertEqual(try Data(contentsOf: run.metricsURL), metrics, "metrics.jsonl untouched", file: file, line: line)
            XCTAssertEqual(try Data(contentsOf: run.statusURL), status, "status.json untouched", file: file, line: line)
        }
    }

    func testResumeRefusesWhenCheckpointsIsAFileAndWhenEveryCheckpointIsCorrupt() throws {
        let harness = try SimlabHarness(self)
        let run = try runStoppedAfterTwoEpochs(harness)
        let saved = harness.root.appendingPathComponent("saved-checkpoints")
        try FileManager.default.moveItem(at: run.checkpointsURL, to: saved)
        try Data("not a folder".utf8).write(to: run.checkpointsURL)
        try assertRefused(harness, run, reason: "is a file, not a folder of checkpoints")

        try FileManager.default.removeItem(at: run.checkpointsURL)
        try FileManager.default.copyItem(at: saved, to: run.checkpointsURL)
        for name in try FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path) where name != "latest.ckpt" {
            try flipPayloadByte(run.checkpointsURL.appendingPathComponent(name))
        }
        try assertRefused(harness, run, reason: "checkpoint corrupt")

        // With the checkpoints back, the same run resumes.
        try FileManager.default.removeItem(at: run.checkpointsURL)
        try FileManager.default.moveItem(at: saved, to: run.checkpointsURL)
        let resumed = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        try harness.waitUntil("the resumed worker to train", run: run) { (try? run.readStatus().state) == .running }
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        _ = try harness.waitForState(run, [.stopped, .finished, .failed])
    }

    func testACorruptNewestCheckpointFallsBackToTheNewestIntactOne() throws {
        let harness = try SimlabHarness(self)
        let run = try runStoppedAfterTwoEpochs(harness)
        let epochTwo = SimlabHarness.deterministic(run).filter { $0.epoch == 2 && $0.interval == "epoch" }
        XCTAssertEqual(epochTwo.count, 3, "train, val and test lines of epoch 2")
        // The stop checkpoint (latest.ckpt) and epoch-002 are damaged; epoch-001 is intact.
        let names = try FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path)
        let damaged = names.filter { $0.hasPrefix("step-") || $0.hasPrefix("epoch-") && $0 != "epoch-001.ckpt" }
        XCTAssertTrue(damaged.contains("epoch-002.ckpt") && damaged.contains { $0.hasPrefix("step-") }, "\(names)")
        for name in damaged { try flipPayloadByte(run.checkpointsURL.appendingPathComponent(name)) }

        let resumed = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        try harness.waitUntil("epoch 3 recorded after the resume", run: run, timeout: 120) {
            SimlabHarness.records(run).contains { $0.epoch == 3 && $0.interval == .epoch }
        }
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        _ = try harness.waitForState(run, [.stopped, .finished, .failed])
        let log = LogTail.lastLines(of: run.workerLogURL, count: 200).joined(separator: "\n")
        XCTAssertTrue(log.contains("falling back to epoch-001.ckpt, the newest intact checkpoint"), log)
        XCTAssertTrue(log.contains("warning: cannot resume from epoch-002.ckpt") && log.contains("checkpoint corrupt"), log)
        XCTAssertTrue(log.contains("resumed from epoch-001.ckpt at epoch 2"), log)
        let history = SimlabHarness.deterministic(run)
        XCTAssertEqual(history.filter { $0.epoch == 2 && $0.interval == "epoch" }, epochTwo,
                       "epoch 2 trained again from epoch-001 gives the same numbers, recorded once")
        XCTAssertEqual(history.filter { $0.interval == "epoch" }.map(\.epoch).prefix(9), [1, 1, 1, 2, 2, 2, 3, 3, 3])
    }

    /// What a SIGKILL during a checkpoint or status write leaves is removed by the next worker.
    func testAResumedWorkerRemovesTheTemporariesOfTheKilledOne() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 50)
        try harness.waitUntil("the first metrics line", run: run) { SimlabHarness.metricsLineCount(run) >= 1 }
        let pid = try XCTUnwrap(try run.readStatus().pid)
        XCTAssertTrue(SimlabHarness.isSimlabWorker(pid, runDirectory: run))
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        try harness.waitUntil("the worker to die", run: run) { SimlabHarness.isGone(pid) }
        // As the killed worker would have left them mid-write.
        try FileManager.default.createDirectory(at: run.checkpointsURL, withIntermediateDirectories: true)
        let checkpointTemporary = run.checkpointsURL.appendingPathComponent(".epoch-001.ckpt.tmp-\(pid)-2718281828")
        let statusTemporary = run.url.appendingPathComponent(".status.json.tmp-\(pid)-314159")
        try Data(count: 2 << 20).write(to: checkpointTemporary)
        try Data("{\"schemaVersion\":1,\"sta".utf8).write(to: statusTemporary)

        XCTAssertEqual(try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        try harness.waitUntil("the new worker to clean up", run: run) {
            LogTail.lastLines(of: run.workerLogURL, count: 50).contains { $0.contains("removed 2 temporary files a killed worker left") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpointTemporary.path), "stale checkpoint temporary")
        XCTAssertFalse(FileManager.default.fileExists(atPath: statusTemporary.path), "stale status temporary")
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(run, [.stopped, .finished, .failed]).state, .stopped)
    }
}
