import Foundation
import RunStore
import XCTest

/// Studies in RunStore: the grid through the option table, the study file, config.json's
/// `study` member and the report.
final class StudyTests: XCTestCase {
    private func study(_ grid: [String], seeds: String = "0,1", options: [(String, String)] = [("epochs", "2")],
                       baseline: String? = nil) throws -> StudyRecord {
        let axes = try grid.map { try StudyGrid.axis($0) }
        return StudyRecord(name: "s", createdAt: Date(timeIntervalSince1970: 1_800_000_000), grid: axes,
                           seeds: try StudyGrid.seeds(seeds),
                           baseline: try baseline.map { try StudyGrid.baseline($0, grid: axes) },
                           options: try options.map { try StudyGrid.setting(flag: $0.0, text: $0.1) })
    }

    func testGridExpandsEveryCellFirstAxisSlowestWithTypedValues() throws {
        let record = try study(["knn-alpha=0,0.01,0.1", "--variant=conv,static-diag"])
        XCTAssertEqual(record.grid.map(\.flag), ["knn-alpha", "variant"])
        XCTAssertEqual(record.grid[0].values, [.number(0), .number(0.01), .number(0.1)], "numbers stored as numbers")
        XCTAssertEqual(record.cells.map(\.label), [
            "knn-alpha=0 variant=conv", "knn-alpha=0 variant=static-diag",
            "knn-alpha=0.01 variant=conv", "knn-alpha=0.01 variant=static-diag",
            "knn-alpha=0.1 variant=conv", "knn-alpha=0.1 variant=static-diag",
        ])
        XCTAssertEqual(record.effectiveBaseline?.text, "knn-alpha=0", "default baseline: first value of the first key")
        XCTAssertEqual(StudyGrid.problems(record), [])

        let configuration = try StudyGrid.configuration(options: record.options, cell: record.cells[3], seed: 5)
        XCTAssertEqual(configuration.knnAlpha, 0.01)
        XCTAssertEqual(configuration.variant, "static-diag")
        XCTAssertEqual(configuration.epochs, 2)
        XCTAssertEqual(configuration.seed, 5)

        // Values with commas of their own, flags, the model:variant form and a range of seeds.
        let lists = try StudyGrid.axis("widths=8,16|16,32,64")
        XCTAssertEqual(lists.values, [.array([8, 16]), .array([16, 32, 64])])
        XCTAssertEqual(try StudyGrid.axis("augment=yes,no").values, [.bool(true), .bool(false)])
        let models = try study(["model=nsn-lite:conv,nsn-lite:dynamic-diag"])
        XCTAssertEqual(try StudyGrid.configuration(options: [], cell: models.cells[1], seed: 0).variant, "dynamic-diag")
        XCTAssertEqual(try StudyGrid.seeds("0-2,7"), [0, 1, 2, 7])
    }

    func testBadGridsAreRefusedWithTheReason() throws {
        func refusal(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertEqual(refusal { try StudyGrid.axis("kernal=3,5") }, "--grid kernal: not a training option (see `simlab train --help`)")
        XCTAssertEqual(refusal { try StudyGrid.axis("knn-alpha=0,-1") }, "--knn-alpha must be ≥ 0, got -1.0")
        XCTAssertEqual(refusal { try StudyGrid.axis("epochs=2,two") }, "--epochs needs a whole number, got 'two'")
        XCTAssertEqual(refusal { try StudyGrid.axis("lr") }, "--grid 'lr' needs the form KEY=V1,V2 (e.g. knn-alpha=0,0.1)")
        XCTAssertEqual(refusal { try StudyGrid.axis("lr=") }, "--grid lr= needs values separated by commas, got ''")
        XCTAssertEqual(refusal { try StudyGrid.axis("lr=0.1,0.1") }, "--grid lr lists 0.1 twice")
        XCTAssertEqual(refusal { try StudyGrid.axis("seed=1,2") }, "--grid seed: give the seeds with --seeds 0,1,2")
        XCTAssertEqual(refusal { try StudyGrid.seeds("0,x") }, "--seeds needs whole numbers ≥ 0 like 0,1,2 or 0-4, got '0,x'")
        XCTAssertEqual(refusal { try StudyGrid.baseline("knn-alpha=0.5", grid: [StudyGrid.axis("knn-alpha=0,0.1")]) },
                       "--baseline knn-alpha=0.5: not one of the grid's values for knn-alpha (0, 0.1)")
        // Combinations are checked per cell.
        let smallCNN = try study(["variant=conv,static-diag"], options: [("model", "small-cnn")])
        XCTAssertEqual(StudyGrid.problems(smallCNN),
                       ["variant=static-diag: --variant static-diag needs --model nsn-lite or nsl-cnn9 (small-cnn has plain convolutions)"])
        let warmup = try study(["warmup=1,5"], options: [("epochs", "3")])
        XCTAssertEqual(StudyGrid.problems(warmup), ["warmup=5: --warmup must be in 0...epochs, got 5.0"])
        let twice = try study(["epochs=1,2"], options: [("epochs", "3")])
        XCTAssertEqual(StudyGrid.problems(twice), ["--epochs is both a grid key and a common option; give it once"])
        XCTAssertNotNil(StudyGrid.nameProblem("../x"))
        XCTAssertNotNil(StudyGrid.nameProblem(".hidden"))
        XCTAssertNil(StudyGrid.nameProblem("knn-alpha_10pct.v2"))
    }

    /// The kernel-shape study's grid: every shape reaches the cell's configuration, and a
    /// shape that does not fit the kernel is refused naming the cell.
    func testKernelShapeIsAGridKey() throws {
        let record = try study(["variant=static-diag,dynamic-diag", "kernel-shape=full,learned:5,cross"],
                               baseline: "kernel-shape=cross")
        XCTAssertEqual(StudyGrid.problems(record), [])
        XCTAssertEqual(record.cells.count, 6)
        XCTAssertEqual(try StudyGrid.configuration(options: record.options, cell: record.cells[1], seed: 0).kernelShape,
                       "learned:5")
        XCTAssertEqual(record.effectiveBaseline?.text, "kernel-shape=cross")
        XCTAssertThrowsError(try StudyGrid.axis("kernel-shape=full,learned:0"))
        let tooMany = try study(["kernel-shape=learned:9,learned:10"])
        XCTAssertEqual(StudyGrid.problems(tooMany),
                       ["kernel-shape=learned:10: --kernel-shape learned:10 asks for 10 active taps, but a 3×3 kernel (--kernel 3) has 9"])
    }

    func testStudyFileRoundTripsAndIsNeverARun() throws {
        let root = try makeTemporaryDirectory(self)
        var record = try study(["knn-alpha=0,0.1", "widths=8,16|16,32"], baseline: "knn-alpha=0.1")
        record.runs = [StudyRun(cell: record.cells[2], seed: 1, run: "20261201-100000-1a2b")]
        let catalog = StudyCatalog(runsRoot: root)
        try catalog.write(record)
        XCTAssertEqual(catalog.url(of: "s").path, root.appendingPathComponent(".studies/s/study.json").path)
        XCTAssertEqual(try catalog.read("s"), record)
        XCTAssertEqual(catalog.names(), ["s"])
        XCTAssertNil(try catalog.read("other"))
        XCTAssertEqual(record.run(cell: record.cells[2], seed: 1)?.run, "20261201-100000-1a2b")
        XCTAssertEqual(RunCatalog(root: root).runDirectories(), [], "the studies folder is not a run")
        XCTAssertThrowsError(try RunCatalog(root: root).resolve(".studies"))

        let text = try String(contentsOf: catalog.url(of: "s"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"schemaVersion\" : 1"), text)
        XCTAssertTrue(text.contains("\"flag\" : \"knn-alpha\""), text)
        // A newer schema is refused with the file's name.
        try Data(#"{"schemaVersion": 9, "name": "s"}"#.utf8).write(to: catalog.url(of: "s"))
        XCTAssertThrowsError(try catalog.read("s")) { error in
            XCTAssertTrue("\(error)".contains("s/study.json") && "\(error)".contains("schemaVersion 9"), "\(error)")
        }
    }

    func testConfigCarriesTheStudyAndOlderConfigsStillOpen() throws {
        let root = try makeTemporaryDirectory(self)
        let record = try study(["knn-alpha=0,0.1"])
        var configuration = try StudyGrid.configuration(options: record.options, cell: record.cells[1], seed: 1)
        configuration.study = StudyMembership(name: "s", cell: record.cells[1])
        let run = try RunCatalog(root: root).createRun(config: configuration.runConfig(name: nil, dataDirectory: "/d", codeVersion: "t"))
        let config = try run.readConfig()
        XCTAssertEqual(config.study, StudyMembership(name: "s", cell: record.cells[1]))
        XCTAssertEqual(try config.trainingConfiguration().study?.cell.label, "knn-alpha=0.1")
        let json = try String(contentsOf: run.configURL, encoding: .utf8)
        XCTAssertTrue(json.contains("\"study\""), json)

        let old = RunDirectory(url: root.appendingPathComponent("20261101-000000-0000"))
        try FileManager.default.createDirectory(at: old.url, withIntermediateDirectories: true)
        try Data(#"{"schemaVersion":1,"name":"old","model":"nsn-lite","variant":"conv","createdAt":"2026-11-01T00:00:00Z","settings":{}}"#.utf8)
            .write(to: old.configURL)
        XCTAssertNil(try old.readConfig().study, "a config written before studies opens, with no study")
    }

    /// Two cells × three seeds with fabricated run facts: the JSON keeps the names scripts read.
    func testReportJSONSchemaAndPairedComparison() throws {
        var record = try study(["knn-alpha=0,0.1"], seeds: "0,1,2")
        var facts: [String: StudyRunFacts] = [:]
        let accuracies: [[Double]] = [[0.9322, 0.9271, 0.9312], [0.9341, 0.9320, 0.9335]]
        for (c, cell) in record.cells.enumerated() {
            for seed in record.seeds {
                let id = "20261201-10000\(c)-000\(seed)"
                record.runs.append(StudyRun(cell: cell, seed: seed, run: id))
                var metrics = MetricsSummary()
                metrics.lastTestAccuracy = accuracies[c][Int(seed)]
                metrics.testAccuracyAtBestValidation = accuracies[c][Int(seed)] - 0.001
                facts[id] = StudyRunFacts(state: "finished", metrics: metrics, secondsPerEpoch: 10, parameters: 1234)
            }
        }
        // A third seed still running in the second cell: it counts as created, not finished, and is not paired.
        facts["20261201-100001-0002"]!.state = "running"

        let report = StudyReport(study: record, facts: facts)
        let json = report.json
        XCTAssertEqual(json["study"], "s")
        XCTAssertEqual(json["baseline"], .object(["knn-alpha": 0]))
        guard let groups = json["groups"]?.arrayValue, groups.count == 2 else { return XCTFail("groups: \(json)") }
        let baseline = groups[0], other = groups[1]
        XCTAssertEqual(baseline["settings"], .object(["knn-alpha": 0]))
        XCTAssertEqual(baseline["runs"]?.arrayValue?.count, 3)
        XCTAssertEqual(baseline["seeds"], [0, 1, 2])
        XCTAssertEqual(baseline["finished"], 3)
        XCTAssertEqual(baseline["delta"], .null, "the baseline has no comparison")
        XCTAssertEqual(baseline["test_accuracy"]?["n"], 3)
        XCTAssertEqual(baseline["test_accuracy"]?["mean"]?.doubleValue ?? 0, (0.9322 + 0.9271 + 0.9312) / 3, accuracy: 1e-12)
        // Sample std (n − 1) of the three test accuracies.
        let baselineMean = (0.9322 + 0.9271 + 0.9312) / 3
        let baselineStd = ([0.9322, 0.9271, 0.9312].map { ($0 - baselineMean) * ($0 - baselineMean) }.reduce(0, +) / 2).squareRoot()
        XCTAssertEqual(baseline["test_accuracy"]?["std"]?.doubleValue ?? 0, baselineStd, accuracy: 1e-12)
        XCTAssertEqual(baseline["test_accuracy_at_best_val"]?["mean"]?.doubleValue ?? 0, baselineMean - 0.001, accuracy: 1e-12)
        XCTAssertEqual(baseline["seconds_per_epoch"]?["mean"], 10)
        XCTAssertEqual(baseline["parameters"], 1234)
        XCTAssertEqual(baseline["knn_accuracy"], .null, "no kNN evaluation")
        XCTAssertEqual(other["finished"], 2)
        XCTAssertEqual(other["states"], .object(["finished": 2, "running": 1]))
        XCTAssertEqual(other["test_accuracy"]?["n"], 2)
        // Seeds 0 and 1 pair: differences 0.0019 and 0.0049.
        XCTAssertEqual(other["delta"]?["mean"]?.doubleValue ?? 0, 0.0034, accuracy: 1e-12)
        XCTAssertEqual(other["delta"]?["n"], 2)
        // Two pairs: t = mean / (sd / √2) with one degree of freedom, whose two-sided p is
        // 1 − (2/π)·atan|t| (Student's t with ν = 1 is the Cauchy distribution).
        let differences = [0.9341 - 0.9322, 0.9320 - 0.9271]
        let meanDifference = (differences[0] + differences[1]) / 2
        let sdDifference = abs(differences[1] - differences[0]) / 2.0.squareRoot()
        let t = meanDifference / (sdDifference / 2.0.squareRoot())
        XCTAssertEqual(other["delta"]?["p"]?.doubleValue ?? -1, 1 - 2 / Double.pi * atan(abs(t)), accuracy: 1e-9)

        // One pair only: the mean difference, no p.
        facts["20261201-100001-0001"]!.state = "failed"
        let onePair = StudyReport(study: record, facts: facts).json["groups"]?.arrayValue?[1]["delta"]
        XCTAssertEqual(onePair?["n"], 1)
        XCTAssertNil(onePair?["p"], "p is absent with one pair: \(String(describing: onePair))")

        let markdown = report.markdown
        XCTAssertTrue(markdown.contains("| knn-alpha | n | test acc. % |"), markdown)
        XCTAssertTrue(markdown.contains("| 0 | 3 | 93.02 ± 0.27 |"), markdown)
        XCTAssertTrue(markdown.contains("| 0.1 | 2/3 | 93.31 ± 0.15 |"), markdown)
        XCTAssertTrue(markdown.contains("| +0.34 (2 pairs) |"), markdown)
        let csv = report.csv.split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertTrue(csv[0].hasPrefix("knn-alpha,runs,finished,test_accuracy_mean,test_accuracy_std,"), String(csv[0]))
    }
}
