#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
@testable import Worker
import XCTest

/// The Slurm executor's decisions, without a cluster: its batch script, the options it
/// takes, what a job's state says of the worker, the handle a job's worker claims, and
/// how a cluster worker reads its signals.
final class SlurmExecutorTests: XCTestCase {
    private let runs = URL(fileURLWithPath: "/cluster/runs")

    func testTheRunScriptAsksForTheThreadsAndAWarningSimlabDoesNotReadAsPause() throws {
        let executor = SlurmExecutor(runsDirectory: runs, executable: "/opt/simlab/bin/simlab")
        let choice = ExecutorChoice(name: "slurm", options: ["partition": "debug", "time": "00:01:00"],
                                    passThrough: ["--qos=short"])
        let run = RunDirectory(url: runs.appendingPathComponent("r1"))
        XCTAssertEqual(try executor.script(for: run, choice: choice, threads: 3, resume: false).render(), """
            #!/bin/bash
            #SBATCH --job-name=simlab-r1
            #SBATCH --output=/cluster/runs/r1/worker.log
            #SBATCH --open-mode=append
            #SBATCH --chdir=/cluster/runs/r1
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=3
            #SBATCH --partition=debug
            #SBATCH --time=00:01:00
            #SBATCH --signal=B:URG@30
            #SBATCH --requeue
            #SBATCH --qos=short
            # Written by simlab: the worker of one run. Slurm's output and the worker's log share the log file;
            # a requeued job (SLURM_RESTART_COUNT > 0) resumes from the run's checkpoint.
            set -eu
            export SIMLAB_SLURM_JOB="${SLURM_JOB_ID:-}"
            run_directory=/cluster/runs/r1
            if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then
                exec /opt/simlab/bin/simlab worker "$run_directory" --resume
            fi
            exec /opt/simlab/bin/simlab worker "$run_directory"

            """)
        let resumed = try executor.script(for: run, choice: ExecutorChoice(name: "slurm"), threads: 1, resume: true).render()
        XCTAssertTrue(resumed.contains("#SBATCH --signal=B:URG@90\n"), resumed)
        XCTAssertTrue(resumed.hasSuffix("exec /opt/simlab/bin/simlab worker \"$run_directory\" --resume\n"), resumed)
    }

    func testTimeLimitsAndTheWarningBeforeThem() {
        XCTAssertEqual(SlurmBatchScript.seconds(ofTimeLimit: "00:01:00"), 60)
        XCTAssertEqual(SlurmBatchScript.seconds(ofTimeLimit: "00:01:30"), 120, "rounded up to whole minutes, as Slurm does")
        XCTAssertEqual(SlurmBatchScript.seconds(ofTimeLimit: "5"), 300)
        XCTAssertEqual(SlurmBatchScript.seconds(ofTimeLimit: "2:30"), 180)
        XCTAssertEqual(SlurmBatchScript.seconds(ofTimeLimit: "1-02"), 93_600)
        XCTAssertEqual(SlurmBatchScript.seconds(ofTimeLimit: "1-00:00:30"), 86_460)
        XCTAssertNil(SlurmBatchScript.seconds(ofTimeLimit: "soon"))
        XCTAssertEqual(SlurmExecutor.warningSeconds(timeLimit: nil), 90)
        XCTAssertEqual(SlurmExecutor.warningSeconds(timeLimit: "04:00:00"), 90)
        XCTAssertEqual(SlurmExecutor.warningSeconds(timeLimit: "00:02:00"), 60)
        XCTAssertEqual(SlurmExecutor.warningSeconds(timeLimit: "00:01:00"), 30)
    }

    func testValidationSaysWhatToFix() {
        let executor = SlurmExecutor(runsDirectory: runs, executable: "/opt/simlab/bin/simlab",
                                     client: SlurmClient(environment: ["PATH": "/nonexistent"]))
        func refusal(_ choice: ExecutorChoice) -> String {
            do { try executor.validate(choice); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertEqual(refusal(ExecutorChoice(name: "slurm", options: ["gpus": "1"])),
                       "--gpus: not a Slurm option (the Slurm executor takes --partition, --time and --sbatch-arg)")
        XCTAssertTrue(refusal(ExecutorChoice(name: "slurm", options: ["time": "soon"])).contains("--time soon is not a Slurm time limit"))
        XCTAssertTrue(refusal(ExecutorChoice(name: "slurm", passThrough: ["account=lab"])).contains("is not an option (write it as --name=value)"))
        XCTAssertTrue(refusal(ExecutorChoice(name: "slurm")).hasPrefix("Slurm's sbatch is not on PATH: /nonexistent."),
                      refusal(ExecutorChoice(name: "slurm")))
        XCTAssertThrowsError(try LocalExecutor(runsDirectory: runs, executable: "/bin/simlab")
            .validate(ExecutorChoice(name: "local", options: ["partition": "debug"]))) { error in
            XCTAssertEqual("\(error)", "--partition: only for a cluster executor (e.g. --executor slurm)")
        }
    }

    func testWhatAJobStateSaysOfTheWorker() {
        let started = WorkerHandle(executor: "slurm", host: "node07", id: "42")
        let submitted = WorkerHandle(executor: "slurm", host: nil, id: "42")
        func check(_ state: String, reason: String? = nil, exitCode: Int32? = nil, _ handle: WorkerHandle) -> WorkerCheck {
            SlurmExecutor.check(SlurmJobState(jobID: "42", phase: .init(slurmState: state), slurmState: state,
                                              reason: reason, exitCode: exitCode),
                                handle: handle, runsDirectory: runs, executable: "/opt/simlab/bin/simlab")
        }
        XCTAssertEqual(check("PENDING", reason: "Resources", submitted), .waiting, "a pending job: no heartbeat expected")
        XCTAssertEqual(check("RUNNING", started), .alive)
        XCTAssertEqual(check("COMPLETING", started), .alive)
        XCTAssertEqual(check("CANCELLED by 0", started), .gone(reason: "slurm job 42 ended CANCELLED"))
        XCTAssertEqual(check("TIMEOUT", reason: "TimeLimit", exitCode: 0, started),
                       .gone(reason: "slurm job 42 ended TIMEOUT (TimeLimit)"))
        XCTAssertEqual(check("NODE_FAIL", reason: "NodeDown", started), .gone(reason: "slurm job 42 ended NODE_FAIL (NodeDown)"))
        XCTAssertEqual(SlurmExecutor.check(.unknownToSlurm("42"), handle: started, runsDirectory: runs, executable: "/x"),
                       .gone(reason: "slurm job 42 is no longer known to Slurm (it ended a while ago)"))
        // Failed before its worker recorded a host: most often the node cannot see the files.
        guard case .gone(let reason) = check("FAILED", reason: "NonZeroExitCode", exitCode: 1, submitted) else {
            return XCTFail("a failed job is gone")
        }
        XCTAssertEqual(reason, "slurm job 42 ended FAILED (NonZeroExitCode, exit code 1); its worker never started: check that "
                       + "the compute node sees the runs directory /cluster/runs and the simlab binary /opt/simlab/bin/simlab "
                       + "at these paths (a shared filesystem), and read the job's output (worker.log in the run directory, "
                       + "if the node could write it)")
    }

    func testTheWorkerOfAJobClaimsItsJobNotItsPid() {
        XCTAssertNil(SlurmExecutor.handle(environment: ["SLURM_JOB_ID": "42"]),
                     "a process inside some allocation, not started by simlab's script, is a local worker")
        XCTAssertEqual(SlurmExecutor.handle(environment: ["SLURM_JOB_ID": "42", "SIMLAB_SLURM_JOB": "42", "SLURMD_NODENAME": "node07"]),
                       WorkerHandle(executor: "slurm", host: "node07", id: "42"))
        XCTAssertEqual(SlurmExecutor.handle(environment: ["SLURM_JOB_ID": "45", "SIMLAB_SLURM_JOB": "45", "SLURMD_NODENAME": "n1",
                                                          "SLURM_ARRAY_JOB_ID": "43", "SLURM_ARRAY_TASK_ID": "2"]),
                       WorkerHandle(executor: "slurm", host: "n1", id: "43_2"), "an array task is <array>_<task>, as squeue names it")
        XCTAssertNil(SlurmExecutor.handle(environment: ["SLURM_JOB_ID": "45", "SIMLAB_SLURM_JOB": "44"]),
                     "a marker inherited from another job does not count")
        XCTAssertEqual(SlurmExecutor.submitterEnvironment(["SLURM_JOB_ID": "45", "SLURM_MEM_PER_NODE": "4000", "SLURMD_NODENAME": "n1",
                                                           "SIMLAB_SLURM_JOB": "45", "SLURM_CONF": "/etc/slurm/slurm.conf",
                                                           "PATH": "/usr/bin", "SIMLAB_DATA": "/data"]),
                       ["SLURM_CONF": "/etc/slurm/slurm.conf", "PATH": "/usr/bin", "SIMLAB_DATA": "/data"],
                       "a continuation job is submitted without this job's Slurm settings")
    }

    func testAClusterWorkerReadsPauseAsReleaseAndTellsTheWarningApart() {
        let control = ControlSignalReceiver(mode: .clusterJob)
        defer { control.reset(); _ = ControlSignalReceiver(mode: .local) }
        control.reset()
        raise(ControlSignalReceiver.timeLimitWarningSignal.number)
        XCTAssertTrue(control.timeLimitWarned)
        XCTAssertFalse(control.isStopRequested, "the warning alone does not stop: the executor picks the moment")
        raise(SIGTERM)
        XCTAssertEqual(control.stopCause, .interrupted)
        raise(SIGUSR1)
        XCTAssertTrue(control.isStopRequested)
        XCTAssertFalse(control.isPaused, "a cluster job does not sit paused on its allocation")
        XCTAssertEqual(control.stopCause, .release)
        control.requestStop(cause: .timeLimit)
        XCTAssertEqual(control.stopCause, .release, "a weaker cause does not override a stronger one")
        raise(SIGINT)
        XCTAssertEqual(control.stopCause, .request, "simlab stop wins")

        let local = ControlSignalReceiver(mode: .local)
        local.reset()
        raise(SIGUSR1)
        XCTAssertTrue(local.isPaused)
        XCTAssertFalse(local.isStopRequested)
        raise(SIGTERM)
        XCTAssertEqual(local.stopCause, .request)
    }

    /// Listing 300 runs asks squeue once (all of the user's jobs), and scontrol once for a
    /// job squeue no longer lists; the answers are kept for a few seconds.
    func testLivenessOf300RunsAsksSqueueOnce() throws {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("simlab-slurm-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bin) }
        func fake(_ name: String, _ body: String) throws {
            let url = bin.appendingPathComponent(name)
            try "#!/bin/sh\necho \"$@\" >> \"$0.calls\"\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        try fake("squeue", "i=1; while [ $i -le 300 ]; do echo \"$i|RUNNING|node01|None\"; i=$((i+1)); done; echo '301_0|PENDING||Priority'")
        try fake("scontrol", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1")
        let cache = SlurmJobCache()
        let liveness = SlurmLiveness(client: SlurmClient(environment: ["PATH": bin.path]), runsDirectory: runs,
                                     executable: "/bin/simlab", cache: cache)
        let status = RunStatus(state: .running)
        for id in 1...300 {
            XCTAssertEqual(liveness.check(WorkerHandle(executor: "slurm", host: "node01", id: "\(id)"), in: status), .alive)
        }
        XCTAssertEqual(liveness.check(WorkerHandle(executor: "slurm", id: "301_0"), in: status), .waiting)
        for _ in 0..<3 {
            XCTAssertEqual(liveness.check(WorkerHandle(executor: "slurm", host: "n", id: "7"), in: status), .alive)
            XCTAssertEqual(liveness.check(WorkerHandle(executor: "slurm", host: "n", id: "999"), in: status),
                           .gone(reason: "slurm job 999 is no longer known to Slurm (it ended a while ago)"))
        }
        let calls = { (name: String) in
            ((try? String(contentsOf: bin.appendingPathComponent(name + ".calls"), encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
        }
        XCTAssertEqual(calls("squeue"), ["--noheader --states=all --array --me --format=%i|%T|%N|%r"])
        XCTAssertEqual(calls("scontrol"), ["show job -o 999"])
        XCTAssertEqual(cache.queries, 2)
        cache.invalidate()
        _ = liveness.check(WorkerHandle(executor: "slurm", host: "n", id: "7"), in: status)
        XCTAssertEqual(calls("squeue").count, 2, "asked again once the answers are dropped")

        // Slurm does not answer: the heartbeat decides, and Slurm is not asked again at once.
        try fake("squeue", "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; exit 1")
        cache.invalidate()
        for id in 1...300 {
            XCTAssertEqual(liveness.check(WorkerHandle(executor: "slurm", host: "n", id: "\(id)"), in: status), .unknown)
        }
        XCTAssertEqual(calls("squeue").count, 3, "one failed query for 300 runs")
    }

    func testAPausedRunWithoutAWorkerIsPausedNotLost() {
        var status = RunStatus(state: .paused, heartbeat: Date(timeIntervalSinceNow: -3600))
        XCTAssertEqual(RunSummary.condition(of: status, now: Date(), heartbeatTimeout: 120), .recorded(.paused))
        XCTAssertEqual(WorkerPresence.of(status), .none, "resume submits a new job")
        status.claim(WorkerHandle(executor: "slurm", host: "n1", id: "9"))
        XCTAssertEqual(RunSummary.condition(of: status, now: Date(), heartbeatTimeout: 120),
                       .lost(recorded: .paused, reason: "no heartbeat since \(ISOTime.format(status.heartbeat))"),
                       "a paused worker that went silent is lost")
    }
}
