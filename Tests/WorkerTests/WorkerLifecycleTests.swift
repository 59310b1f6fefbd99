#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// The real binary end to end: detached workers, control signals, crash and resume.
/// Every run trains the same tiny model on the same synthetic data, so histories of runs
/// with the same seed must agree bit for bit (time and throughput aside).
final class WorkerLifecycleTests: XCTestCase {
    static let epochs = 3
    static let stepsPerEpoch = 8   // 250 training images, batch 32 (last batch of 26)

    /// The uninterrupted history of seed 7, computed once by the first test that needs it.
    private static var reference: [SimlabHarness.Deterministic]?

    private func referenceHistory() throws -> [SimlabHarness.Deterministic] {
        if let reference = Self.reference { return reference }
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: Self.epochs)
        _ = try harness.waitForState(run, [.finished, .failed, .stopped])
        let history = SimlabHarness.deterministic(run)
        XCTAssertEqual(try run.readStatus().state, .finished, "reference run")
        Self.reference = history
        return history
    }

    func testDetachedRunFinishesWithConsistentFiles() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: Self.epochs)
        let status = try harness.waitForState(run, [.finished, .failed, .stopped])
        XCTAssertEqual(status.state, .finished, "final state; log:\n\(LogTail.lastLines(of: run.workerLogURL, count: 10).joined(separator: "\n"))")
        XCTAssertEqual(status.totalSteps, Self.epochs * Self.stepsPerEpoch)
        XCTAssertEqual(status.step, status.totalSteps)
        XCTAssertEqual(status.epoch, Self.epochs)
        XCTAssertNotNil(status.finishedAt)

        let records = SimlabHarness.records(run)
        for epoch in 1...Self.epochs {
            for split in ["train", "val", "test"] {
                let lines = records.filter { $0.epoch == epoch && $0.split.rawValue == split && $0.interval == .epoch }
                XCTAssertEqual(lines.count, 1, "epoch \(epoch) \(split) summary lines")
                XCTAssertEqual(lines.first?.step, epoch * Self.stepsPerEpoch, "step of the epoch \(epoch) \(split) line")
                XCTAssertNotNil(lines.first?.accuracy, "accuracy of epoch \(epoch) \(split)")
            }
            let stepLines = records.filter { $0.epoch == epoch && $0.interval == .steps }
            // --log-every 2 inside an 8-step epoch: steps 2, 4, 6 (the 8th is the epoch line).
            XCTAssertEqual(stepLines.map(\.step), [2, 4, 6].map { (epoch - 1) * Self.stepsPerEpoch + $0 },
                           "every-2-steps train lines of epoch \(epoch)")
        }
        XCTAssertEqual(records.count, Self.epochs * 6, "no other lines")
        XCTAssertEqual(records.map(\.step), records.map(\.step).sorted(), "steps never go back")

        let fm = FileManager.default
        for epoch in 1...Self.epochs {
            XCTAssertTrue(fm.fileExists(atPath: run.checkpointURL(epoch: epoch).path), "checkpoint of epoch \(epoch)")
        }
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, run.checkpointURL(epoch: Self.epochs).lastPathComponent)
        let checkpoint = try CheckpointFile.read(from: run.checkpointURL(epoch: Self.epochs))
        XCTAssertFalse(checkpoint.arrays.filter { $0.name.hasPrefix("model/") }.isEmpty, "model arrays in the checkpoint")
        XCTAssertFalse(checkpoint.arrays.filter { $0.name.hasPrefix("optimizer/") }.isEmpty, "optimizer state in the checkpoint")
        XCTAssertEqual(run.snapshotEpochs(in: run.kernelsURL), Array(1...Self.epochs), "kernel snapshots per epoch")
        for epoch in 1...Self.epochs { XCTAssertNoThrow(try run.readJSON(from: run.kernelSnapshotURL(epoch: epoch))) }
        XCTAssertFalse(fm.fileExists(atPath: run.evaluationURL.path),
                       "--no-knn-eval writes no evaluation")
        // The worker logs "finished" just after it writes the final status.
        try harness.waitUntil("worker.log to say finished", run: run, timeout: 10) {
            LogTail.lastLines(of: run.workerLogURL, count: 1).first?.hasSuffix(" finished") ?? false
        }
        let log = LogTail.lastLines(of: run.workerLogURL, count: 50)
        XCTAssertEqual(log.filter { $0.contains(" epoch ") && $0.contains("/\(Self.epochs): train loss") }.count, Self.epochs,
                       "one log line per epoch: \(log)")
        XCTAssertEqual(log.filter { $0.range(of: #"worker \d+: simlab .*, binary /.*simlab, \d+ bytes, crc32 [0-9a-f]{8}$"#,
                                             options: .regularExpression) != nil }.count, 1,
                       "the worker names the binary that trained the run: \(log)")

        if Self.reference == nil { Self.reference = SimlabHarness.deterministic(run) }

        let json = try harness.run(["export", run.id.rawValue, "--json", "--runs", harness.runs.path])
        XCTAssertEqual(json.status, 0, "export --json: \(json.stderr)")
        let exported = json.stdout.split(separator: "\n").map { MetricRecord.parse(line: String($0)) }
        XCTAssertEqual(exported.compactMap { $0 }.map(SimlabHarness.Deterministic.init), records.map(SimlabHarness.Deterministic.init),
                       "export --json gives back the metrics")
        let csv = try harness.run(["export", run.id.rawValue, "--csv", "--runs", harness.runs.path])
        let rows = csv.stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, records.count + 1, "export --csv: a header and a row per record")
        XCTAssertTrue(rows.first?.hasPrefix("time,epoch,step,split,") ?? false, "csv header: \(rows.first ?? "")")
        XCTAssertEqual(csv.stderr, "", "no warnings for an intact file")
        // A damaged line is skipped with a warning on stderr; stdout stays machine-readable.
        let handle = try FileHandle(forWritingTo: run.metricsURL)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("garbage\n".utf8))
        try handle.close()
        let damaged = try harness.run(["export", run.id.rawValue, "--csv", "--runs", harness.runs.path])
        XCTAssertEqual(damaged.status, 0)
        XCTAssertEqual(damaged.stdout, csv.stdout)
        XCTAssertTrue(damaged.stderr.contains("skipped 1 unreadable line (line \(records.count + 1))"), damaged.stderr)
        let listing = try harness.run(["runs", "--runs", harness.runs.path])
        let row = listing.stdout.split(separator: "\n").first { $0.hasPrefix(run.id.rawValue) }
        XCTAssertNotNil(row, "`simlab runs` lists the run: \(listing.stdout)")
        XCTAssertTrue(row?.contains("finished") ?? false, "`simlab runs` row: \(row ?? "")")
        XCTAssertTrue(row?.contains("\(Self.epochs)/\(Self.epochs)") ?? false, "`simlab runs` epochs: \(row ?? "")")
    }

    func testSameSeedGivesIdenticalMetricsAndAnotherSeedDoesNot() throws {
        let reference = try referenceHistory()
        let harness = try SimlabHarness(self)
        let same = try harness.launch(epochs: Self.epochs)
        let other = try harness.launch(epochs: Self.epochs, seed: 8)
        for run in [same, other] {
            XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped], timeout: 150).state, .finished)
        }
        assertSameHistory(SimlabHarness.deterministic(same), reference, "same seed, threads and data")
        XCTAssertNotEqual(SimlabHarness.deterministic(other).filter { $0.interval == "epoch" },
                          reference.filter { $0.interval == "epoch" }, "seed 8 should train differently from seed 7")
    }

    func testPauseHoldsMetricsAndResumeFinishes() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 2)
        try harness.waitUntil("the first metrics line", run: run) { SimlabHarness.metricsLineCount(run) >= 1 }

        let pause = try harness.run(["pause", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(pause.status, 0, "pause: \(pause.stderr)")
        _ = try harness.waitForState(run, [.paused], timeout: 30)
        let pausedStatus = try run.readStatus()
        let linesWhenPaused = SimlabHarness.metricsLineCount(run)
        // Watch for a while: nothing is appended and the state stays paused, with a live pid.
        let watchUntil = Date().addingTimeInterval(2.5)
        while Date() < watchUntil {
            XCTAssertEqual(SimlabHarness.metricsLineCount(run), linesWhenPaused, "metrics lines written while paused")
            XCTAssertEqual(try run.readStatus().state, .paused, "state while paused")
            usleep(100_000)
        }
        XCTAssertEqual(try run.readStatus().step, pausedStatus.step, "steps taken while paused")
        let listing = try harness.run(["runs", "--runs", harness.runs.path])
        XCTAssertTrue(listing.stdout.contains("paused"), "`simlab runs` shows paused: \(listing.stdout)")

        let resume = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(resume.status, 0, "resume: \(resume.stderr)")
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        let starts = LogTail.lastLines(of: run.workerLogURL, count: 200).filter { $0.contains(": simlab ") && $0.contains(" crc32 ") }
        XCTAssertEqual(starts.count, 1, "pause and resume keep the one worker: \(starts)")
        let epochLines = SimlabHarness.records(run).filter { $0.interval == .epoch && $0.split == .test }
        XCTAssertEqual(epochLines.map(\.epoch), [1, 2], "test lines per epoch after pause/resume")
    }

    func testStopWritesStepCheckpointAndResumeRepeatsTheUninterruptedRun() throws {
        let reference = try referenceHistory()
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: Self.epochs)
        try harness.waitUntil("a step line of epoch 2", run: run) {
            SimlabHarness.records(run).contains { $0.epoch == 2 && $0.interval == .steps }
        }
        let stop = try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(stop.status, 0, "stop: \(stop.stderr)")
        let stopped = try harness.waitForState(run, [.stopped, .finished, .failed])
        XCTAssertEqual(stopped.state, .stopped, "state after stop")
        let stepCheckpoint = run.checkpointURL(named: String(format: "step-%07d", stopped.step))
        XCTAssertTrue(FileManager.default.fileExists(atPath: stepCheckpoint.path),
                      "a checkpoint at the stop step \(stopped.step): \(stepCheckpoint.lastPathComponent)")
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, stepCheckpoint.lastPathComponent, "latest checkpoint")
        XCTAssertLessThan(stopped.step, Self.epochs * Self.stepsPerEpoch, "stopped before the end")
        let beforeResume = SimlabHarness.records(run)
        XCTAssertTrue(beforeResume.allSatisfy { $0.step <= stopped.step }, "no line after the stop step")

        let resume = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(resume.status, 0, "resume: \(resume.stderr)")
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        let starts = LogTail.lastLines(of: run.workerLogURL, count: 200).filter { $0.contains(": simlab ") && $0.contains(" crc32 ") }
        XCTAssertEqual(starts.count, 2, "each worker start names its binary: \(starts)")
        let history = SimlabHarness.deterministic(run)
        let epochLines = history.filter { $0.interval == "epoch" }
        XCTAssertEqual(epochLines.map(\.epoch), (1...Self.epochs).flatMap { [$0, $0, $0] }, "epochs 1...\(Self.epochs) once each")
        let steps = history.filter { $0.interval == "steps" }.map(\.step)
        XCTAssertEqual(steps, Array(Set(steps)).sorted(), "step lines strictly increasing")
        assertSameHistory(history, reference, "stopped and resumed run vs the uninterrupted run")
    }

    func testKilledWorkerIsShownFailedAndResumesWithNothingLostOrDuplicated() throws {
        try killAndResume(inEpoch: 2)
    }

    /// Before the first checkpoint: the resumed run starts over and drops the partial lines.
    func testWorkerKilledInTheFirstEpochStartsOverOnResume() throws {
        try killAndResume(inEpoch: 1)
    }

    private func killAndResume(inEpoch killEpoch: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try referenceHistory()
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: Self.epochs)
        try harness.waitUntil("the worker to train", run: run) { (try? run.readStatus())?.pid != nil }
        let pid = try XCTUnwrap(try run.readStatus().pid, "running worker pid")
        XCTAssertTrue(SimlabHarness.isSimlabWorker(pid, runDirectory: run), "pid \(pid) is the run's worker")
        // Freeze the worker (SIGSTOP) as soon as epoch `killEpoch` has a step line, then
        // check it really is inside that epoch — no checkpoint of it on disk, no epoch line
        // of it in the metrics — before killing it, so a fast machine cannot pass the test
        // with a kill after the checkpoint.
        let deadline = Date().addingTimeInterval(60)
        while !SimlabHarness.records(run).contains(where: { $0.epoch == killEpoch && $0.interval == .steps }) {
            guard Date() < deadline else { return XCTFail("no step line of epoch \(killEpoch) within 60 s", file: file, line: line) }
            usleep(5_000)
        }
        XCTAssertEqual(kill(pid, SIGSTOP), 0, "SIGSTOP the worker")
        let checkpoints = ((try? FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path)) ?? [])
            .filter { $0.hasPrefix("epoch-") }.sorted()
        XCTAssertEqual(checkpoints, (1..<killEpoch).map { run.checkpointURL(epoch: $0).lastPathComponent },
                       "at kill time only the checkpoints of the epochs before \(killEpoch) exist", file: file, line: line)
        XCTAssertFalse(SimlabHarness.records(run).contains { $0.epoch == killEpoch && $0.interval == .epoch },
                       "at kill time epoch \(killEpoch) has not ended", file: file, line: line)
        if killEpoch == 1 {
            XCTAssertNil(run.latestCheckpoint(), "no checkpoint at all when killed in the first epoch", file: file, line: line)
        }
        XCTAssertEqual(kill(pid, SIGKILL), 0, "SIGKILL the worker")
        try harness.waitUntil("the worker process to disappear", run: run) {
            SimlabHarness.isGone(pid)
        }
        XCTAssertNotEqual(try run.readStatus().state, .finished, "killed before the end")

        let listing = try harness.run(["runs", "--runs", harness.runs.path])
        let row = listing.stdout.split(separator: "\n").first { $0.hasPrefix(run.id.rawValue) } ?? ""
        XCTAssertTrue(row.contains("failed"), "`simlab runs` shows the killed run as failed: '\(row)'")
        let show = try harness.run(["show", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertTrue(show.stdout.contains("failed") && show.stdout.contains("gone"),
                      "`simlab show` says the worker is gone:\n\(show.stdout)")

        let resume = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(resume.status, 0, "resume: \(resume.stderr)")
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        let starts = LogTail.lastLines(of: run.workerLogURL, count: 200).filter { $0.contains(": simlab ") && $0.contains(" crc32 ") }
        XCTAssertEqual(starts.count, 2, "each worker start names its binary: \(starts)", file: file, line: line)
        let history = SimlabHarness.deterministic(run)
        XCTAssertEqual(history.filter { $0.interval == "epoch" }.map(\.epoch), (1...Self.epochs).flatMap { [$0, $0, $0] },
                       "epochs 1...\(Self.epochs) once each")
        assertSameHistory(history, reference, "killed and resumed run vs the uninterrupted run")
        XCTAssertEqual(run.snapshotEpochs(in: run.kernelsURL), Array(1...Self.epochs), "kernel snapshots after resume")
    }
}

extension SimlabHarness {
    /// True once `pid` has exited (a zombie waiting to be reaped counts as exited).
    static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
    }
}
