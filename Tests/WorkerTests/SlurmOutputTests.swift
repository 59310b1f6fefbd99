@testable import Worker
import XCTest

/// The parsers on output captured from Slurm 22.05 (Debian 12's slurm-wlm).
final class SlurmOutputTests: XCTestCase {
    func testSubmittedJobID() {
        XCTAssertEqual(SlurmOutput.submittedJobID("4\n"), "4")
        XCTAssertEqual(SlurmOutput.submittedJobID("1234;cluster-a\n"), "1234")
        XCTAssertNil(SlurmOutput.submittedJobID(""))
        XCTAssertNil(SlurmOutput.submittedJobID("Submitted batch job 4\n"))
    }

    func testSqueue() {
        let output = """
            2|CANCELLED|vm|None
            1|COMPLETED|vm|None
            3|RUNNING|vm|None
            7|PENDING||Resources
            12_[2-3%2]|PENDING||JobArrayTaskLimit
            12_1|RUNNING|node[01-02]|None
            13|PENDING||(launch failed requeued held)
            """
        XCTAssertEqual(SlurmOutput.squeue(output), [
            SlurmJobState(jobID: "2", phase: .cancelled, slurmState: "CANCELLED", nodes: "vm"),
            SlurmJobState(jobID: "1", phase: .completed, slurmState: "COMPLETED", nodes: "vm"),
            SlurmJobState(jobID: "3", phase: .running, slurmState: "RUNNING", nodes: "vm"),
            SlurmJobState(jobID: "7", phase: .pending, slurmState: "PENDING", reason: "Resources"),
            SlurmJobState(jobID: "12_[2-3%2]", phase: .pending, slurmState: "PENDING", reason: "JobArrayTaskLimit"),
            SlurmJobState(jobID: "12_1", phase: .running, slurmState: "RUNNING", nodes: "node[01-02]"),
            SlurmJobState(jobID: "13", phase: .pending, slurmState: "PENDING", reason: "(launch failed requeued held)"),
        ])
        XCTAssertEqual(SlurmOutput.squeue(""), [])
        XCTAssertEqual(SlurmOutput.squeue("garbage\n"), [])
    }

    func testScontrolRunningAndTimedOut() {
        let running = "JobId=3 JobName=sig.sh UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901757 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:01:55 TimeLimit=00:02:00 TimeMin=N/A SubmitTime=2026-12-06T07:51:36 EligibleTime=2026-12-06T07:51:36 AccrueTime=2026-12-06T07:51:36 StartTime=2026-12-06T07:51:37 EndTime=2026-12-06T07:53:37 Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-12-06T07:51:37 Scheduler=Main Partition=debug AllocNode:Sid=localhost:5442 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=/tmp/slurm-hand/sig.sh WorkDir=/tmp/slurm-hand StdErr=/tmp/slurm-hand/warn-3.out StdIn=/dev/null StdOut=/tmp/slurm-hand/warn-3.out Power= \n"
        XCTAssertEqual(SlurmOutput.scontrolJobs(running),
                       [SlurmJobState(jobID: "3", phase: .running, slurmState: "RUNNING", nodes: "vm", exitCode: 0, exitSignal: 0)])
        let timedOut = running.replacingOccurrences(of: "JobState=RUNNING Reason=None", with: "JobState=TIMEOUT Reason=TimeLimit")
        XCTAssertEqual(SlurmOutput.scontrolJobs(timedOut),
                       [SlurmJobState(jobID: "3", phase: .timeout, slurmState: "TIMEOUT", reason: "TimeLimit", nodes: "vm",
                                      exitCode: 0, exitSignal: 0)])
    }

    func testScontrolFailedPendingAndArrayTasks() {
        let output = """
            JobId=21 JobName=simlab-r1 UserId=ann(1000) GroupId=ann(1000) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 NodeList=node07 BatchHost=node07 WorkDir=/home/ann/my runs/r1 StdOut=/home/ann/my runs/r1/worker.log
            JobId=22 JobName=simlab-r2 JobState=PENDING Reason=Priority ExitCode=0:0 NodeList=(null) BatchHost=(null)
            JobId=31 ArrayJobId=30 ArrayTaskId=1 ArrayTaskThrottle=2 JobName=simlab-grid JobState=CANCELLED Reason=None ExitCode=0:15 NodeList=vm
            JobId=30 ArrayJobId=30 ArrayTaskId=2-3%2 JobName=simlab-grid JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 NodeList=(null)
            JobId=40 JobName=x JobState=OUT_OF_MEMORY Reason=OutOfMemory ExitCode=0:125 NodeList=n1
            JobId=41 JobName=x JobState=NODE_FAIL Reason=NodeDown ExitCode=0:0 NodeList=n2
            JobId=42 JobName=x JobState=PREEMPTED Reason=None ExitCode=0:0 NodeList=n3
            JobId=43 JobName=x JobState=SUSPENDED Reason=None ExitCode=0:0 NodeList=n3
            JobId=44 JobName=x JobState=COMPLETING Reason=None ExitCode=0:0 NodeList=n3
            JobId=45 JobName=x JobState=REVOKED Reason=None ExitCode=0:0 NodeList=n3
            JobId=46 JobName=x JobState=WEIRD_NEW_STATE Reason=None ExitCode=0:0 NodeList=n3
            """
        let jobs = SlurmOutput.scontrolJobs(output)
        XCTAssertEqual(jobs.map(\.jobID), ["21", "22", "30_1", "30", "40", "41", "42", "43", "44", "45", "46"])
        XCTAssertEqual(jobs.map(\.phase), [.failed, .pending, .cancelled, .pending, .outOfMemory, .nodeFail, .preempted,
                                           .suspended, .completing, .failed, .other])
        XCTAssertEqual(jobs[0], SlurmJobState(jobID: "21", phase: .failed, slurmState: "FAILED", reason: "NonZeroExitCode",
                                              nodes: "node07", exitCode: 1, exitSignal: 0))
        XCTAssertNil(jobs[1].nodes)
        XCTAssertEqual(jobs[2].exitSignal, 15)
        XCTAssertEqual(jobs[3].reason, "JobArrayTaskLimit")
        XCTAssertEqual(SlurmOutput.keyValues(String(output.split(separator: "\n")[0]))["WorkDir"], "/home/ann/my runs/r1")
    }

    /// A job Slurm no longer knows: scontrol prints nothing on stdout (its error goes to stderr).
    func testScontrolForAJobSlurmNoLongerKnows() {
        XCTAssertEqual(SlurmOutput.scontrolJobs(""), [])
        XCTAssertEqual(SlurmOutput.scontrolJobs("slurm_load_jobs error: Invalid job id specified\n"), [])
        XCTAssertEqual(SlurmJobState.unknownToSlurm("999").phase, .unknownToSlurm)
        XCTAssertFalse(SlurmJobState.Phase.unknownToSlurm.isActive)
    }

    func testPhaseMapping() {
        XCTAssertEqual(SlurmJobState.Phase(slurmState: "CANCELLED by 1000"), .cancelled)
        XCTAssertEqual(SlurmJobState.Phase(slurmState: "CANCELLED+"), .cancelled)
        XCTAssertEqual(SlurmJobState.Phase(slurmState: "running"), .running)
        XCTAssertEqual(SlurmJobState.Phase(slurmState: "REQUEUE_HOLD"), .pending)
        XCTAssertEqual(SlurmJobState.Phase(slurmState: "BOOT_FAIL"), .failed)
        XCTAssertEqual(SlurmJobState.Phase(slurmState: "STOPPED"), .suspended)
        XCTAssertEqual(SlurmJobState.Phase.allCases.filter(\.isActive), [.pending, .running, .suspended, .completing])
    }
}
