#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// The queue of detached workers, failing runs, the end-of-run kNN evaluation files, and
/// the command line refusing bad input before it creates anything.
final class WorkerQueueAndFailureTests: XCTestCase {
    func testWithOneSlotTheSecondRunWaitsAndStartsByItself() throws {
        let harness = try SimlabHarness(self)
        let slots = try harness.run(["queue", "--slots", "1", "--runs", harness.runs.path])
        XCTAssertEqual(slots.status, 0, "queue --slots 1: \(slots.stderr)")
        // Trains until stopped below, so it holds the slot however fast the machine is.
        let first = try harness.launch(epochs: 500)
        try harness.waitUntil("the first run to train", run: first) {
            (try? first.readStatus().state) == .running && SimlabHarness.metricsLineCount(first) >= 1
        }
        let second = try harness.launch(epochs: 2)
        // While the first trains, the second has a live worker that waits in the queue.
        try harness.waitUntil("the second worker to join the queue", run: second) {
            (try? second.readStatus()).map { $0.state == .queued && $0.pid != nil } ?? false
        }
        // Each intermediate state, checked while the first still holds the slot: the first
        // keeps training (its metrics grow), the second stays queued with a live worker.
        let linesBefore = SimlabHarness.metricsLineCount(first)
        for _ in 0..<3 {
            let status = try second.readStatus()
            XCTAssertEqual(status.state, .queued, "second run while the first is running")
            XCTAssertEqual(SimlabHarness.metricsLineCount(second), 0, "second run wrote metrics while queued")
            let pid = try XCTUnwrap(status.pid, "the queued run's worker pid")
            XCTAssertFalse(SimlabHarness.isGone(pid), "the second run's worker is alive while queued")
            let queue = try harness.run(["queue", "--runs", harness.runs.path])
            XCTAssertTrue(queue.stdout.contains("1 of 1 busy") && queue.stdout.contains("queued: \(second.id)"),
                          "`simlab queue` while the first runs:\n\(queue.stdout)")
            XCTAssertEqual(try first.readStatus().state, .running, "the first run holds the slot")
            usleep(200_000)
        }
        try harness.waitUntil("the first run to keep training", run: first) {
            SimlabHarness.metricsLineCount(first) > linesBefore
        }
        XCTAssertEqual(try second.readStatus().state, .queued, "still queued after the first wrote more metrics")
        let stoppedAt = Date()
        XCTAssertEqual(try harness.run(["stop", first.id.rawValue, "--runs", harness.runs.path]).status, 0)
        let firstStatus = try harness.waitForState(first, [.finished, .failed, .stopped])
        XCTAssertEqual(firstStatus.state, .stopped)
        let secondStatus = try harness.waitForState(second, [.finished, .failed, .stopped], timeout: 120)
        XCTAssertEqual(secondStatus.state, .finished, "second run after the slot freed")
        XCTAssertEqual(SimlabHarness.records(second).filter { $0.interval == .epoch }.map(\.epoch), [1, 1, 1, 2, 2, 2])
        let secondStart = try XCTUnwrap(secondStatus.startedAt)
        XCTAssertGreaterThanOrEqual(secondStart, stoppedAt, "the second run started only after the first was stopped")
    }

    func testQueuedRunsStartInTheOrderTheyWereQueued() throws {
        let harness = try SimlabHarness(self)
        // Trains until stopped below, so the three runs queue behind it however fast the machine is.
        let holder = try harness.launch(epochs: 500)
        try harness.waitUntil("the first run to train", run: holder) { (try? holder.readStatus().state) == .running }
        // Queued back to back (usually within the same second of the clock).
        let queued = try (0..<3).map { _ in try harness.launch(epochs: 1) }
        for run in queued {
            try harness.waitUntil("\(run.id) to wait in the queue", run: run) {
                (try? run.readStatus()).map { $0.state == .queued && $0.pid != nil } ?? false
            }
        }
        for run in queued {
            XCTAssertEqual(try run.readStatus().state, .queued, "\(run.id) is queued while the slot is held")
            XCTAssertEqual(SimlabHarness.metricsLineCount(run), 0, "\(run.id) wrote metrics while queued")
        }
        XCTAssertEqual(try harness.run(["stop", holder.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(holder, [.finished, .failed, .stopped]).state, .stopped)
        var starts: [Date] = []
        for run in queued {
            let status = try harness.waitForState(run, [.finished, .failed, .stopped], timeout: 120)
            XCTAssertEqual(status.state, .finished, "queued run \(run.id)")
            starts.append(try XCTUnwrap(status.startedAt))
        }
        let finished = try queued.map { try XCTUnwrap(try $0.readStatus().finishedAt) }
        for i in 1..<queued.count {
            XCTAssertGreaterThanOrEqual(starts[i], finished[i - 1],
                                        "run \(i + 1) of the queue started before run \(i) finished (starts \(starts), ends \(finished))")
        }
    }

    func testStoppingAQueuedRunLeavesItStoppedAndResumeQueuesItAgain() throws {
        let harness = try SimlabHarness(self)
        // Trains until stopped below, so it holds the slot however fast the machine is.
        let first = try harness.launch(epochs: 500)
        try harness.waitUntil("the first run to train", run: first) { (try? first.readStatus().state) == .running }
        let second = try harness.launch(epochs: 1)
        try harness.waitUntil("the second worker to wait in the queue", run: second) {
            (try? second.readStatus()).map { $0.state == .queued && $0.pid != nil } ?? false
        }
        let pause = try harness.run(["pause", second.id.rawValue, "--runs", harness.runs.path])
        XCTAssertNotEqual(pause.status, 0, "pause of a queued run is refused")
        XCTAssertTrue(pause.stderr.contains("is queued, not training"), "pause: \(pause.stderr)")
        let stop = try harness.run(["stop", second.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(stop.status, 0, "stop a queued run: \(stop.stderr)")
        XCTAssertEqual(try harness.waitForState(second, [.stopped, .failed, .finished, .running]).state, .stopped)
        XCTAssertEqual(try first.readStatus().state, .running, "the first run is untouched")
        XCTAssertEqual(SimlabHarness.metricsLineCount(second), 0, "a run stopped while queued never trained")

        let resume = try harness.run(["resume", second.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(resume.status, 0, "resume: \(resume.stderr)")
        XCTAssertEqual(try harness.run(["stop", first.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(first, [.finished, .failed, .stopped]).state, .stopped)
        XCTAssertEqual(try harness.waitForState(second, [.finished, .failed, .stopped], timeout: 120).state, .finished)
        XCTAssertEqual(SimlabHarness.records(second).filter { $0.interval == .epoch }.map(\.epoch), [1, 1, 1])
    }

    func testARequeuedRunGoesToTheBackOfTheQueueAndTheQueueListsStartOrder() throws {
        let harness = try SimlabHarness(self)
        // Trains until stopped below, so it holds the slot however fast the machine is.
        let first = try harness.launch(epochs: 500)
        try harness.waitUntil("the first run to train", run: first) { (try? first.readStatus().state) == .running }
        let early = try harness.launch(epochs: 1)
        Thread.sleep(forTimeInterval: 1.1)   // ids carry the second: `early` sorts first by id
        let late = try harness.launch(epochs: 1)
        XCTAssertLessThan(early.id.rawValue, late.id.rawValue, "ids in launch order")
        func waitQueued(_ run: RunDirectory) throws {
            try harness.waitUntil("\(run.id) to wait in the queue", run: run) {
                (try? run.readStatus()).map { $0.state == .queued && $0.pid != nil } ?? false
            }
        }
        try waitQueued(early)
        try waitQueued(late)
        XCTAssertEqual(try harness.run(["stop", early.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(early, [.stopped, .failed, .finished, .running]).state, .stopped)
        XCTAssertEqual(try harness.run(["resume", early.id.rawValue, "--runs", harness.runs.path]).status, 0)
        try waitQueued(early)

        let queue = try harness.run(["queue", "--runs", harness.runs.path])
        let listed = queue.stdout.split(separator: "\n").filter { $0.hasPrefix("queued: ") }
            .map { String($0.dropFirst("queued: ".count).prefix(early.id.rawValue.count)) }
        XCTAssertEqual(listed, [late.id.rawValue, early.id.rawValue], "queue lists start order:\n\(queue.stdout)")
        XCTAssertEqual(try harness.run(["stop", first.id.rawValue, "--runs", harness.runs.path]).status, 0)

        let lateStatus = try harness.waitForState(late, [.finished, .failed, .stopped], timeout: 120)
        let earlyStatus = try harness.waitForState(early, [.finished, .failed, .stopped], timeout: 120)
        XCTAssertEqual([lateStatus.state, earlyStatus.state], [.finished, .finished])
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(earlyStatus.startedAt), try XCTUnwrap(lateStatus.finishedAt),
                                    "the re-queued run started after the one queued before it finished")
    }

    func testStopWhilePausedWritesACheckpoint() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 3)
        try harness.waitUntil("the first metrics line", run: run) { SimlabHarness.metricsLineCount(run) >= 1 }
        XCTAssertEqual(try harness.run(["pause", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        let paused = try harness.waitForState(run, [.paused, .finished, .failed])
        XCTAssertEqual(paused.state, .paused)
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        let stopped = try harness.waitForState(run, [.stopped, .finished, .failed])
        XCTAssertEqual(stopped.state, .stopped)
        XCTAssertEqual(stopped.step, paused.step, "no step taken between pause and stop")
        let checkpoint = try CheckpointFile.read(from: run.checkpointURL(named: String(format: "step-%07d", stopped.step)))
        guard case .object(let progress)? = checkpoint.metadata["progress"], case .number(let step)? = progress["globalStep"] else {
            return XCTFail("the stop checkpoint records its progress")
        }
        XCTAssertEqual(Int(step), stopped.step, "checkpoint step")
    }

    func testCorruptDatasetFailsAndShowPrintsTheErrorAndLogTail() throws {
        let harness = try SimlabHarness(self)
        let corrupt = harness.root.appendingPathComponent("corrupt-data")
        try FileManager.default.copyItem(at: harness.data, to: corrupt)
        // Damage past the header: creating the run checks headers only, so the worker finds it.
        let images = corrupt.appendingPathComponent("train-images-idx3-ubyte.gz")
        let compressed = try Data(contentsOf: images)
        try compressed.prefix(compressed.count / 2).write(to: images)

        let run = try harness.launch(epochs: 1, data: corrupt)
        let status = try harness.waitForState(run, [.failed, .finished, .stopped])
        XCTAssertEqual(status.state, .failed, "a run on a corrupt dataset")
        XCTAssertTrue(status.lastError?.contains(images.path) ?? false, "lastError names the file: \(status.lastError ?? "nil")")

        let show = try harness.run(["show", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(show.status, 0, "show: \(show.stderr)")
        XCTAssertTrue(show.stdout.contains("state     failed"), "show state:\n\(show.stdout)")
        XCTAssertTrue(show.stdout.contains("worker.log (last lines)"), "show has the log tail:\n\(show.stdout)")
        let logSection = show.stdout.components(separatedBy: "worker.log (last lines)").last ?? ""
        XCTAssertTrue(logSection.contains("error:") && logSection.contains("train-images-idx3-ubyte.gz"),
                      "the log tail shows the error:\n\(logSection)")
        let listing = try harness.run(["runs", "--runs", harness.runs.path])
        XCTAssertTrue(listing.stdout.split(separator: "\n").contains { $0.hasPrefix(run.id.rawValue) && $0.contains("failed") },
                      "`simlab runs` shows it failed:\n\(listing.stdout)")
    }

    /// Background and foreground training wait for a slot the same way; when the slot
    /// directory cannot be used, both record the run failed with the reason.
    func testAnUnusableSlotDirectoryFailsTheRunInTheForegroundAndInTheBackground() throws {
        let harness = try SimlabHarness(self)
        try FileManager.default.createDirectory(at: harness.runs, withIntermediateDirectories: true)
        try Data("not a directory".utf8).write(to: harness.runs.appendingPathComponent(".slots"))

        let foreground = try harness.run(["train"] + SimlabHarness.tinyModel
                                         + ["--epochs", "1", "--data", harness.data.path, "--runs", harness.runs.path, "--no-knn-eval"])
        XCTAssertNotEqual(foreground.status, 0, "foreground train without a usable slot directory")
        XCTAssertTrue(foreground.stderr.contains("cannot take a training slot"), "stderr:\n\(foreground.stderr)")
        let background = try harness.launch(epochs: 1)
        XCTAssertEqual(try harness.waitForState(background, [.failed, .finished, .stopped]).state, .failed)

        let summaries = RunCatalog(root: harness.runs).summaries()
        XCTAssertEqual(summaries.count, 2)
        for summary in summaries {
            XCTAssertEqual(summary.status?.state, .failed, "\(summary.id)")
            XCTAssertTrue(summary.status?.lastError?.contains("cannot take a training slot") ?? false,
                          "lastError: \(summary.status?.lastError ?? "nil")")
            XCTAssertEqual(SimlabHarness.metricsLineCount(summary.directory), 0, "no training without a slot")
        }
    }

    /// `resume` (background or foreground) refuses a finished run and a queued run whose
    /// worker is still starting (a second worker would train the same run), and accepts a
    /// queued run that no worker took up.
    func testResumeRefusesFinishedRunsAndRunsWhoseWorkerIsStarting() throws {
        let harness = try SimlabHarness(self)
        let finished = try harness.launch(epochs: 1)
        XCTAssertEqual(try harness.waitForState(finished, [.finished, .failed, .stopped]).state, .finished)
        let lines = SimlabHarness.metricsLineCount(finished)
        for extra in [[], ["--foreground"]] {
            let resume = try harness.run(["resume", finished.id.rawValue, "--runs", harness.runs.path] + extra)
            XCTAssertNotEqual(resume.status, 0, "resume \(extra) of a finished run")
            XCTAssertTrue(resume.stderr.contains("has finished; nothing to resume"), "stderr: \(resume.stderr)")
            XCTAssertEqual(try finished.readStatus().state, .finished)
            XCTAssertEqual(SimlabHarness.metricsLineCount(finished), lines, "nothing trained")
        }

        let catalog = RunCatalog(root: harness.runs)
        let starting = try catalog.createRun(config: try finished.readConfig(), status: RunStatus(state: .queued))
        let export = try harness.run(["export", starting.id.rawValue, "--csv", "--runs", harness.runs.path])
        XCTAssertEqual(export.status, 1)
        XCTAssertTrue(export.stderr.contains("has no metrics yet"), export.stderr)
        let refused = try harness.run(["resume", starting.id.rawValue, "--runs", harness.runs.path])
        XCTAssertNotEqual(refused.status, 0, "resume of a run whose worker is starting")
        XCTAssertTrue(refused.stderr.contains("its worker is starting"), "stderr: \(refused.stderr)")
        XCTAssertNil(try starting.readStatus().pid, "no worker was started")
        // It holds its place in line while its worker may start; stopping it frees the line.
        XCTAssertEqual(try harness.run(["stop", starting.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try starting.readStatus().state, .stopped)

        let abandoned = try catalog.createRun(config: try finished.readConfig(),
                                              status: RunStatus(state: .queued, heartbeat: Date().addingTimeInterval(-600)))
        let accepted = try harness.run(["resume", abandoned.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(accepted.status, 0, "resume of a queued run no worker took up: \(accepted.stderr)")
        XCTAssertEqual(try harness.waitForState(abandoned, [.finished, .failed, .stopped]).state, .finished)
    }

    /// A process that records the signals it gets (a stand-in for a worker, or for an
    /// unrelated process that was given a dead worker's pid).
    func signalRecorder(_ harness: SimlabHarness) throws -> (process: Process, marker: URL) {
        try FileManager.default.createDirectory(at: harness.root, withIntermediateDirectories: true)
        let marker = harness.root.appendingPathComponent("signals-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap 'echo TERM >> \(marker.path); exit 0' TERM; trap 'echo USR1 >> \(marker.path)' USR1; "
                             + "echo ready >> \(marker.path); while :; do sleep 0.1; done"]
        try process.run()
        addTeardownBlock { if process.isRunning { process.terminate() } }
        try harness.waitUntil("the recorder to start") { (try? String(contentsOf: marker, encoding: .utf8))?.contains("ready") ?? false }
        return (process, marker)
    }

    /// A run recorded as running in process `pid`, whose start time is off by
    /// `startTimeOffset` ticks (0: that very process), with a heartbeat `heartbeatAge` s old.
    func runningRun(_ harness: SimlabHarness, pid: Int32, startTimeOffset: UInt64, heartbeatAge: TimeInterval) throws -> RunDirectory {
        let config = RunConfig(name: "recorded", model: "nsn-lite", variant: "conv", dataDirectory: harness.data.path, seed: 1,
                               threads: 1, epochs: 1, createdAt: Date(), codeVersion: "test")
        var status = RunStatus(state: .running, pid: pid, heartbeat: Date().addingTimeInterval(-heartbeatAge))
        status.pidStartTime = try XCTUnwrap(ProcessLiveness.startTime(pid: pid)) + startTimeOffset
        return try RunCatalog(root: harness.runs).createRun(config: config, status: status)
    }

    /// A run whose recorded pid now names another process (its start time differs) has no
    /// worker: stop, pause and rm never signal that process.
    func testControlCommandsLeaveAProcessThatReusedADeadWorkersPidAlone() throws {
        let harness = try SimlabHarness(self)
        let (bystander, marker) = try signalRecorder(harness)
        let run = try runningRun(harness, pid: bystander.processIdentifier, startTimeOffset: 1, heartbeatAge: 0)
        XCTAssertEqual(RunSummary(directory: run).condition.state, .failed, "shown failed although the pid exists")
        XCTAssertNotEqual(try harness.run(["pause", run.id.rawValue, "--runs", harness.runs.path]).status, 0, "nothing to pause")
        let stop = try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertEqual(stop.status, 0, "stop: \(stop.stderr)")
        XCTAssertEqual(try run.readStatus().state, .stopped, "marked stopped directly")
        XCTAssertEqual(try harness.run(["rm", run.id.rawValue, "--yes", "--runs", harness.runs.path]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.url.path))
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try String(contentsOf: marker, encoding: .utf8), "ready\n", "no signal reached the other process")
        XCTAssertTrue(bystander.isRunning)
    }

    /// A worker that is alive but silent (suspended, Ctrl-Z) is still the run's worker:
    /// resume does not give the run a second one, and stop wakes it up to stop.
    func testASilentButLiveWorkerIsNotGivenASecondWorker() throws {
        let harness = try SimlabHarness(self)
        let (worker, marker) = try signalRecorder(harness)
        let run = try runningRun(harness, pid: worker.processIdentifier, startTimeOffset: 0, heartbeatAge: 600)
        kill(worker.processIdentifier, SIGSTOP)   // suspended, like a Ctrl-Z'd foreground run
        XCTAssertEqual(RunSummary(directory: run).condition.state, .failed, "shown failed: no heartbeat")
        let resume = try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path])
        XCTAssertNotEqual(resume.status, 0)
        XCTAssertTrue(resume.stderr.contains("is still alive but silent"), resume.stderr)
        XCTAssertEqual(try run.readStatus().pid, worker.processIdentifier, "no second worker")
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        try harness.waitUntil("the live worker to get the stop") {
            (try? String(contentsOf: marker, encoding: .utf8))?.contains("TERM") ?? false
        }
    }

    /// A run stopped after its launch but before its worker claimed it stays stopped: the
    /// worker sees the stop under the run's lock and does not train.
    func testAWorkerDoesNotTrainARunStoppedBeforeItStarted() throws {
        let harness = try SimlabHarness(self)
        let template = try harness.launch(epochs: 1)
        XCTAssertEqual(try harness.waitForState(template, [.finished, .failed, .stopped]).state, .finished)
        let run = try RunCatalog(root: harness.runs).createRun(config: try template.readConfig(), status: RunStatus(state: .queued))
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try run.readStatus().state, .stopped)
        let worker = try harness.run(["worker", run.url.path])   // the worker the launch had started, arriving late
        XCTAssertEqual(worker.status, 0, worker.stderr)
        XCTAssertTrue(worker.stdout.contains("not training"), worker.stdout)
        XCTAssertEqual(try run.readStatus().state, .stopped)
        XCTAssertNil(try run.readStatus().pid)
        XCTAssertEqual(SimlabHarness.metricsLineCount(run), 0)
    }

    /// Several `resume` commands at the same moment start one worker, not one each.
    func testConcurrentResumesStartOneWorker() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 500)   // stopped below long before its end
        try harness.waitUntil("the run to train", run: run) { (try? run.readStatus().state) == .running }
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(run, [.stopped, .failed, .finished]).state, .stopped)
        let resumes = (0..<4).map { _ -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: harness.binary)
            process.arguments = ["resume", run.id.rawValue, "--runs", harness.runs.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = Pipe()
            return process
        }
        for process in resumes { try process.run() }
        for process in resumes { process.waitUntilExit() }
        let messages = resumes.map { process -> String in
            let data = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            return "exit \(process.terminationStatus): \(String(decoding: data, as: UTF8.self))"
        }
        XCTAssertEqual(resumes.filter { $0.terminationStatus == 0 }.count, 1,
                       "exactly one resume succeeds: \(messages)\nlog:\n\(LogTail.lastLines(of: run.workerLogURL, count: 40).joined(separator: "\n"))")
        try harness.waitUntil("the resumed worker to train", run: run) {
            (try? run.readStatus().state) == .running && SimlabHarness.metricsLineCount(run) > 0
        }
        XCTAssertEqual(try harness.run(["stop", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .stopped)
        Thread.sleep(forTimeInterval: 1)   // a second worker, had one started, would have logged by now
        let starts = LogTail.lastLines(of: run.workerLogURL, count: 200).filter { $0.contains(" crc32 ") }
        XCTAssertEqual(starts.count, 2, "the first worker and one resumed worker: \(starts)")
    }

    /// A foreground run stopped by Ctrl-C, or by its stderr pipe closing (`| head`), writes a
    /// checkpoint, is recorded stopped and exits 130, so `simlab train … && next` stops too.
    func testAForegroundRunStoppedByCtrlCOrAClosedPipeCheckpointsAndExits130() throws {
        for closesPipe in [false, true] {
            let harness = try SimlabHarness(self)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: harness.binary)
            process.arguments = ["train"] + SimlabHarness.tinyModel
                + ["--epochs", "50", "--data", harness.data.path, "--runs", harness.runs.path, "--no-knn-eval"]
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            try harness.waitUntil("the foreground run to train") {
                RunCatalog(root: harness.runs).runDirectories().first.map { SimlabHarness.metricsLineCount($0) >= 2 } ?? false
            }
            let run = try XCTUnwrap(RunCatalog(root: harness.runs).runDirectories().first)
            if closesPipe {
                try stderr.fileHandleForReading.close()   // the progress bar's next write raises SIGPIPE
            } else {
                kill(process.processIdentifier, SIGINT)
            }
            // Without a terminal the progress bar is quiet, so the closed pipe is noticed at
            // the next log line (the end of the current epoch: about a second here).
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            XCTAssertFalse(process.isRunning, "still running 60 s after the \(closesPipe ? "pipe closed" : "Ctrl-C")")
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let label = closesPipe ? "closed pipe" : "Ctrl-C"
            XCTAssertEqual(process.terminationReason, .exit, "\(label): exited, not killed by a signal")
            XCTAssertEqual(process.terminationStatus, 130, label)
            XCTAssertEqual(try run.readStatus().state, .stopped, label)
            let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path)
            XCTAssertTrue(checkpoints.contains { $0.hasPrefix("step-") }, "\(label): a stop checkpoint: \(checkpoints)")
        }
    }

    /// A run stopped during its final kNN evaluation (trained to the end, evaluation not
    /// written) resumes from the last epoch's checkpoint straight into the evaluation.
    func testAResumedRunThatStoppedInItsFinalEvaluationOnlyEvaluates() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 1, extra: [])
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        let complete = SimlabHarness.records(run)
        XCTAssertEqual(complete.filter { $0.knnAccuracy != nil }.count, 1)
        // What a stop during the evaluation leaves: no kNN line, no evaluation files, state stopped.
        let lines = try String(contentsOf: run.metricsURL, encoding: .utf8).split(separator: "\n")
        try (lines.filter { !$0.contains("knnAccuracy") }.joined(separator: "\n") + "\n").write(to: run.metricsURL, atomically: true, encoding: .utf8)
        for name in ["evaluation.json", "neighbours.json", "neighbours-images.bin"] {
            try FileManager.default.removeItem(at: run.url.appendingPathComponent(name))
        }
        var status = try run.readStatus()
        status.state = .stopped
        try run.writeStatus(status)

        XCTAssertEqual(try harness.run(["resume", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        let resumed = SimlabHarness.records(run)
        XCTAssertEqual(resumed.filter { $0.knnAccuracy != nil }.count, 1, "one kNN line")
        XCTAssertEqual(resumed.filter { $0.interval == .steps }.count, complete.filter { $0.interval == .steps }.count,
                       "no training step was repeated")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.evaluationURL.path))
    }

    func testKNNEvaluationWritesEvaluationAndNeighbourFiles() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 1, extra: [])
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)

        let evaluation = try run.readJSON(from: run.evaluationURL)
        guard case .object(let object) = evaluation else { return XCTFail("evaluation.json is not an object") }
        for key in ["networkAccuracy", "knnAccuracy", "blendedAccuracy"] {
            guard case .number(let value)? = object[key] else { XCTFail("evaluation.json has no number \(key)"); continue }
            XCTAssertTrue((0...1).contains(value), "\(key) = \(value)")
        }
        XCTAssertEqual(object["testCount"], .number(100))
        let knnLine = SimlabHarness.records(run).last
        func evaluated(_ key: String) -> Double? { if case .number(let v)? = object[key] { return v }; return nil }
        XCTAssertEqual(knnLine?.knnAccuracy, evaluated("knnAccuracy"), "the last metrics line carries evaluation.json's kNN accuracy")
        XCTAssertEqual(knnLine?.blendedAccuracy, evaluated("blendedAccuracy"),
                       "the last metrics line carries evaluation.json's blended accuracy")
        XCTAssertEqual(knnLine?.accuracy, evaluated("networkAccuracy"), "the metrics line and evaluation.json agree")

        let neighbours = try run.readJSON(from: run.neighboursURL)
        guard case .object(let file) = neighbours, case .array(let queries)? = file["queries"],
              case .number(let height)? = file["imageHeight"], case .number(let width)? = file["imageWidth"],
              case .array(let order)? = file["trainImageOrder"] else {
            return XCTFail("neighbours.json lacks queries, image size or trainImageOrder")
        }
        XCTAssertFalse(queries.isEmpty, "neighbour queries")
        XCTAssertEqual(height, Double(SyntheticIDXDataset.side))
        let images = try XCTUnwrap(FileManager.default.contents(atPath: run.neighbourImagesURL.path))
        XCTAssertEqual(images.count, (queries.count + order.count) * Int(height) * Int(width),
                       "neighbours-images.bin holds each query image and each listed training image")
    }

    func testInvalidOptionsAreRejectedBeforeAnythingIsCreated() throws {
        let harness = try SimlabHarness(self)
        let cases: [(arguments: [String], reason: String)] = [
            (["--epochs", "0"], "--epochs must be in 1...10000, got 0"),
            (["--batch-size", "0"], "--batch-size must be in 1...4096, got 0"),
            (["--variant", "sideways"], "--variant must be one of"),
            (["--widths", "4,x"], "--widths must be comma-separated integers"),
            (["--lr", "0"], "--lr must be in (0, 10]"),
            (["--widths", "4,,8"], "--widths must be comma-separated integers"),
            (["--epochs", "-1"], "--epochs must be in 1...10000, got -1"),
            (["--model", "small-cnn", "--widths", "4,8"], "--widths shapes nsn-lite; small-cnn has a fixed architecture"),
            (["--lr", "nan"], "--lr must be in (0, 10], got nan"),
            (["--schedule", "bogus"], "unknown schedule \"bogus\""),
            (["--lr", "-0.5"], "--lr must be in (0, 10], got -0.5"),
            (["--model", "nsn-lite:dynamic-full", "--variant", "conv"], "name different variants"),
            (["--model", "nsn-lite:foo", "--variant", "static-diag"], "name different variants"),
            (["--knn-alpha", "0.1", "--knn-features", "frozen:nope"], "no run 'nope'"),
            (["--name", "two\nlines"], "--name must be one line of printable text"),
            (["--name", "\u{1B}[2Jwiped"], "--name must be one line of printable text"),
        ]
        for (arguments, reason) in cases {
            let output = try harness.run(["train", "--data", harness.data.path, "--runs", harness.runs.path] + arguments)
            XCTAssertNotEqual(output.status, 0, "train \(arguments) should fail")
            XCTAssertTrue(output.stderr.contains(reason), "train \(arguments): stderr should say '\(reason)', got:\n\(output.stderr)")
            let created = (try? FileManager.default.contentsOfDirectory(atPath: harness.runs.path)) ?? []
            XCTAssertTrue(created.filter { !$0.hasPrefix(".") }.isEmpty, "train \(arguments) created \(created)")
        }
    }

    func testARunsPathThatIsAFileIsRefusedByEveryCommand() throws {
        let harness = try SimlabHarness(self)
        try FileManager.default.createDirectory(at: harness.root, withIntermediateDirectories: true)
        let file = harness.root.appendingPathComponent("not-a-folder")
        try Data("notes".utf8).write(to: file)
        for arguments in [["runs"], ["queue"], ["queue", "--slots", "2"], ["show", "x"], ["rm", "x", "--yes"],
                          ["train", "--data", harness.data.path, "--epochs", "1"], []] {
            let output = try harness.run(arguments + ["--runs", file.path])
            XCTAssertNotEqual(output.status, 0, "\(arguments)")
            XCTAssertTrue(output.stderr.contains("is a file, not a directory of runs"), "\(arguments): \(output.stderr)")
        }
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "notes", "the file is untouched")
        let below = try harness.run(["queue", "--slots", "2", "--runs", file.appendingPathComponent("runs").path])
        XCTAssertEqual(below.status, 1)
        XCTAssertEqual(below.stderr, "Error: \(file.appendingPathComponent("runs").path): Not a directory\n",
                       "a file error reads as PATH: reason")
    }

    func testAMistypedCommandIsNamedWithASuggestion() throws {
        let harness = try SimlabHarness(self)
        let typo = try harness.run(["trian", "--runs", harness.runs.path])
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.stderr.contains("'trian' is not a simlab command. Did you mean 'train'?"), typo.stderr)
        let unknown = try harness.run(["frobnicate"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("'frobnicate' is not a simlab command. Commands: dashboard, train"), unknown.stderr)
    }

    /// Settings the data cannot honour are said in the log, not silently changed.
    func testAValidationSetLargerThanTheDataIsCappedWithAWarning() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 1, extra: ["--validation", "0", "--threads", "1"])
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped], timeout: 120).state, .finished)
        let log = LogTail.lastLines(of: run.workerLogURL, count: 100).joined(separator: "\n")
        XCTAssertTrue(log.contains("no validation set to choose the blend on"), log)
        let capped = try harness.launch(epochs: 1, extra: ["--validation", "5000", "--no-knn-eval"])
        XCTAssertEqual(try harness.waitForState(capped, [.finished, .failed, .stopped], timeout: 120).state, .finished)
        let cappedLog = LogTail.lastLines(of: capped.workerLogURL, count: 100).joined(separator: "\n")
        XCTAssertTrue(cappedLog.contains("warning: --validation 5000 is more than half of the training file"), cappedLog)
    }

    func testBenchmarkTuningOptionsAreValidated() throws {
        let harness = try SimlabHarness(self)
        let cases: [(arguments: [String], reason: String)] = [
            (["bench", "gemm", "--size", "8", "--blocks", "5,8,16"], "--blocks wants mc,kc,nc"),
            (["bench", "gemm", "--size", "8", "--blocks", "6,8"], "--blocks wants mc,kc,nc"),
            (["bench", "knn", "--queries", "4", "--bank", "4", "--chunk", "7"], "--chunk must be a positive multiple of 6"),
        ]
        for (arguments, reason) in cases {
            let output = try harness.run(arguments)
            XCTAssertNotEqual(output.status, 0, "\(arguments) should fail")
            XCTAssertTrue(output.stderr.contains(reason), "\(arguments): stderr should say '\(reason)', got:\n\(output.stderr)")
        }
        let valid = try harness.run(["bench", "gemm", "--size", "8", "--threads", "1", "--repeat", "1", "--blocks", "6,8,16", "--json"])
        XCTAssertEqual(valid.status, 0, "valid --blocks: \(valid.stderr)")
        XCTAssertTrue(valid.stdout.contains("\"gflops\""), "valid --blocks prints a figure: \(valid.stdout)")
    }

    func testMissingDatasetNamesThePathAndThePackage() throws {
        let harness = try SimlabHarness(self)
        let missing = harness.root.appendingPathComponent("no-such-dataset").path
        let output = try harness.run(["train", "--data", missing, "--runs", harness.runs.path, "--epochs", "1", "--detach"])
        XCTAssertNotEqual(output.status, 0, "train on a missing dataset should fail")
        XCTAssertTrue(output.stderr.contains(missing), "names the path:\n\(output.stderr)")
        XCTAssertTrue(output.stderr.contains("dataset-fashion-mnist"), "names the apt package:\n\(output.stderr)")
        let created = (try? FileManager.default.contentsOfDirectory(atPath: harness.runs.path)) ?? []
        XCTAssertTrue(created.filter { !$0.hasPrefix(".") }.isEmpty, "created \(created)")

        // A directory with only some of the files names the missing ones.
        let partial = harness.root.appendingPathComponent("partial")
        try FileManager.default.copyItem(at: harness.data, to: partial)
        try FileManager.default.removeItem(at: partial.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        let second = try harness.run(["train", "--data", partial.path, "--runs", harness.runs.path, "--epochs", "1", "--detach"])
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.stderr.contains("t10k-labels-idx1-ubyte"), "names the missing file:\n\(second.stderr)")
    }
}
