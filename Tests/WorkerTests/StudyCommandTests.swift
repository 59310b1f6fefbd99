import Foundation
import RunStore
import XCTest

/// `simlab study …` end to end: the real binary, real workers, the synthetic dataset.
final class StudyCommandTests: XCTestCase {
    /// The tiny model without its learning rate (a grid key here), one epoch.
    private static let options = SimlabHarness.tinyModel.filter { $0 != "--lr" && $0 != "0.05" } + ["--epochs", "1", "--no-knn-eval"]

    private func study(_ harness: SimlabHarness, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> SimlabHarness.Output {
        try harness.run(["study"] + arguments + ["--runs", harness.runs.path])
    }

    private func waitForStudy(_ harness: SimlabHarness, _ name: String, runs count: Int, timeout: TimeInterval = 240,
                              file: StaticString = #filePath, line: UInt = #line) throws -> StudyRecord {
        let catalog = StudyCatalog(runsRoot: harness.runs)
        try harness.waitUntil("\(count) recorded runs in study \(name), each cell × seed finished", timeout: timeout,
                              file: file, line: line) {
            guard let record = try? catalog.read(name), record.runs.count == count else { return false }
            let latest = record.cells.flatMap { record.runs(of: $0) }
            return latest.count == record.cells.count * record.seeds.count && latest.allSatisfy {
                (try? RunDirectory(url: harness.runs.appendingPathComponent($0.run)).readStatus().state) == .finished
            }
        }
        return try XCTUnwrap(try catalog.read(name))
    }

    func testTinyStudyRunsToAJSONReport() throws {
        let harness = try SimlabHarness(self)
        let create = try study(harness, ["create", "tiny", "--grid", "lr=0.05,0.1", "--seeds", "0,1",
                                         "--data", harness.data.path] + Self.options)
        XCTAssertEqual(create.status, 0, create.stderr)
        XCTAssertEqual(create.stdout.split(separator: "\n").count, 4, create.stdout)
        XCTAssertTrue(create.stdout.contains("lr=0.1 seed=1  created"), create.stdout)

        let record = try waitForStudy(harness, "tiny", runs: 4)
        XCTAssertEqual(record.cells.map(\.label), ["lr=0.05", "lr=0.1"])
        for run in record.runs {
            let config = try RunDirectory(url: harness.runs.appendingPathComponent(run.run)).readConfig()
            XCTAssertEqual(config.study, StudyMembership(name: "tiny", cell: run.cell), "config.json of \(run.run)")
            XCTAssertEqual(config.seed, run.seed)
        }
        let runs = try harness.run(["runs", "--runs", harness.runs.path])
        XCTAssertEqual(runs.stdout.split(separator: "\n").count, 5, "four runs and a header, no study folder:\n\(runs.stdout)")

        let report = try study(harness, ["report", "tiny", "--json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try JSONValue.parse(Array(report.stdout.utf8))
        XCTAssertEqual(json["study"], "tiny")
        XCTAssertEqual(json["baseline"], .object(["lr": 0.05]))
        let groups = try XCTUnwrap(json["groups"]?.arrayValue)
        XCTAssertEqual(groups.count, 2)
        // Each run's figures straight from its files: the last test line of metrics.jsonl, model.json.
        func rawObject(_ bytes: Data) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        }
        func testAccuracy(_ id: String) throws -> Double {
            let url = harness.runs.appendingPathComponent(id).appendingPathComponent("metrics.jsonl")
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            let tests = try lines.map { try rawObject(Data($0.utf8)) }.filter { $0["split"] as? String == "test" }
            return try XCTUnwrap(tests.last?["accuracy"] as? Double, "\(id) has a test accuracy")
        }
        func parameterCount(_ id: String) throws -> Int {
            let url = harness.runs.appendingPathComponent(id).appendingPathComponent("model.json")
            return try XCTUnwrap(rawObject(Data(contentsOf: url))["parameterCount"] as? Int)
        }
        var accuracies: [[Double]] = []
        for (group, cell) in zip(groups, record.cells) {
            XCTAssertEqual(group["finished"], 2)
            XCTAssertEqual(group["seeds"], [0, 1])
            XCTAssertEqual(group["runs"]?.arrayValue?.count, 2)
            XCTAssertEqual(group["test_accuracy"]?["n"], 2)
            let ids = record.runs(of: cell).map(\.run)
            let values = try ids.map(testAccuracy)
            accuracies.append(values)
            let mean = (values[0] + values[1]) / 2
            XCTAssertEqual(group["test_accuracy"]?["mean"]?.doubleValue ?? -1, mean, accuracy: 1e-12, "as a fraction")
            // Sample std of two values: |a − b| / √2.
            XCTAssertEqual(group["test_accuracy"]?["std"]?.doubleValue ?? -1, abs(values[0] - values[1]) / 2.0.squareRoot(),
                           accuracy: 1e-12)
            XCTAssertEqual(group["parameters"]?.intValue, try parameterCount(ids[0]))
        }
        XCTAssertEqual(groups[0]["delta"], .null)
        XCTAssertEqual(groups[1]["delta"]?["n"], 2)
        // Paired by seed: the mean of (lr 0.1 − lr 0.05) per seed.
        let meanDelta = ((accuracies[1][0] - accuracies[0][0]) + (accuracies[1][1] - accuracies[0][1])) / 2
        XCTAssertEqual(groups[1]["delta"]?["mean"]?.doubleValue ?? -1, meanDelta, accuracy: 1e-12)

        let markdown = try study(harness, ["report", "tiny"])
        XCTAssertTrue(markdown.stdout.contains("| lr | n | test acc. % |"), markdown.stdout)
        let show = try study(harness, ["show", "tiny"])
        XCTAssertTrue(show.stdout.contains("lr=0.05  2     2 "), show.stdout)
        let list = try study(harness, ["list"])
        XCTAssertTrue(list.stdout.contains("tiny  2      2      4     4 "), list.stdout)
    }

    func testAPartialStudyIsContinuedAndAnotherGridRefused() throws {
        let harness = try SimlabHarness(self)
        let arguments = ["create", "part", "--grid", "lr=0.05,0.1", "--seeds", "0", "--data", harness.data.path] + Self.options
        // Stopped before any trains: each run is stopped (queued or checkpointed).
        try harness.run(["queue", "--slots", "1", "--runs", harness.runs.path])
        XCTAssertEqual(try study(harness, arguments).status, 0)
        let stop = try study(harness, ["stop", "part"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        let catalog = StudyCatalog(runsRoot: harness.runs)
        let first = try XCTUnwrap(try catalog.read("part"))
        for run in first.runs {
            _ = try harness.waitForState(RunDirectory(url: harness.runs.appendingPathComponent(run.run)), [.stopped, .finished])
        }

        // Another grid (or other options) under the name: refused, nothing created.
        let other = try study(harness, ["create", "part", "--grid", "lr=0.05,0.2", "--seeds", "0", "--data", harness.data.path] + Self.options)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("study part exists with another grid (lr=0.05,0.1)"), other.stderr)
        XCTAssertEqual(try catalog.read("part")?.runs, first.runs)

        // The same command again, with one more seed: resumes the stopped runs, creates seed 1's.
        let again = try study(harness, Array(arguments.prefix(5)) + ["0,1"] + Array(arguments.dropFirst(6)))
        XCTAssertEqual(again.status, 0, again.stderr)
        let lines = again.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, again.stdout)
        XCTAssertEqual(lines.filter { $0.hasSuffix("seed=0  resumed") || $0.hasSuffix("seed=0  finished") }.count, 2, again.stdout)
        XCTAssertEqual(lines.filter { $0.hasSuffix("seed=1  created") }.count, 2, again.stdout)

        let record = try waitForStudy(harness, "part", runs: 4)
        XCTAssertEqual(Array(record.runs.prefix(2)), first.runs, "the stopped runs were continued, not replaced")

        // A deleted run is created again by `study resume`; finished ones are left alone.
        let gone = record.runs[3]
        try FileManager.default.removeItem(at: harness.runs.appendingPathComponent(gone.run))
        let resume = try study(harness, ["resume", "part"])
        XCTAssertEqual(resume.status, 0, resume.stderr)
        XCTAssertEqual(resume.stdout.split(separator: "\n").filter { $0.hasSuffix("finished") }.count, 3, resume.stdout)
        XCTAssertEqual(resume.stdout.split(separator: "\n").filter { $0.hasSuffix("created") }.count, 1, resume.stdout)
        let final = try waitForStudy(harness, "part", runs: 5)
        XCTAssertNotEqual(final.run(cell: gone.cell, seed: gone.seed)?.run, gone.run)
    }

    func testBadGridsAreRefusedBeforeAnythingIsCreated() throws {
        let harness = try SimlabHarness(self)
        let cases: [([String], String)] = [
            (["--grid", "kernal=3,5"], "--grid kernal: not a training option. Did you mean 'kernel'?"),
            (["--grid", "knn-alpha=0,-1"], "--knn-alpha must be ≥ 0, got -1.0"),
            (["--grid", "variant=conv,static-diag", "--model", "small-cnn"], "variant=static-diag: --variant static-diag needs --model nsn-lite"),
            (["--grid", "lr=0.1,0.2", "--baseline", "lr=0.3"], "--baseline lr=0.3: not one of the grid's values"),
            (["--grid", "lr=0.1", "--seeds", "a"], "--seeds needs whole numbers"),
            (["--grid", "lr=0.1", "--seed", "3"], "--seed: a study's seeds are given with --seeds 0,1,2"),
            ([], "a study needs at least one --grid KEY=V1,V2"),
        ]
        for (arguments, message) in cases {
            let output = try study(harness, ["create", "bad", "--data", harness.data.path] + arguments)
            XCTAssertEqual(output.status, 64, "\(arguments): \(output.stderr)")
            XCTAssertTrue(output.stderr.contains(message), "\(arguments): \(output.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.runs.path), "nothing was created")
    }
}
