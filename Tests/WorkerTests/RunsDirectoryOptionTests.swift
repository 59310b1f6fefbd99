import Foundation
import RunStore
import XCTest

/// Where the runs directory is: `--runs`, else $SIMLAB_RUNS, else ./runs — an empty value
/// counting as unset.
final class RunsDirectoryOptionTests: XCTestCase {
    func testAnEmptySIMLAB_RUNSMeansRunsInTheCurrentDirectory() throws {
        let harness = try SimlabHarness(self)
        let project = harness.root.appendingPathComponent("project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        let runs = project.appendingPathComponent("runs")
        let run = try harness.launch(epochs: 1, runs: runs)
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped], timeout: 120).state, .finished)

        let empty = ["SIMLAB_RUNS": ""]
        let listing = try harness.run(["runs"], in: project, environment: empty)
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertTrue(listing.stdout.contains(run.id.rawValue), "SIMLAB_RUNS= lists ./runs:\n\(listing.stdout)")
        let show = try harness.run(["show", run.id.rawValue], in: project, environment: empty)
        XCTAssertEqual(show.status, 0, show.stderr)
        let queue = try harness.run(["queue", "--slots", "2"], in: project, environment: empty)
        XCTAssertEqual(queue.status, 0, queue.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: project.path), ["runs"],
                       "nothing written into the current directory itself")
        XCTAssertEqual(try harness.run(["queue"], in: project, environment: empty).stdout.hasPrefix("slots: 0 of 2 busy"), true)
        // An empty --runs is unset too; a set SIMLAB_RUNS still wins over ./runs.
        XCTAssertTrue(try harness.run(["runs", "--runs", ""], in: project).stdout.contains(run.id.rawValue))
        let elsewhere = try harness.run(["runs"], in: harness.root, environment: ["SIMLAB_RUNS": runs.path])
        XCTAssertTrue(elsewhere.stdout.contains(run.id.rawValue), elsewhere.stdout)
    }
}
