import Foundation
@testable import Worker
import XCTest

/// SlurmClient's errors, with stand-in commands on a PATH of their own (no Slurm needed).
final class SlurmClientTests: XCTestCase {
    private var bin: URL!

    override func setUpWithError() throws {
        bin = FileManager.default.temporaryDirectory.appendingPathComponent("simlab-slurm-fake-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: bin)
    }

    /// A stand-in for a Slurm command: a shell script with this body.
    private func fake(_ name: String, _ body: String) throws {
        let url = bin.appendingPathComponent(name)
        try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    private var client: SlurmClient { SlurmClient(environment: ["PATH": bin.path], timeout: 5) }
    private let script = URL(fileURLWithPath: "/runs/r1/slurm-job.sh")

    func testNoSbatchOnPath() {
        XCTAssertThrowsError(try client.submit(script: script)) { error in
            XCTAssertEqual(error as? SlurmError, .commandNotFound(command: "sbatch", path: bin.path))
            XCTAssertTrue("\(error)".hasPrefix("Slurm's sbatch is not on PATH: \(bin.path)"), "\(error)")
        }
        XCTAssertThrowsError(try SlurmClient(environment: [:]).submit(script: script)) { error in
            XCTAssertTrue("\(error)".hasPrefix("Slurm's sbatch is not on PATH: (PATH is empty)"), "\(error)")
        }
    }

    func testSubmitPassesParsableArgumentsAndScript() throws {
        try fake("sbatch", "echo \"$@\" > \"$0.args\"; echo '1234;cluster'")
        XCTAssertEqual(try client.submit(script: script, arguments: ["--hold"]), "1234")
        XCTAssertEqual(try String(contentsOf: bin.appendingPathComponent("sbatch.args"), encoding: .utf8),
                       "--parsable --hold /runs/r1/slurm-job.sh\n")
    }

    /// Slurm's own words, as sbatch 22.05 prints them for an unknown partition.
    func testRejectedSubmissionShowsSlurmsMessage() throws {
        try fake("sbatch", """
            echo 'sbatch: error: invalid partition specified: nope' >&2
            echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2
            exit 1
            """)
        XCTAssertThrowsError(try client.submit(script: script)) { error in
            XCTAssertEqual("\(error)", "sbatch rejected the job: invalid partition specified: nope; "
                           + "Batch job submission failed: Invalid partition name specified")
        }
    }

    func testUnreadableSubmission() throws {
        try fake("sbatch", "echo 'Submitted batch job 12'")
        XCTAssertThrowsError(try client.submit(script: script)) { error in
            XCTAssertEqual(error as? SlurmError, .unexpectedOutput(command: "sbatch --parsable", output: "Submitted batch job 12\n"))
        }
    }

    func testTimeout() throws {
        try fake("squeue", "exec /bin/sleep 30")
        var slow = client
        slow.timeout = 0.5
        // Only the timeout throws `.timedOut`: the fake squeue would otherwise answer after 30 s.
        XCTAssertThrowsError(try slow.queue(jobIDs: ["1"])) { error in
            guard case .timedOut(let command, let seconds)? = error as? SlurmError else {
                return XCTFail("expected a timeout, got \(error)")
            }
            XCTAssertTrue(command.hasPrefix("squeue --noheader"), command)
            XCTAssertEqual(seconds, 0.5)
            XCTAssertTrue("\(error)".contains("did not answer within 0.5 s"), "\(error)")
        }
    }

    /// scontrol and squeue 22.05 on a job id slurmctld has forgotten: exit 1, a message on stderr.
    func testJobSlurmNoLongerKnows() throws {
        try fake("scontrol", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1")
        try fake("squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1")
        XCTAssertEqual(try client.show(jobID: "999"), [.unknownToSlurm("999")])
        XCTAssertEqual(try client.queue(jobIDs: ["999"]), [])
    }

    func testShowAndQueueParse() throws {
        try fake("scontrol", "echo 'JobId=7 JobName=simlab-r1 JobState=PENDING Reason=Resources ExitCode=0:0 NodeList=(null)'")
        try fake("squeue", "echo \"$@\" > \"$0.args\"; echo '7|PENDING||Resources'")
        XCTAssertEqual(try client.show(jobID: "7"),
                       [SlurmJobState(jobID: "7", phase: .pending, slurmState: "PENDING", reason: "Resources",
                                      exitCode: 0, exitSignal: 0)])
        XCTAssertEqual(try client.queue(jobIDs: ["7", "8"]),
                       [SlurmJobState(jobID: "7", phase: .pending, slurmState: "PENDING", reason: "Resources")])
        XCTAssertEqual(try String(contentsOf: bin.appendingPathComponent("squeue.args"), encoding: .utf8),
                       "--noheader --states=all --jobs=7,8 --format=%i|%T|%N|%r\n")
    }

    func testCancelArgumentsAndFailure() throws {
        try fake("scancel", "echo \"$@\" >> \"$0.args\"")
        try client.cancel(jobID: "7")
        try client.cancel(jobID: "7", signal: "USR1", batchOnly: true)
        XCTAssertEqual(try String(contentsOf: bin.appendingPathComponent("scancel.args"), encoding: .utf8),
                       "7\n--signal=USR1 --batch 7\n")
        try fake("scancel", "echo 'scancel: error: Kill job error on job id 999: Invalid job id specified' >&2; exit 1")
        XCTAssertThrowsError(try client.cancel(jobID: "999", signal: "USR1")) { error in
            XCTAssertEqual("\(error)", "scancel failed (exit status 1): Kill job error on job id 999: Invalid job id specified")
        }
    }
}
