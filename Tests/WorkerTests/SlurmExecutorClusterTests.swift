#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
@testable import Worker
import XCTest

/// `--executor slurm` end to end against the local Slurm of `scripts/slurm-local.sh`
/// (scripts/test.sh starts it): the real simlab binary submits tiny runs as jobs, and they
/// are watched, paused, stopped, cancelled, cut by their time limit and run as a job array.
/// Skipped, saying why, only when that cluster is not running.
final class SlurmExecutorClusterTests: XCTestCase {
    private var harness: SimlabHarness!
    private let client = SlurmClient(timeout: 30)
    private var extraJobs: [String] = []

    override func setUpWithError() throws {
        try Self.requireLocalSlurm()
        harness = try SimlabHarness(self)
        let runs = harness.runs
        addTeardownBlock { [client] in
            // Cancel every job a run of this test still names (before the harness kills the workers).
            for run in RunCatalog(root: runs).runDirectories() {
                if let worker = try? run.readStatus().worker, worker.executor == SlurmExecutor.name {
                    try? client.cancel(jobID: worker.id)
                }
            }
        }
    }

    override func tearDown() {
        for job in extraJobs { try? client.cancel(jobID: job) }
    }

    static func requireLocalSlurm(file: StaticString = #filePath) throws {
        do { _ = try SlurmClient().locate("sbatch") } catch {
            throw XCTSkip("no local Slurm: \(error); `bash scripts/slurm-local.sh start` installs and starts one")
        }
        let script = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/slurm-local.sh")
        let status = Process()
        status.executableURL = URL(fileURLWithPath: "/bin/bash")
        status.arguments = [script.path, "status"]
        status.standardOutput = FileHandle.nullDevice
        status.standardError = FileHandle.nullDevice
        try status.run()
        status.waitUntilExit()
        guard status.terminationStatus == 0 else {
            throw XCTSkip("the local Slurm is not running (`bash scripts/slurm-local.sh status` said so); "
                          + "`bash scripts/slurm-local.sh start` starts it, scripts/test.sh does that itself")
        }
    }

    // MARK: helpers

    /// `simlab train … --executor slurm`; returns the run (its id is all stdout says).
    private func submit(epochs: Int, seed: Int = 7, slurm: [String] = [], file: StaticString = #filePath,
                        line: UInt = #line) throws -> RunDirectory {
        let output = try harness.run(["train"] + SimlabHarness.tinyModel
                                     + ["--epochs", "\(epochs)", "--seed", "\(seed)", "--data", harness.data.path,
                                        "--runs", harness.runs.path, "--no-knn-eval", "--executor", "slurm"] + slurm)
        XCTAssertEqual(output.status, 0, "train --executor slurm: \(output.stderr)", file: file, line: line)
        let id = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(output.stderr.contains("slurm job"), "says the job: \(output.stderr)", file: file, line: line)
        return RunDirectory(url: harness.runs.appendingPathComponent(id))
    }

    private func simlab(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let output = try harness.run(arguments + ["--runs", harness.runs.path])
        XCTAssertEqual(output.status, 0, "simlab \(arguments.joined(separator: " ")): \(output.stderr)", file: file, line: line)
        return output.stdout + output.stderr
    }

    /// Waits until the run trains in a job that recorded its node, and has taken a step.
    @discardableResult
    private func waitTraining(_ run: RunDirectory, notIn oldJobs: Set<String> = [], timeout: TimeInterval = 90,
                              file: StaticString = #filePath, line: UInt = #line) throws -> WorkerHandle {
        try harness.waitUntil("run \(run.id) training in a new slurm job", run: run, timeout: timeout, file: file, line: line) {
            guard let status = try? run.readStatus(), status.state == .running, let worker = status.worker else { return false }
            return worker.executor == "slurm" && worker.host != nil && !oldJobs.contains(worker.id)
                && SimlabHarness.records(run).contains { $0.interval == .steps }
        }
        return try XCTUnwrap(run.readStatus().worker)
    }

    private func jobState(_ id: String) throws -> SlurmJobState? { try client.show(jobID: id).first }

    private func waitJobEnded(_ id: String, file: StaticString = #filePath, line: UInt = #line) throws -> SlurmJobState {
        var last: SlurmJobState?
        try harness.waitUntil("slurm job \(id) to end", timeout: 60, file: file, line: line) {
            last = try? jobState(id)
            return last.map { !$0.phase.isActive } ?? false
        }
        return try XCTUnwrap(last)
    }

    /// The end-of-epoch records: each epoch exactly once per split.
    private func assertEveryEpochOnce(_ run: RunDirectory, epochs: Int, file: StaticString = #filePath, line: UInt = #line) {
        let epochLines = SimlabHarness.records(run).filter { $0.interval == .epoch }
        XCTAssertEqual(epochLines.map(\.epoch), (1...epochs).flatMap { [$0, $0, $0] }, "every epoch once (train, val, test)",
                       file: file, line: line)
    }

    // MARK: the tests

    /// Submitted, seen running on the node, paused (the job ends, the run waits without an
    /// allocation), resumed in a new job, stopped, resumed again, finished: with the very
    /// metrics of a local run of the same seed and threads.
    func testPauseStopAndResumeThroughSlurmFinishLikeALocalRun() throws {
        let epochs = 5
        let local = try harness.launch(epochs: epochs)
        let run = try submit(epochs: epochs)
        let submitted = try XCTUnwrap(run.readStatus().worker, "the job id is recorded at submission")
        XCTAssertEqual(submitted.executor, "slurm")
        XCTAssertEqual(try String(contentsOf: run.batchScriptURL, encoding: .utf8).contains("--cpus-per-task=1"), true)
        let config = try String(contentsOf: run.configURL, encoding: .utf8)
        XCTAssertTrue(config.contains("\"executor\""), "config.json records the executor choice: \(config)")

        let first = try waitTraining(run)
        XCTAssertEqual(first.id, submitted.id)
        XCTAssertEqual(first.host, ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init))
        XCTAssertTrue(try simlab(["runs"]).contains("running"))

        // pause: checkpoint, the job ends, the run shows paused without a worker
        _ = try simlab(["pause", run.id.rawValue])
        let paused = try harness.waitForState(run, [.paused, .failed, .finished], timeout: 60)
        XCTAssertEqual(paused.state, .paused)
        try harness.waitUntil("the paused run to give its job back", run: run) { (try? run.readStatus().worker) == nil }
        XCTAssertEqual(try waitJobEnded(first.id).phase, .completed, "the paused job gave its allocation back")
        XCTAssertTrue(try simlab(["runs"]).contains("paused"), "still shown paused after the job ended")

        // resume: a new job continues from the checkpoint
        _ = try simlab(["resume", run.id.rawValue])
        let second = try waitTraining(run, notIn: [first.id])

        // stop: checkpoint, stopped; resume: another job, to the end
        _ = try simlab(["stop", run.id.rawValue])
        XCTAssertEqual(try harness.waitForState(run, [.stopped, .failed, .finished], timeout: 60).state, .stopped)
        XCTAssertEqual(try waitJobEnded(second.id).phase, .completed)
        _ = try simlab(["resume", run.id.rawValue])
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed], timeout: 120).state, .finished)
        XCTAssertEqual(try harness.waitForState(local, [.finished, .failed], timeout: 60).state, .finished)
        XCTAssertFalse(Set([first.id, second.id]).contains(try XCTUnwrap(run.readStatus().worker?.id)), "a third job")

        assertEveryEpochOnce(run, epochs: epochs)
        assertSameHistory(SimlabHarness.deterministic(run), SimlabHarness.deterministic(local),
                          "paused, stopped and resumed on Slurm vs a local run of the same seed")
    }

    /// `scancel` by hand: the worker checkpoints on Slurm's SIGTERM, the run shows failed
    /// with Slurm's word for it, and `simlab resume` finishes it in a new job.
    func testAJobCancelledWithScancelShowsFailedAndResumes() throws {
        let epochs = 4
        let run = try submit(epochs: epochs, seed: 3)
        let job = try waitTraining(run)
        try client.cancel(jobID: job.id)
        XCTAssertEqual(try waitJobEnded(job.id).phase, .cancelled)
        try harness.waitUntil("simlab show to say failed", run: run) {
            (try? self.harness.run(["show", run.id.rawValue, "--runs", self.harness.runs.path]).stdout)?
                .contains("failed (recorded queued; queued slurm job \(job.id) ended CANCELLED") ?? false
        }
        XCTAssertTrue(try simlab(["runs"]).contains("failed"))
        _ = try simlab(["resume", run.id.rawValue])
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed], timeout: 120).state, .finished)
        XCTAssertNotEqual(try run.readStatus().worker?.id, job.id)
        assertEveryEpochOnce(run, epochs: epochs)
    }

    /// `rm` of a run training in a job: the worker is stopped through Slurm, the job ends, the
    /// directory goes.
    func testRemovingARunEndsItsJob() throws {
        let run = try submit(epochs: 20, seed: 4)
        let job = try waitTraining(run)
        _ = try simlab(["rm", run.id.rawValue, "--yes"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.url.path))
        XCTAssertFalse(try waitJobEnded(job.id).phase.isActive)
    }

    /// `--time 00:01:00`: the job is warned before its limit, checkpoints, submits the job
    /// that continues the run, and the run finishes with every epoch exactly once.
    ///
    /// The first job trains until 15 s before its end (about 45 s): the run must take longer
    /// than that, but not much (the test waits for it). A short local run first measures how
    /// long an epoch takes on this machine now; the run gets about 85 s of epochs.
    func testATimeLimitedJobContinuesInANewJobWithEveryEpochOnce() throws {
        let probe = try harness.launch(epochs: 4, seed: 5)
        let probeStart = Date()
        XCTAssertEqual(try harness.waitForState(probe, [.finished, .failed]).state, .finished)
        let secondsPerEpoch = Date().timeIntervalSince(probeStart) / 4
        let epochs = max(20, Int((85 / secondsPerEpoch).rounded(.up)))
        let run = try submit(epochs: epochs, seed: 5, slurm: ["--time", "00:01:00"])
        let first = try waitTraining(run)
        XCTAssertTrue(try String(contentsOf: run.batchScriptURL, encoding: .utf8).contains("#SBATCH --signal=B:URG@30\n"))
        try harness.waitUntil("a continuation job", run: run, timeout: 150) {
            guard let status = try? run.readStatus() else { return false }
            return status.worker.map { $0.id != first.id } ?? false || status.state == .finished
        }
        XCTAssertNotEqual(try run.readStatus().state, .finished,
                          "the run (\(epochs) epochs, \(secondsPerEpoch) s each measured) finished within its first job")
        let firstEnd = try waitJobEnded(first.id)
        XCTAssertEqual(firstEnd.phase, .completed, "the warned job ended on its own, before its limit: \(firstEnd)")
        // (The worker writes `stopped` for a moment before it records the continuation job.)
        let final = try harness.waitForState(run, [.finished, .failed], timeout: 240)
        let log = try String(contentsOf: run.workerLogURL, encoding: .utf8)
        XCTAssertEqual(final.state, .finished, log.split(separator: "\n").filter { !$0.contains(" epoch ") }.joined(separator: "\n"))
        XCTAssertTrue(log.contains("time limit warning"), log)
        XCTAssertTrue(log.contains("the time limit is near: continuing from the checkpoint in slurm job"), log)
        XCTAssertFalse(log.contains("DUE TO TIME LIMIT"), "no job ran into its limit: \(log)")
        assertEveryEpochOnce(run, epochs: epochs)
    }

    /// Four runs (a 2×2 grid) as one job array with at most two tasks at once, through
    /// `RunLauncher.startWorkers` (what `simlab study` calls).
    func testFourRunsAsOneJobArray() throws {
        var configuration = TrainingConfiguration()
        configuration.model = "nsn-lite"
        configuration.variant = "static-diag"
        configuration.widths = [4, 8]
        configuration.stemWidth = 4
        configuration.blocksPerStage = 1
        configuration.batchSize = 32
        configuration.validationSize = 50
        configuration.threads = 1
        configuration.logEverySteps = 2
        configuration.schedule = "cosine"
        configuration.epochs = 2
        configuration.knnEvaluate = false
        configuration.dataDirectory = harness.data.path
        let launcher = RunLauncher(runsDirectory: harness.runs, executable: harness.binary)
        var runs: [RunDirectory] = []
        for learningRate in [0.05, 0.1] {
            for seed: UInt64 in [1, 2] {
                configuration.learningRate = learningRate
                configuration.seed = seed
                runs.append(try launcher.create(configuration, name: "grid lr \(learningRate) seed \(seed)",
                                                executor: ExecutorChoice(name: "slurm")))
            }
        }
        let study = harness.root.appendingPathComponent("study")
        try launcher.startWorkers(runs, maxParallel: 2, name: "grid", directory: study)
        let handles = try runs.map { try XCTUnwrap($0.readStatus().worker) }
        let array = String(handles[0].id.split(separator: "_")[0])
        extraJobs.append(array)
        XCTAssertEqual(handles.map(\.id), (0..<4).map { "\(array)_\($0)" })
        XCTAssertTrue(try String(contentsOf: study.appendingPathComponent("slurm-grid.sh"), encoding: .utf8)
            .contains("#SBATCH --array=0-3%2\n"))

        var mostAtOnce = 0
        try harness.waitUntil("the four runs to finish", timeout: 180) {
            let states = runs.compactMap { try? $0.readStatus().state }
            mostAtOnce = max(mostAtOnce, states.filter { $0 == .running }.count)
            return states.filter(\.isTerminal).count == 4
        }
        XCTAssertLessThanOrEqual(mostAtOnce, 2, "--max-parallel 2")
        for (index, run) in runs.enumerated() {
            let status = try run.readStatus()
            XCTAssertEqual(status.state, .finished, "run \(index): \(status.lastError ?? "")")
            XCTAssertEqual(status.worker?.id, "\(array)_\(index)", "task \(index) trained run \(index)")
            XCTAssertNotNil(status.worker?.host)
            assertEveryEpochOnce(run, epochs: 2)
        }
        var tasks: [SlurmJobState] = []
        try harness.waitUntil("the array's tasks to end", timeout: 30) {
            tasks = (try? client.queue(jobIDs: [array])) ?? []
            return tasks.count == 4 && tasks.allSatisfy { !$0.phase.isActive }
        }
        XCTAssertEqual(tasks.map(\.phase), Array(repeating: .completed, count: 4), "\(tasks)")
    }

    /// `simlab study create … --executor slurm --max-parallel 2`: a 2×2 study is one job
    /// array, and its report reads the four finished runs.
    func testATwoByTwoStudyRunsAsOneJobArray() throws {
        let output = try harness.run(["study", "create", "grid", "--grid", "momentum=0.8,0.9", "--seeds", "1,2"]
                                     + SimlabHarness.tinyModel
                                     + ["--epochs", "2", "--data", harness.data.path, "--no-knn-eval",
                                        "--executor", "slurm", "--max-parallel", "2", "--runs", harness.runs.path])
        guard output.status == 0 else { return XCTFail("study create: \(output.stderr)") }
        let runs = RunCatalog(root: harness.runs).runDirectories()
        XCTAssertEqual(runs.count, 4, output.stdout)
        let handles = try runs.map { try XCTUnwrap($0.readStatus().worker, "a job recorded at submission") }
        let arrays = Set(handles.map { String($0.id.split(separator: "_")[0]) })
        XCTAssertEqual(arrays.count, 1, "one job array: \(handles)")
        extraJobs += arrays
        let script = harness.runs.appendingPathComponent(".studies/grid/slurm-study-grid.sh")
        XCTAssertTrue(try String(contentsOf: script, encoding: .utf8).contains("#SBATCH --array=0-3%2\n"))
        try harness.waitUntil("the study's four runs to end", timeout: 240) {
            runs.compactMap { try? $0.readStatus().state }.filter(\.isTerminal).count == 4
        }
        let report = try harness.run(["study", "report", "grid", "--json", "--runs", harness.runs.path])
        XCTAssertEqual(report.status, 0, report.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let groups = try XCTUnwrap(object["groups"] as? [[String: Any]])
        XCTAssertEqual(groups.map { $0["finished"] as? Int }, [2, 2], report.stdout)
    }

    /// Clear errors: no sbatch on PATH (nothing created), a submission Slurm rejects (its
    /// message; the run is marked failed), a job whose node cannot write where it is told
    /// (as when the runs directory is not on a filesystem the node sees: what to check).
    func testErrorsSayWhatWentWrong() throws {
        let noSlurm = try harness.run(["train", "--data", harness.data.path, "--runs", harness.runs.path,
                                       "--executor", "slurm"], environment: ["PATH": "/nonexistent"])
        XCTAssertNotEqual(noSlurm.status, 0)
        XCTAssertTrue(noSlurm.stderr.contains("Slurm's sbatch is not on PATH: /nonexistent."), noSlurm.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.runs.path), "nothing created")

        let rejected = try harness.run(["train"] + SimlabHarness.tinyModel
                                       + ["--data", harness.data.path, "--runs", harness.runs.path,
                                          "--executor", "slurm", "--partition", "no-such-partition"])
        XCTAssertNotEqual(rejected.status, 0)
        XCTAssertTrue(rejected.stderr.contains("sbatch rejected the job: invalid partition specified: no-such-partition"),
                      rejected.stderr)
        let listing = try simlab(["runs"])
        XCTAssertTrue(listing.contains("failed"), listing)

        // The job's output cannot be opened on the node: the job fails before its worker starts.
        let blind = try submit(epochs: 1, slurm: ["--sbatch-arg", "--output=/nonexistent/simlab-test/out.log"])
        try harness.waitUntil("the blind job's run to show failed", run: blind) {
            (try? self.harness.run(["show", blind.id.rawValue, "--runs", self.harness.runs.path]).stdout)?
                .contains("its worker never started: check that the compute node sees the runs directory \(self.harness.runs.path)") ?? false
        }

        let local = try harness.run(["train", "--data", harness.data.path, "--runs", harness.runs.path, "--time", "00:10:00"])
        XCTAssertEqual(local.status, 64, local.stderr)
        XCTAssertTrue(local.stderr.contains("--time: only for a cluster executor"), local.stderr)
    }
}
