import XCTest
@testable import RunStore

final class CatalogTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_795_338_000)

    func config() -> RunConfig {
        RunConfig(name: "r", model: "nsn-lite", variant: "conv", dataDirectory: "/d", seed: 1, threads: 1, epochs: 1,
                  createdAt: now, codeVersion: "test")
    }

    /// A pid that no process has: past the kernel's pid_max.
    func deadPid() -> Int32 {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)) ?? "4194304"
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))! + 1
    }

    func testLivenessOfActiveRuns() throws {
        XCTAssertTrue(ProcessLiveness.isAlive(pid: getpid()))
        XCTAssertFalse(ProcessLiveness.isAlive(pid: deadPid()))
        let catalog = RunCatalog(root: try makeTemporaryDirectory(self))
        let cases: [(String, RunStatus, RunCondition)] = [
            ("alive", RunStatus(state: .running, pid: getpid(), heartbeat: now), .recorded(.running)),
            ("pid gone", RunStatus(state: .running, pid: deadPid(), heartbeat: now),
             .lost(recorded: .running, reason: "worker process \(deadPid()) is gone")),
            ("stale heartbeat", RunStatus(state: .paused, pid: getpid(), heartbeat: now.addingTimeInterval(-600)),
             .lost(recorded: .paused, reason: "no heartbeat since \(ISOTime.format(now.addingTimeInterval(-600)))")),
            ("finished, pid gone is fine", RunStatus(state: .finished, pid: deadPid(), heartbeat: now.addingTimeInterval(-9999)),
             .recorded(.finished)),
            ("queued, its worker starting", RunStatus(state: .queued, heartbeat: now.addingTimeInterval(-5)), .recorded(.queued)),
            ("queued, no worker ever came", RunStatus(state: .queued, heartbeat: now.addingTimeInterval(-9999)),
             .lost(recorded: .queued, reason: "no worker took up the run queued at \(ISOTime.format(now.addingTimeInterval(-9999)))")),
            ("queued and waiting", RunStatus(state: .queued, pid: getpid(), heartbeat: now.addingTimeInterval(-5)), .recorded(.queued)),
            ("queued, waiting worker gone", RunStatus(state: .queued, pid: deadPid(), heartbeat: now),
             .lost(recorded: .queued, reason: "queued worker process \(deadPid()) is gone")),
            ("queued, waiting worker silent", RunStatus(state: .queued, pid: getpid(), heartbeat: now.addingTimeInterval(-600)),
             .lost(recorded: .queued, reason: "no heartbeat since \(ISOTime.format(now.addingTimeInterval(-600)))")),
        ]
        for (label, status, expected) in cases {
            let run = try catalog.createRun(config: config(), status: status, at: now)
            let summary = RunSummary(directory: run, now: now, heartbeatTimeout: 120)
            XCTAssertEqual(summary.condition, expected, label)
            XCTAssertEqual(summary.problems, [], label)
        }
        XCTAssertEqual(RunSummary.condition(of: cases[1].1, now: now, heartbeatTimeout: 120, isAlive: { _ in true }),
                       .recorded(.running), "injected liveness check is used")
        XCTAssertEqual(RunCondition.lost(recorded: .running, reason: "").state, .failed)
    }

    /// The line a worker waits in (`hasRunAhead`) is the line `simlab queue` and the
    /// dashboard show (`startOrder`): a run whose worker is still starting holds its place;
    /// a run whose worker is gone, or never came, does not.
    func testAWorkersTurnFollowsTheDisplayedStartOrder() throws {
        let catalog = RunCatalog(root: try makeTemporaryDirectory(self))
        func queued(_ secondsAgo: Double, pid: Int32?, heartbeatAgo: Double = 1) -> RunStatus {
            var status = RunStatus(state: .queued, pid: pid, heartbeat: now.addingTimeInterval(-heartbeatAgo))
            status.queuedAt = now.addingTimeInterval(-secondsAgo)
            return status
        }
        var running = RunStatus(state: .running, pid: getpid(), heartbeat: now)
        running.queuedAt = now.addingTimeInterval(-300)
        let statuses: [(String, RunStatus)] = [
            ("worker starting", queued(100, pid: nil)),
            ("waiting", queued(50, pid: getpid())),
            ("worker gone", queued(200, pid: deadPid())),
            ("no worker came", queued(9_000, pid: nil, heartbeatAgo: 9_000)),
            ("running", running),
            ("waiting, queued last", queued(10, pid: getpid())),
        ]
        var runs: [String: RunDirectory] = [:]
        for (label, status) in statuses { runs[label] = try catalog.createRun(config: config(), status: status, at: now) }

        let order = QueuePosition.startOrder(catalog.summaries(now: now)).map(\.id)
        XCTAssertEqual(order, ["worker starting", "waiting", "waiting, queued last"].map { runs[$0]!.id })
        let withRunAhead: Set = ["waiting", "waiting, queued last"]
        for (label, status) in statuses {
            let position = QueuePosition(id: runs[label]!.id, status: status)
            XCTAssertEqual(QueuePosition.hasRunAhead(of: position, in: catalog, now: now), withRunAhead.contains(label), label)
        }
        let first = QueuePosition(id: runs["worker starting"]!.id, status: statuses[0].1)
        let everyPidAlive = RunCatalog(root: catalog.root, liveness: LivenessByExecutor(
            [WorkerHandle.localExecutor: LocalProcessLiveness(isAlive: { _ in true }, startTime: { _ in nil })]))
        XCTAssertTrue(QueuePosition.hasRunAhead(of: first, in: everyPidAlive, now: now),
                      "were the gone worker alive, its earlier run would be ahead")
    }

    func testListingReportsIncompleteRunsInsteadOfThrowing() throws {
        let root = try makeTemporaryDirectory(self)
        let catalog = RunCatalog(root: root)
        let good = try catalog.createRun(config: config(), at: now)
        let empty = catalog.directory(for: RunID("00000000-000000-0000"))
        try FileManager.default.createDirectory(at: empty.url, withIntermediateDirectories: true)
        let future = catalog.directory(for: RunID("99999999-000000-ffff"))
        try FileManager.default.createDirectory(at: future.url, withIntermediateDirectories: true)
        try Data(#"{"schemaVersion": 9, "state": "running"}"#.utf8).write(to: future.statusURL)
        try Data("hidden".utf8).write(to: root.appendingPathComponent(".lock"))
        try Data("file".utf8).write(to: root.appendingPathComponent("notes.txt"))
        let notARun = root.appendingPathComponent("Documents")
        try FileManager.default.createDirectory(at: notARun, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: notARun.appendingPathComponent("thesis.tex"))
        let renamed = catalog.directory(for: RunID("my-renamed-run"))
        try FileManager.default.createDirectory(at: renamed.url, withIntermediateDirectories: true)
        try Data("{".utf8).write(to: renamed.statusURL)

        let summaries = catalog.summaries(now: now)
        XCTAssertEqual(summaries.map(\.id), [empty.id, good.id, future.id, renamed.id],
                       "a folder that is neither named like a run nor holds its files is not a run")
        XCTAssertNil(catalog.find("Doc"), "not found, so not deletable by prefix")
        XCTAssertFalse(RunID("2026112-231500-ab12").hasGeneratedShape)
        XCTAssertFalse(RunID("20261122-231500-ab1g").hasGeneratedShape)
        XCTAssertEqual(summaries[0].condition, .incomplete(reason: "missing status.json"))
        XCTAssertEqual(summaries[0].problems.count, 2)
        XCTAssertNil(summaries[0].config)
        XCTAssertEqual(summaries[1].condition, .recorded(.queued))
        XCTAssertEqual(summaries[1].config, config())
        XCTAssertEqual(summaries[2].condition, .incomplete(reason: "status.json: schemaVersion 9, expected 1"))
        XCTAssertEqual(catalog.find(String(good.id.rawValue.prefix(18)))?.id, good.id)
        XCTAssertTrue(RunCatalog(root: root.appendingPathComponent("nope")).summaries().isEmpty)
    }

    func testLogTail() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("worker.log")
        XCTAssertEqual(LogTail.lastLines(of: url, count: 5), [], "missing log")
        let lines = (1...30_000).map { "line \($0) " + String(repeating: "x", count: $0 % 17) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        XCTAssertEqual(LogTail.lastLines(of: url, count: 5), Array(lines.suffix(5)))
        XCTAssertEqual(LogTail.lastLines(of: url, count: 5000), Array(lines.suffix(5000)), "spans several blocks")
        XCTAssertEqual(LogTail.lastLines(of: url, count: 100_000).count, 30_000)
        try appendBytes("partial", to: url)
        XCTAssertEqual(LogTail.lastLines(of: url, count: 2), [lines.last!, "partial"])
    }
}
