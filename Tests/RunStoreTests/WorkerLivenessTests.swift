import Foundation
import XCTest
@testable import RunStore

/// Listings and control judge a run's worker through its executor's liveness, never by a
/// pid of their own: a cluster job pending without a heartbeat stays queued, a job the
/// cluster reports failed shows failed with the cluster's reason, and a job's run does not
/// wait in the local slot queue.
final class WorkerLivenessTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_795_338_000)

    /// A stand-in cluster executor that answers from a table of job states.
    struct ClusterLiveness: WorkerLiveness {
        var jobs: [String: WorkerCheck]
        func check(_ handle: WorkerHandle, in status: RunStatus) -> WorkerCheck { jobs[handle.id] ?? .gone(reason: "job \(handle.id) is unknown to the cluster") }
    }

    func status(_ state: RunState, worker: WorkerHandle?, silentFor seconds: TimeInterval) -> RunStatus {
        var status = RunStatus(state: state, heartbeat: now.addingTimeInterval(-seconds))
        status.queuedAt = status.heartbeat
        if let worker { status.claim(worker) }
        return status
    }

    func testConditionAndPresenceComeFromTheWorkersExecutor() {
        let liveness = LivenessByExecutor(["cluster": ClusterLiveness(jobs: ["17": .waiting, "18": .alive, "19": .gone(reason: "job 19 FAILED (exit 1)")])])
        let job = { (id: String) in WorkerHandle(executor: "cluster", id: id) }
        func condition(_ s: RunStatus) -> RunCondition { RunSummary.condition(of: s, now: now, heartbeatTimeout: 120, liveness: liveness) }
        func presence(_ s: RunStatus) -> WorkerPresence { WorkerPresence.of(s, now: now, heartbeatTimeout: 120, liveness: liveness) }

        let pending = status(.queued, worker: job("17"), silentFor: 3600)
        XCTAssertEqual(condition(pending), .recorded(.queued), "a pending job has no heartbeat to give")
        XCTAssertEqual(presence(pending), .alive(job("17")), "and is not given a second worker")
        XCTAssertNil(pending.pid, "a job's worker has no local pid")

        let running = status(.running, worker: job("18"), silentFor: 10)
        XCTAssertEqual(condition(running), .recorded(.running))
        XCTAssertEqual(condition(status(.running, worker: job("18"), silentFor: 600)),
                       .lost(recorded: .running, reason: "no heartbeat since \(ISOTime.format(now.addingTimeInterval(-600)))"),
                       "a running job must keep the heartbeat")
        XCTAssertEqual(presence(status(.running, worker: job("18"), silentFor: 600)), .alive(job("18")),
                       "a silent live job is stopped, not duplicated")

        XCTAssertEqual(condition(status(.running, worker: job("19"), silentFor: 5)),
                       .lost(recorded: .running, reason: "job 19 FAILED (exit 1)"), "the cluster's reason is shown")
        XCTAssertEqual(presence(status(.running, worker: job("19"), silentFor: 5)), .none, "resume may start a new job")

        // An executor this reader does not know: the heartbeat decides.
        let foreign = WorkerHandle(executor: "elsewhere", id: "x")
        XCTAssertEqual(condition(status(.running, worker: foreign, silentFor: 5)), .recorded(.running))
        XCTAssertEqual(condition(status(.running, worker: foreign, silentFor: 500)), .lost(recorded: .running, reason: "no heartbeat since \(ISOTime.format(now.addingTimeInterval(-500)))"))
        XCTAssertEqual(presence(status(.running, worker: foreign, silentFor: 500)), .none)
    }

    func testALocalWorkerOnAnotherHostIsJudgedByItsHeartbeat() {
        let remote = WorkerHandle(executor: WorkerHandle.localExecutor, host: "not-" + WorkerHandle.currentHost, id: "1")
        XCTAssertEqual(LocalProcessLiveness(isAlive: { _ in XCTFail("no local pid check"); return false }).check(remote, in: status(.running, worker: remote, silentFor: 1)),
                       .unknown)
    }

    func testStatusRecordsTheHandleAndOlderStatusFilesReadAsLocal() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        var status = status(.queued, worker: WorkerHandle(executor: "slurm", host: nil, id: "1834"), silentFor: 0)
        try run.writeStatus(status)
        let object = try run.readJSON(from: run.statusURL)
        guard case .object(let top) = object, case .object(let worker)? = top["worker"] else { return XCTFail("\(object)") }
        XCTAssertEqual(worker["executor"], "slurm")
        XCTAssertEqual(worker["id"], "1834")
        XCTAssertEqual(top["pid"], .null)
        XCTAssertEqual(try run.readStatus(), status)
        status.claim(WorkerHandle(executor: "slurm", host: "node07", id: "1834"))
        XCTAssertTrue(status.worker!.isSameWorker(as: WorkerHandle(executor: "slurm", id: "1834")), "the host is learnt later")

        try Data(#"{"schemaVersion":1,"state":"running","pid":4242,"epoch":1,"step":2,"totalSteps":9,"heartbeat":"2026-11-22T09:00:00Z"}"#.utf8)
            .write(to: run.statusURL)
        XCTAssertEqual(try run.readStatus().worker, WorkerHandle(executor: "local", host: nil, id: "4242"))
    }

    func testRunsOfAClusterExecutorDoNotWaitInTheLocalSlotQueue() throws {
        let catalog = RunCatalog(root: try makeTemporaryDirectory(self),
                                 liveness: LivenessByExecutor(["cluster": ClusterLiveness(jobs: ["5": .waiting])]))
        let config = RunConfig(name: "x", model: "small-cnn", variant: "conv", dataDirectory: "/d", seed: 0, threads: 1,
                               epochs: 1, createdAt: now, codeVersion: "test")
        let early = status(.queued, worker: WorkerHandle(executor: "cluster", id: "5"), silentFor: 30)
        _ = try catalog.createRun(config: config, status: early, at: now)
        let mine = QueuePosition(id: RunID("99999999-999999-ffff"), queuedAt: now)
        XCTAssertFalse(QueuePosition.hasRunAhead(of: mine, in: catalog, now: now), "a pending job holds no local slot")
    }

    /// Start and end times keep their milliseconds, so an overlap under a second shows.
    func testStartAndFinishTimesKeepMilliseconds() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        var status = RunStatus(state: .finished, heartbeat: now)
        status.startedAt = now.addingTimeInterval(0.125)
        status.finishedAt = now.addingTimeInterval(0.875)
        try run.writeStatus(status)
        let text = String(decoding: try Data(contentsOf: run.statusURL), as: UTF8.self)
        XCTAssertTrue(text.contains("09:00:00.125Z") && text.contains("09:00:00.875Z"), text)
        XCTAssertEqual(try run.readStatus(), status)
    }
}
