import Dashboard
import Foundation
import RunStore
import TerminalUI
import XCTest

/// Every screen rendered from scripted messages at 110×32, compared with text snapshots.
final class ScreenSnapshotTests: XCTestCase {
    let runID = "20261122-110000-bbbb"

    func scripted() -> DashboardState {
        var state = DashboardState(width: 110, height: 32, theme: .monochrome)
        _ = state.update(.tick(now: 10))
        _ = state.update(.runsListed(sampleRows(), error: nil))
        return state
    }

    func metricPoints() -> [MetricPoint] {
        var points: [MetricPoint] = []
        for e in 1...3 {
            for s in 0..<5 {
                let x = Double(e - 1) + Double(s + 1) / 5
                points.append(MetricPoint(x: x, epoch: e, split: .train, isStepLine: true, loss: 2 / (1 + x), accuracy: 0.5 + 0.1 * x))
            }
            points.append(MetricPoint(x: Double(e), epoch: e, split: .val, loss: 1.5 / Double(e + 1), accuracy: 0.6 + 0.08 * Double(e)))
            points.append(MetricPoint(x: Double(e), epoch: e, split: .test, loss: 1.6 / Double(e + 1), accuracy: 0.58 + 0.08 * Double(e),
                                      knnAccuracy: 0.55 + 0.07 * Double(e), blendedAccuracy: 0.6 + 0.08 * Double(e)))
        }
        return points
    }

    func testRunsScreen() {
        var state = scripted()
        _ = state.press(.down, .character(" "))
        assertSnapshot(state, named: "runs")
    }

    func testRunsScreenEmptyAndFiltered() {
        var state = DashboardState(width: 110, height: 32, theme: .monochrome)
        _ = state.update(.runsListed([], error: nil))
        assertSnapshot(state, named: "runs-empty")
        state = scripted()
        _ = state.press(.character("/"))
        state.type("zzz")
        assertSnapshot(state, named: "runs-filter-no-match")
    }

    func testRunScreenWithLiveMetrics() {
        var state = scripted()
        _ = state.press(.down, .down, .enter)
        _ = state.update(.metricsAppended(runID: runID, points: metricPoints(), restarted: false))
        _ = state.update(.logLoaded(runID: runID, lines: ["epoch 1 done", "epoch 2 done", "ERROR: nothing really"]))
        assertSnapshot(state, named: "run")
    }

    func testCompareScreenDiffOnly() {
        var state = scripted()
        _ = state.press(.down, .character(" "), .character(" "))
        _ = state.update(.metricsAppended(runID: runID, points: metricPoints(), restarted: false))
        _ = state.press(.character("3"), .character("f"))
        assertSnapshot(state, named: "compare")
    }

    /// The case: a run whose best validation accuracy is 80.10 % after 4 epochs was
    /// drawn topping out at 76.5 % (a 0.6 EMA over four points). Epoch series are drawn raw
    /// whatever the smoothing, and the y axis reaches the peak.
    func testCompareScreenDrawsSparseValidationUnsmoothed() {
        var state = scripted()
        _ = state.press(.down, .down, .character(" "))
        var points: [MetricPoint] = []
        for (e, accuracy) in [0.62, 0.71, 0.77, 0.801].enumerated() {
            for s in 1...4 {
                let x = Double(e) + Double(s) / 4
                points.append(MetricPoint(x: x, epoch: e + 1, split: .train, isStepLine: s < 4, loss: 1 / (1 + x), accuracy: 0.5 + 0.07 * x))
            }
            points.append(MetricPoint(x: Double(e + 1), epoch: e + 1, split: .val, loss: 0.5, accuracy: accuracy))
        }
        _ = state.update(.metricsAppended(runID: runID, points: points, restarted: false))
        _ = state.press(.character("3"))
        XCTAssertGreaterThan(state.context.charts.effectiveSmoothing, 0, "smoothing is on")
        assertSnapshot(state, named: "compare-sparse")
        let text = screenText(state)
        XCTAssertTrue(text.contains("80.") || text.contains("81."), "the y axis reaches the 80.10 % peak:\n\(text)")
        XCTAssertFalse(text.contains("76.5%"), text)
    }

    /// A 2 × 2 study (knn-alpha × variant, 3 seeds, one run still training) as listed by the effect runner.
    static func studyOverview() throws -> StudyOverview {
        var record = StudyRecord(name: "alpha", createdAt: Date(timeIntervalSince1970: 1_800_000_000),
                                 grid: [try StudyGrid.axis("knn-alpha=0,0.1"), try StudyGrid.axis("variant=conv,static-diag")],
                                 seeds: [0, 1, 2], options: [try StudyGrid.setting(flag: "epochs", text: "4")])
        var facts: [String: StudyRunFacts] = [:]
        var values: [String: [CompareMetric: [Int: Double]]] = [:]
        for (c, cell) in record.cells.enumerated() {
            for seed in record.seeds {
                let id = "20261201-10000\(c)-000\(seed)"
                record.runs.append(StudyRun(cell: cell, seed: seed, run: id))
                let running = c == 3 && seed == 2
                let wobble = [0.0, 0.004, -0.003][Int(seed)]
                var epochs: [Int: Double] = [:]
                for e in 1...(running ? 2 : 4) { epochs[e] = 0.6 + 0.05 * Double(e) + 0.01 * Double(c) + wobble * Double(c + 1) }
                values[id] = [.valAccuracy: epochs, .testAccuracy: epochs.mapValues { $0 - 0.01 }]
                var metrics = MetricsSummary()
                metrics.lastTestAccuracy = running ? nil : epochs[4]! - 0.01
                metrics.testAccuracyAtBestValidation = metrics.lastTestAccuracy
                facts[id] = StudyRunFacts(state: running ? "running" : "finished", metrics: metrics, secondsPerEpoch: 12,
                                          parameters: 75_002)
            }
        }
        return StudyOverview(report: StudyReport(study: record, facts: facts), curves: StudyOverview.curves(record, runValues: values))
    }

    func testStudiesScreen() throws {
        var state = scripted()
        let effects = state.press(.character("8"))
        XCTAssertTrue(state.shows(StudiesScreen.self))
        XCTAssertEqual(effects, [.listStudies], "the screen reads the studies when shown")
        _ = state.update(.studiesListed([try Self.studyOverview()], error: nil))
        _ = state.press(.right)
        assertSnapshot(state, named: "studies")
        XCTAssertTrue(screenText(state).contains("11/12"), "progress: 11 of 12 runs finished")
        _ = state.press(.enter)
        XCTAssertTrue(state.shows(RunsScreen.self), "Enter lists the cell's runs")
        XCTAssertEqual(state.context.runs.filter, "study:alpha knn-alpha=0 variant=static-diag seed=")
    }

    func testKernelsScreen() throws {
        var state = scripted()
        _ = state.press(.down, .down, .enter, .character("4"))
        let json = RunFixtures.kernelJSON(epoch: 2, diagonal: [0.8, 1, 0.8, 1, 1.5, 1, 0.8, 1, 0.8])
        let snapshot = try JSONDecoder().decode(KernelSnapshot.self, from: Data(json.utf8))
        _ = state.update(.kernelsLoaded(runID: runID, epochs: [1, 2], snapshot: snapshot, error: nil))
        assertSnapshot(state, named: "kernels")
    }

    /// A run with `--kernel-shape learned:5`: the selected layer's Boolean shape with its flips,
    /// and every layer's shape, beside the M maps.
    func testKernelsScreenWithLearnedShapes() throws {
        var state = scripted()
        _ = state.press(.down, .down, .enter, .character("4"))
        let snapshot = try JSONDecoder().decode(KernelSnapshot.self, from: Data(RunFixtures.shapedKernelJSON(epoch: 2).utf8))
        _ = state.update(.kernelsLoaded(runID: runID, epochs: [1, 2], snapshot: snapshot, error: nil))
        _ = state.press(.down)
        assertSnapshot(state, named: "kernels-shaped")
        let text = screenText(state)
        XCTAssertTrue(text.contains("shape d · learned:5 · 5/9 on · flips"), text)
        XCTAssertTrue(text.contains("shapes of all layers"), text)
    }

    func testKNNScreen() throws {
        var state = scripted()
        _ = state.press(.down, .down, .enter, .character("5"))
        let stats = try [1, 2].map { try JSONDecoder().decode(KNNEpochStatistics.self, from: Data(RunFixtures.knnJSON(epoch: $0, knnAccuracy: 0.7 + 0.05 * Double($0)).utf8)) }
        let evaluation = try JSONDecoder().decode(NeighbourEvaluationSummary.self, from: Data(RunFixtures.evaluationJSON.utf8))
        _ = state.update(.knnLoaded(runID: runID, epochs: stats, evaluation: evaluation, fewShot: nil, error: nil))
        assertSnapshot(state, named: "knn")
        XCTAssertTrue(screenText(state).contains("val (final)"), "the validation λ curve is drawn")
        XCTAssertTrue(screenText(state).contains("λ=0.3 k=20"), "the chosen blend is shown")
        _ = state.press(.left)
        XCTAssertTrue(screenText(state).contains("[1]"), "← steps to epoch 1")
    }

    /// A run without kNN reweighting: its final evaluation and `simlab fewshot`'s results.
    func testKNNScreenShowsFewShotResults() throws {
        var state = scripted()
        _ = state.press(.down, .down, .enter, .character("5"))
        let evaluation = try JSONDecoder().decode(NeighbourEvaluationSummary.self, from: Data(RunFixtures.evaluationJSON.utf8))
        func entry(_ shots: Int, _ classifier: String, _ classes: [Int], _ accuracy: Double) -> FewShotResults.Evaluation {
            FewShotResults.Evaluation(classifier: classifier, k: classifier == "knn" ? 1 : nil, ways: 4, shots: shots,
                                      queries: 15, episodes: 600, seed: 0, classes: classes, heldOut: classes.first == 6,
                                      checkpoint: "epoch-006", evaluatedAt: "2026-12-06T11:00:00Z",
                                      accuracy: accuracy, ci95: 0.0087, standardDeviation: 0.108)
        }
        let fewShot = FewShotResults(evaluations: [entry(1, "prototype", [6, 7, 8, 9], 0.6821), entry(5, "prototype", [6, 7, 8, 9], 0.8212),
                                                   entry(5, "knn", [6, 7, 8, 9], 0.7904), entry(1, "prototype", [2, 3, 4, 5], 0.9)])
        _ = state.update(.knnLoaded(runID: runID, epochs: [], evaluation: evaluation, fewShot: fewShot, error: nil))
        assertSnapshot(state, named: "knn-fewshot")
        let text = screenText(state)
        XCTAssertTrue(text.contains("Few-shot · classes 6,7,8,9 (held out)"), text)
        XCTAssertTrue(text.contains("4-way 5-shot proto") && text.contains("82.1% ± 0.9"), text)
        XCTAssertTrue(text.contains("Few-shot · classes 2,3,4,5 (seen: reference)"), text)
    }

    func testNeighboursScreenAndFilters() throws {
        var state = scripted()
        _ = state.press(.down, .down, .enter, .character("6"))
        let (json, images) = RunFixtures.neighbourFiles(queries: 4, k: 6)
        let results = try JSONDecoder().decode(NeighbourResults.self, from: Data(json.utf8))
        _ = state.update(.neighboursLoaded(runID: runID, data: NeighbourBrowserData(results: results, imageFile: images), error: nil))
        _ = state.press(.right, .right)
        assertSnapshot(state, named: "neighbours")
        _ = state.press(.character("f"))  // misclassified only: queries 1 and 3
        XCTAssertEqual(state.screen(NeighboursScreen.self)!.filteredQueryIndices, [1, 3])
        XCTAssertEqual(state.screen(NeighboursScreen.self)!.selectedQuery?.testIndex, 7)
        _ = state.press(.character("f"))  // hard only
        XCTAssertEqual(state.screen(NeighboursScreen.self)!.filteredQueryIndices, [1])
        _ = state.press(.character("f"), .character("l"), .character("l"))  // class 1
        XCTAssertEqual(state.screen(NeighboursScreen.self)?.view?.filter, .label(1))
        XCTAssertEqual(state.screen(NeighboursScreen.self)!.filteredQueryIndices, [1])
    }

    func testLaunchScreenWithAnError() {
        var state = scripted()
        _ = state.press(.character("n"), .down, .down, .down)  // stem width
        _ = state.press(.backspace, .backspace)
        state.type("-4")
        assertSnapshot(state, named: "launch")
    }

    func testHelpAndConfirmationOverlays() {
        var state = scripted()
        _ = state.press(.character("?"))
        assertSnapshot(state, named: "help", tabs: true)
        _ = state.press(.escape, .character("d"))
        assertSnapshot(state, named: "confirm-delete")
    }

    func testEveryScreenSurvivesTinyAndOddSizes() throws {
        var state = scripted()
        _ = state.press(.down, .down, .enter)
        _ = state.update(.metricsAppended(runID: runID, points: metricPoints(), restarted: false))
        let (json, images) = RunFixtures.neighbourFiles(queries: 2, k: 3)
        for (i, model) in ScreenModel.all.enumerated() {
            let screen = model.title
            // The Launch form takes typed digits: Esc leaves it (kept) so the digit switches.
            if state.shows(LaunchScreen.self) { _ = state.update(.key(.escape)) }
            _ = state.update(.key(.character(Character(String(i + 1)))))
            XCTAssertEqual(state.current, i, "digit \(i + 1) shows \(screen)")
            if state.shows(NeighboursScreen.self) {
                let results = try JSONDecoder().decode(NeighbourResults.self, from: Data(json.utf8))
                _ = state.update(.neighboursLoaded(runID: runID, data: NeighbourBrowserData(results: results, imageFile: images), error: nil))
            }
            for (w, h) in [(0, 0), (1, 1), (70, 20), (71, 21), (250, 80)] {
                var sized = state
                _ = sized.update(.resized(width: w, height: h))
                XCTAssertEqual(sized.width, w, "\(screen): the state follows the resize")
                XCTAssertEqual(sized.height, h, "\(screen): the state follows the resize")
                // Pre-filled with a scalar no screen draws: every cell must be painted over.
                var buffer = CellBuffer(width: w, height: h, filling: Cell("¤"))
                sized.render(into: &buffer)
                let unpainted = buffer.cells.filter { $0.scalar == "¤" }.count
                XCTAssertEqual(unpainted, 0, "\(screen) at \(w)×\(h) leaves cells unpainted")
                if w >= 70 && h >= 20 {
                    XCTAssertTrue(buffer.lines().joined(separator: "\n").contains(screen),
                                  "\(screen) at \(w)×\(h) shows its title")
                }
            }
        }
    }

    func testBenchmarkFrameRendersTheBusiestScreen() {
        let first = DashboardBenchmark.renderAndDiff(width: 200, height: 60)
        XCTAssertEqual(first.changedCells, 200 * 60, "a first frame sends everything")
        let second = DashboardBenchmark.renderAndDiff(width: 200, height: 60, frame: 1, previous: first.buffer)
        XCTAssertGreaterThan(second.changedCells, 0)
        XCTAssertLessThan(second.changedCells, 200 * 60)
        XCTAssertTrue(first.buffer.lines().joined().contains("Accuracy"))
    }
}
