import Foundation
import RunStore
@testable import Worker
import XCTest

/// SlurmClient and SlurmBatchScript against a real Slurm: the single-node cluster of
/// `scripts/slurm-local.sh` (scripts/test.sh starts it). Skipped, saying why, when sbatch is
/// not on PATH or that cluster is not running.
final class SlurmLocalClusterTests: XCTestCase {
    private var root: URL!
    private var submitted: [String] = []
    private let client = SlurmClient(timeout: 30)

    override func setUpWithError() throws {
        try SlurmExecutorClusterTests.requireLocalSlurm()
        // Somewhere slurmd can write the jobs' output: the node is this machine.
        root = URL(fileURLWithPath: "/tmp").appendingPathComponent("simlab-slurm-test \(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for job in submitted { try? client.cancel(jobID: job) }
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    private func write(_ name: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url
    }

    private func submit(_ script: URL, _ arguments: [String] = []) throws -> String {
        let job = try client.submit(script: script, arguments: arguments)
        submitted.append(job)
        return job
    }

    /// Polls `scontrol show job` until `condition` holds for the job; returns its last state.
    @discardableResult
    private func waitFor(_ job: String, _ what: String, timeout: TimeInterval = 60,
                         file: StaticString = #filePath, line: UInt = #line,
                         _ condition: (SlurmJobState) -> Bool) throws -> SlurmJobState {
        let deadline = Date().addingTimeInterval(timeout)
        var last: SlurmJobState?
        while Date() < deadline {
            last = try client.show(jobID: job).first
            if let last, condition(last) { return last }
            usleep(200_000)
        }
        XCTFail("job \(job) never became \(what) within \(Int(timeout)) s; last: \(String(describing: last))", file: file, line: line)
        throw XCTSkip("gave up waiting for job \(job)")
    }

    private func waitForFile(_ url: URL, containing text: String, timeout: TimeInterval = 30) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var content = ""
        while Date() < deadline {
            content = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            if content.contains(text) { break }
            usleep(100_000)
        }
        return content
    }

    func testSubmittedJobRunsAndCompletes() throws {
        let output = root.appendingPathComponent("job.out")
        let script = try write("job.sh", "#!/bin/bash\n#SBATCH --job-name=simlab-slurm-test\n#SBATCH --output=\"\(output.path)\"\nsleep 2\necho finished on $(hostname)\n")
        let job = try submit(script)
        let first = try XCTUnwrap(client.show(jobID: job).first)
        XCTAssertEqual(first.jobID, job)
        XCTAssertTrue([.pending, .running].contains(first.phase), "a fresh job should be pending or running, is \(first)")
        let running = try waitFor(job, "running or done") { $0.phase != .pending }
        XCTAssertNotEqual(running.phase, .failed)
        let done = try waitFor(job, "completed") { !$0.phase.isActive }
        XCTAssertEqual(done.phase, .completed, "\(done)")
        XCTAssertEqual(done.exitCode, 0)
        XCTAssertEqual(done.nodes, ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init))
        XCTAssertTrue(waitForFile(output, containing: "finished on").hasPrefix("finished on"))
        // squeue still lists it among the ended jobs Slurm remembers.
        XCTAssertEqual(try client.queue(jobIDs: [job]).map(\.phase), [.completed])
    }

    func testSignalReachesTheBatchStepAndCancelShowsCancelled() throws {
        let output = root.appendingPathComponent("signal.out")
        let script = try write("signal.sh", """
            #!/bin/bash
            #SBATCH --output="\(output.path)"
            trap 'echo "got USR1"' USR1
            echo started
            for i in $(seq 600); do sleep 0.2; done

            """)
        let job = try submit(script)
        try waitFor(job, "running") { $0.phase == .running }
        XCTAssertTrue(waitForFile(output, containing: "started").contains("started"))
        try client.cancel(jobID: job, signal: "USR1", batchOnly: true)
        XCTAssertTrue(waitForFile(output, containing: "got USR1").contains("got USR1"),
                      "scancel --batch --signal=USR1 should reach the batch script")
        try client.cancel(jobID: job)
        let cancelled = try waitFor(job, "cancelled") { !$0.phase.isActive }
        XCTAssertEqual(cancelled.phase, .cancelled, "\(cancelled)")
    }

    func testUnknownJob() throws {
        XCTAssertEqual(try client.show(jobID: "99999999"), [.unknownToSlurm("99999999")])
        XCTAssertEqual(try client.queue(jobIDs: ["99999999"]), [])
    }

    func testRejectedSubmission() throws {
        let script = try write("rejected.sh", "#!/bin/bash\ntrue\n")
        XCTAssertThrowsError(try client.submit(script: script, arguments: ["--partition=no-such-partition"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("sbatch rejected the job: invalid partition specified: no-such-partition"),
                          "\(error)")
        }
    }

    /// The rendered batch scripts, submitted for real with a stand-in simlab that prints
    /// its arguments: sbatch takes every #SBATCH line (quoted paths with spaces included),
    /// the worker line gets its run directory, and a study runs as one job array.
    func testRenderedBatchScriptsRunTheWorker() throws {
        let simlab = try write("simlab stand-in", "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done; echo\n")
        let runs = root.appendingPathComponent("runs")
        let run = RunDirectory(url: runs.appendingPathComponent("r1"))
        try FileManager.default.createDirectory(at: run.url, withIntermediateDirectories: true)
        let text = try SlurmBatchScript.forRun(run, executable: simlab.path, threads: 1, timeLimit: "00:05:00",
                                               extraArguments: ["--comment=a \"quoted\" comment"]).render()
        let job = try submit(write("r1.sh", text))
        let done = try waitFor(job, "completed") { !$0.phase.isActive }
        XCTAssertEqual(done.phase, .completed, "\(done)")
        XCTAssertEqual(waitForFile(run.workerLogURL, containing: "[worker]"), "[worker][\(run.url.path)]\n")

        let study = [RunDirectory(url: runs.appendingPathComponent("s1")), RunDirectory(url: runs.appendingPathComponent("s2"))]
        for member in study { try FileManager.default.createDirectory(at: member.url, withIntermediateDirectories: true) }
        let list = root.appendingPathComponent("study-runs.txt")
        try SlurmBatchScript.runListText(study).write(to: list, atomically: true, encoding: .utf8)
        let arrayText = try SlurmBatchScript.forStudy(name: "grid", directory: root, runList: list, runCount: 2,
                                                      maxParallel: 1, executable: simlab.path, threads: 1).render()
        let array = try submit(write("study.sh", arrayText))
        let deadline = Date().addingTimeInterval(60)
        var tasks: [SlurmJobState] = []
        while Date() < deadline {
            tasks = try client.queue(jobIDs: [array])
            if tasks.count == 2, tasks.allSatisfy({ !$0.phase.isActive }) { break }
            usleep(200_000)
        }
        XCTAssertEqual(tasks.map(\.jobID).sorted(), ["\(array)_0", "\(array)_1"])
        XCTAssertEqual(tasks.map(\.phase), [.completed, .completed])
        for member in study {
            XCTAssertEqual(waitForFile(member.workerLogURL, containing: "[worker]"), "[worker][\(member.url.path)]\n")
        }
    }
}
