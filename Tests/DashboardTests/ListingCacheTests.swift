import Dashboard
import Foundation
import RunStore
import XCTest

/// The effect runner's listing reads a run's files again only when they changed, reports a
/// listing only when it differs from the last one, and forgets runs that are gone.
final class ListingCacheTests: XCTestCase {
    var fixtures: RunFixtures!
    var runner: EffectRunner!

    override func setUpWithError() throws {
        fixtures = try RunFixtures()
        runner = EffectRunner(runsDirectory: fixtures.root.path, controller: FakeRunController(fixtures: fixtures))
    }

    override func tearDown() { fixtures.remove() }

    /// The rows of a listing, nil when the runner reported none (nothing changed).
    func listing() -> [RunRow]? {
        let messages = runner.perform(.listRuns)
        guard case .runsListed(let rows, _)? = messages.first else { return nil }
        return rows
    }

    func testAnUnchangedRunIsNotReadAgainAndAnUnchangedListingIsNotReported() throws {
        try fixtures.makeRun(id: "20261122-100000-aaaa", name: "a", state: .finished)
        try fixtures.makeRun(id: "20261122-110000-bbbb", name: "b", state: .stopped)
        XCTAssertEqual(listing()?.map(\.name), ["a", "b"])
        XCTAssertEqual(runner.runFileReads, 2, "each run read once")
        XCTAssertNil(listing(), "nothing changed: nothing to report (and nothing to redraw)")
        XCTAssertNil(listing())
        XCTAssertEqual(runner.runFileReads, 2, "unchanged files are not read again")
    }

    func testAChangedStatusIsPickedUpAndOnlyThatRunIsRead() throws {
        let a = try fixtures.makeRun(id: "20261122-100000-aaaa", name: "a", state: .stopped)
        try fixtures.makeRun(id: "20261122-110000-bbbb", name: "b", state: .finished)
        XCTAssertNotNil(listing())
        var status = try a.readStatus()
        status.state = .finished
        try a.writeStatus(status)
        let rows = try XCTUnwrap(listing(), "a changed status is a new listing")
        XCTAssertEqual(rows.first { $0.id == a.id.rawValue }?.state, .finished)
        XCTAssertEqual(runner.runFileReads, 3, "two first reads, then only the changed run")
    }

    func testAppendedMetricsAndANewCheckpointChangeTheRowWithoutRereadingConfigAndStatus() throws {
        let run = try fixtures.makeRun(id: "20261122-100000-aaaa", state: .stopped)
        try fixtures.appendMetrics(run, epochs: 1...1)
        XCTAssertEqual(listing()?.first?.bestValidationAccuracy ?? 0, 0.6, accuracy: 1e-9)
        try fixtures.appendMetrics(run, epochs: 2...2)
        XCTAssertEqual(try XCTUnwrap(listing()).first?.bestValidationAccuracy ?? 0, 0.7, accuracy: 1e-9,
                       "the appended epoch is picked up")
        XCTAssertNil(listing(), "no change, no listing")
        try FileManager.default.createDirectory(at: run.checkpointsURL, withIntermediateDirectories: true)
        try Data([1]).write(to: run.checkpointURL(epoch: 2))
        XCTAssertEqual(try XCTUnwrap(listing()).first?.hasCheckpoint, true, "a new checkpoint is picked up")
        XCTAssertEqual(runner.runFileReads, 1, "config.json and status.json never changed")
    }

    func testAHandEditedConfigIsPickedUp() throws {
        let run = try fixtures.makeRun(id: "20261122-100000-aaaa", name: "before", state: .finished)
        XCTAssertEqual(listing()?.first?.name, "before")
        // Edited by hand (config.json is written once by simlab; an editor rewrites it in place).
        let text = try String(contentsOf: run.configURL, encoding: .utf8)
        XCTAssertTrue(text.contains("\"before\""), text)
        try Data(text.replacingOccurrences(of: "\"before\"", with: "\"after\"").utf8).write(to: run.configURL)
        XCTAssertEqual(listing()?.first?.name, "after")
        try Data("{\"schemaVersion\": 1, \"na".utf8).write(to: run.configURL)
        XCTAssertEqual(try XCTUnwrap(listing()).first?.problem?.contains("config.json"), true, "now unreadable: said so")
    }

    func testADeletedRunDisappearsAndANewOneAppears() throws {
        let a = try fixtures.makeRun(id: "20261122-100000-aaaa", state: .finished)
        try fixtures.makeRun(id: "20261122-110000-bbbb", state: .finished)
        XCTAssertEqual(listing()?.count, 2)
        try FileManager.default.removeItem(at: a.url)
        XCTAssertEqual(listing()?.map(\.id), ["20261122-110000-bbbb"])
        try fixtures.makeRun(id: "20261122-120000-cccc", state: .queued)
        XCTAssertEqual(listing()?.map(\.id), ["20261122-110000-bbbb", "20261122-120000-cccc"])
    }

    /// A running run's files may stay the same while its worker dies: it is judged again at
    /// every listing (without reading its files), and shown failed once the worker is gone.
    func testARunningRunWhoseWorkerDiesIsShownFailedWithoutItsFilesChanging() throws {
        // A worker process of our own that we end: the run's status names it.
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        let run = try fixtures.makeRun(id: "20261122-100000-aaaa", state: .running, pid: sleeper.processIdentifier)
        XCTAssertEqual(listing()?.first?.state, .running)
        sleeper.terminate()
        sleeper.waitUntilExit()
        let rows = try XCTUnwrap(listing(), "the worker's death changes the listing")
        XCTAssertEqual(rows.first?.state, .failed)
        XCTAssertEqual(rows.first?.problem, "worker process \(sleeper.processIdentifier) is gone")
        XCTAssertEqual(runner.runFileReads, 1, "judged again from what was read, not read again")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.statusURL.path))
    }

    func testAnUnchangedStudyListIsNotReportedAgain() throws {
        var study = StudyRecord(name: "alpha", grid: [try StudyGrid.axis("lr=0.1,0.2")], seeds: [0], options: [])
        for (c, cell) in study.cells.enumerated() {
            let id = "20261122-10000\(c)-0000"
            let run = try fixtures.makeRun(id: id, state: .finished)
            try fixtures.appendMetrics(run, epochs: 1...2)
            study.runs.append(StudyRun(cell: cell, seed: 0, run: id))
        }
        try StudyCatalog(runsRoot: fixtures.root).write(study)
        XCTAssertNotNil(listing())
        let reads = runner.runFileReads
        guard case .studiesListed(let first, _)? = runner.perform(.listStudies).first else { return XCTFail("no studies") }
        XCTAssertEqual(first.first?.finishedCount, 2)
        XCTAssertEqual(runner.runFileReads, reads, "the study's runs come from the listing, not read again")
        XCTAssertTrue(runner.perform(.listStudies).isEmpty, "unchanged: not reported")
        let run = fixtures.catalog.directory(for: RunID("20261122-100001-0000"))
        var status = try run.readStatus()
        status.state = .failed
        try run.writeStatus(status)
        guard case .studiesListed(let second, _)? = runner.perform(.listStudies).first else { return XCTFail("change not reported") }
        XCTAssertEqual(second.first?.finishedCount, 1)
    }

    func testAStudysOverviewIsRebuiltOnlyWhenItsFileOrAMembersFilesChange() throws {
        var study = StudyRecord(name: "beta", grid: [try StudyGrid.axis("lr=0.1,0.2")], seeds: [0], options: [])
        var runs: [RunDirectory] = []
        for (c, cell) in study.cells.enumerated() {
            let id = "20261122-12000\(c)-0000"
            let run = try fixtures.makeRun(id: id, state: .finished)
            try fixtures.appendMetrics(run, epochs: 1...2)
            study.runs.append(StudyRun(cell: cell, seed: 0, run: id))
            runs.append(run)
        }
        let studies = StudyCatalog(runsRoot: fixtures.root)
        try studies.write(study)
        XCTAssertNotNil(listing())
        XCTAssertFalse(runner.perform(.listStudies).isEmpty)
        XCTAssertEqual(runner.studyOverviewBuilds, 1)
        _ = runner.perform(.listStudies)
        _ = runner.perform(.listStudies)
        XCTAssertEqual(runner.studyOverviewBuilds, 1, "nothing changed: the overview is reused")

        try fixtures.appendMetrics(runs[0], epochs: 3...3)
        guard case .studiesListed(let grown, _)? = runner.perform(.listStudies).first else { return XCTFail("metrics not picked up") }
        XCTAssertEqual(runner.studyOverviewBuilds, 2, "a member's metrics grew")
        XCTAssertEqual(grown.first?.name, "beta")

        study.createdAt = study.createdAt.addingTimeInterval(-3600)
        try studies.write(study)
        XCTAssertFalse(runner.perform(.listStudies).isEmpty, "an edited study.json is reported")
        XCTAssertEqual(runner.studyOverviewBuilds, 3, "study.json changed")
    }
}
