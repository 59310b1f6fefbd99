import Dashboard
import Foundation
import RunStore
import XCTest

final class EffectRunnerTests: XCTestCase {
    var fixtures: RunFixtures!
    var controller: FakeRunController!
    var runner: EffectRunner!

    override func setUpWithError() throws {
        fixtures = try RunFixtures()
        controller = FakeRunController(fixtures: fixtures)
        runner = EffectRunner(runsDirectory: fixtures.root.path, controller: controller)
    }

    override func tearDown() { fixtures.remove() }

    func listed() -> [RunRow] {
        guard case .runsListed(let rows, _)? = runner.perform(.listRuns).first else { XCTFail("no listing"); return [] }
        return rows
    }

    func testListingShowsHealthyDeadAndCorruptRunsWithoutThrowing() throws {
        let healthy = try fixtures.makeRun(id: "20261122-100000-aaaa", name: "healthy", state: .running)
        try fixtures.appendMetrics(healthy, epochs: 1...2)
        // A worker whose process is gone: recorded running, shown failed.
        try fixtures.makeRun(id: "20261122-110000-bbbb", name: "dead", state: .running, pid: 999_999)
        // Garbage status, missing config, and an empty folder.
        let garbage = try fixtures.makeRun(id: "20261122-120000-cccc", name: "garbage")
        try fixtures.write("{\"state\": \"runn", to: garbage.statusURL)
        let noConfig = try fixtures.makeRun(id: "20261122-130000-dddd")
        try FileManager.default.removeItem(at: noConfig.configURL)
        try FileManager.default.createDirectory(at: fixtures.root.appendingPathComponent("20261122-140000-eeee"),
                                                withIntermediateDirectories: true)
        let rows = Dictionary(uniqueKeysWithValues: listed().map { ($0.id, $0) })
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows["20261122-100000-aaaa"]?.state, .running)
        XCTAssertEqual(rows["20261122-100000-aaaa"]?.bestValidationAccuracy ?? 0, 0.7, accuracy: 1e-9, "best of 0.6, 0.7")
        XCTAssertEqual(rows["20261122-100000-aaaa"]?.testAccuracy ?? 0, 0.69, accuracy: 1e-9)
        XCTAssertEqual(rows["20261122-110000-bbbb"]?.state, .failed, "dead pid is failed")
        XCTAssertEqual(rows["20261122-110000-bbbb"]?.problem, "worker process 999999 is gone")
        XCTAssertEqual(rows["20261122-120000-cccc"]?.state, .corrupt)
        XCTAssertTrue(rows["20261122-120000-cccc"]?.problem?.contains("status.json") == true, rows["20261122-120000-cccc"]?.problem ?? "")
        XCTAssertEqual(rows["20261122-130000-dddd"]?.problem, "missing config.json", "missing config is reported")
        XCTAssertEqual(rows["20261122-140000-eeee"]?.state, .corrupt)
        // And they render.
        var state = DashboardState(width: 140, height: 30, theme: .monochrome)
        _ = state.update(.runsListed(Array(rows.values), error: nil))
        XCTAssertTrue(screenText(state).contains("corrupt"))
    }

    /// A study file and its runs: listed with their report and the mean curves per cell; the
    /// runs carry their study into the Runs list, where `study:NAME` filters and sorting groups them.
    func testStudiesAreListedWithReportsAndCurves() throws {
        var study = StudyRecord(name: "alpha", grid: [try StudyGrid.axis("lr=0.1,0.2")], seeds: [0, 1], options: [])
        for (c, cell) in study.cells.enumerated() {
            for seed in study.seeds {
                let id = "20261122-10000\(c)-000\(seed)"
                let run = try fixtures.makeRun(id: id, name: "alpha \(cell.label) seed=\(seed)", state: .finished)
                try fixtures.appendMetrics(run, epochs: 1...2, base: 0.5 + 0.1 * Double(c) + 0.01 * Double(seed))
                study.runs.append(StudyRun(cell: cell, seed: seed, run: id))
            }
        }
        try StudyCatalog(runsRoot: fixtures.root).write(study)
        try fixtures.makeRun(id: "20261122-200000-ffff", name: "lone", state: .finished)
        guard case .studiesListed(let overviews, let error)? = runner.perform(.listStudies).first else { return XCTFail("no studies") }
        XCTAssertNil(error)
        XCTAssertEqual(overviews.map(\.name), ["alpha"])
        let overview = try XCTUnwrap(overviews.first)
        XCTAssertEqual(overview.finishedCount, 4)
        XCTAssertEqual(overview.report.groups[1].delta?.meanDifference ?? 0, 0.1, accuracy: 1e-9)
        // Val accuracy of epoch 2 (base + 0.2) over seeds 0 and 1 of cell lr=0.2: 0.8 and 0.81.
        let curve = try XCTUnwrap(overview.curves[.valAccuracy]?[1])
        XCTAssertEqual(curve.map(\.epoch), [1, 2])
        XCTAssertEqual(curve[1].mean, 0.805, accuracy: 1e-9)
        XCTAssertEqual(curve[1].count, 2)

        // The runs written by makeRun have no study in config.json; one with a study does.
        let tagged = fixtures.catalog.directory(for: RunID("20261122-300000-abcd"))
        try FileManager.default.createDirectory(at: tagged.url, withIntermediateDirectories: true)
        var config = RunConfig(name: "alpha lr=0.1 seed=2", model: "nsn-lite", variant: "conv", dataDirectory: "/d", seed: 2,
                               threads: 1, epochs: 2, codeVersion: "t")
        config.study = StudyMembership(name: "alpha", cell: study.cells[0])
        try tagged.writeConfig(config)
        try tagged.writeStatus(RunStatus(state: .finished))
        var state = DashboardState(width: 110, height: 32, theme: .monochrome)
        _ = state.update(.runsListed(listed(), error: nil))
        XCTAssertEqual(state.context.runs.rows.first { $0.id == tagged.id.rawValue }?.study, "alpha")
        state.context.runs.filter = "study:alpha"
        XCTAssertEqual(state.context.runs.visible.map(\.id), [tagged.id.rawValue])
        state.context.runs.filter = ""
        state.context.runs.sort = .study
        state.context.runs.sortAscending = true
        XCTAssertEqual(state.context.runs.visible.first?.id, tagged.id.rawValue, "the study's runs first, then lone runs")
    }

    func testMissingRunsFolderIsAMessageNotAnError() {
        let runner = EffectRunner(runsDirectory: fixtures.root.path + "/nope", controller: controller)
        guard case .runsListed(let rows, let error)? = runner.perform(.listRuns).first else { return XCTFail() }
        XCTAssertTrue(rows.isEmpty)
        XCTAssertTrue(error?.contains("no run folder") == true)
    }

    func testTailReadsOnlyWhatWasAppendedAndWaitsForAHalfWrittenLine() throws {
        let run = try fixtures.makeRun(id: "20261122-100000-aaaa")
        try fixtures.appendMetrics(run, epochs: 1...1)
        func tail() -> [MetricPoint] {
            guard case .metricsAppended(_, let points, _)? = runner.perform(.tailMetrics(runIDs: [run.id.rawValue])).first else { return [] }
            return points
        }
        XCTAssertEqual(tail().map(\.split), [.train, .val, .test])
        XCTAssertEqual(tail(), [], "nothing new")
        let handle = try FileHandle(forWritingTo: run.metricsURL)
        handle.seekToEndOfFile()
        handle.write(Data("{\"time\":\"2026-11-22T12:00:00Z\",\"epoch\":2,\"step\":20,\"split\":\"val\",\"loss\":0.5,\"accu".utf8))
        XCTAssertEqual(tail(), [], "half-written line waits")
        handle.write(Data("racy\":0.8}\n".utf8))
        try handle.close()
        let points = tail()
        XCTAssertEqual(points.count, 1)
        XCTAssertEqual(points.first?.accuracy, 0.8)
        XCTAssertEqual(points.first?.x, 2)
    }

    /// A long run: every epoch line reaches the chart, step lines are thinned evenly to a
    /// bounded number, and the list's best accuracies ignore train lines (even very good ones).
    func testLongMetricsAreThinnedForChartsButKeepEveryEpochLine() throws {
        let run = try fixtures.makeRun(id: "20261122-100000-aaaa", epochs: 10, step: 50_000, totalSteps: 50_000)
        let writer = try MetricsWriter(url: run.metricsURL)
        let stepsPerEpoch = 5_000
        for step in 1...(10 * stepsPerEpoch) {
            let epoch = (step - 1) / stepsPerEpoch + 1
            try writer.append(MetricRecord(epoch: epoch, step: step, split: .train, loss: 1, accuracy: 0.99, interval: .steps))
            if step % stepsPerEpoch == 0 {
                try writer.append(MetricRecord(epoch: epoch, step: step, split: .val, loss: 1, accuracy: 0.5 + Double(epoch) / 100, interval: .epoch))
                try writer.append(MetricRecord(epoch: epoch, step: step, split: .test, loss: 1, accuracy: 0.4 + Double(epoch) / 100, interval: .epoch))
            }
        }
        try writer.close()
        guard case .metricsAppended(_, let points, _)? = runner.perform(.tailMetrics(runIDs: [run.id.rawValue])).first
        else { return XCTFail("no points") }
        var metrics = RunMetrics()
        metrics.append(contentsOf: points)
        let steps = metrics.points.filter(\.isStepLine)
        XCTAssertEqual(metrics.points.filter { $0.split == .val }.map(\.epoch), Array(1...10), "every val epoch line")
        XCTAssertEqual(metrics.points.filter { $0.split == .test }.count, 10, "every test epoch line")
        XCTAssertLessThanOrEqual(steps.count, 2 * RunMetrics.maxStepPoints, "50000 step lines thinned")
        XCTAssertGreaterThanOrEqual(steps.count, RunMetrics.maxStepPoints / 2, "but enough kept to draw")
        let gaps = Set(zip(steps.dropFirst(), steps).map { $0.x - $1.x }.map { ($0 * 1e6).rounded() })
        XCTAssertEqual(gaps.count, 1, "kept step lines are evenly spaced: gaps \(gaps.sorted())")
        XCTAssertEqual(steps.last?.x ?? 0, 10, accuracy: 0.1, "the thinning reaches the end of the file")

        // Appending more keeps the total bounded (the state drops every other step point).
        for _ in 0..<3 { metrics.append(contentsOf: points) }
        XCTAssertLessThanOrEqual(metrics.stepPointCount, 2 * RunMetrics.maxStepPoints)
        XCTAssertEqual(metrics.points.filter { $0.split == .val }.count, 40, "epoch lines are never dropped")

        let row = listed().first { $0.id == run.id.rawValue }
        XCTAssertEqual(row?.bestValidationAccuracy ?? 0, 0.6, accuracy: 1e-9, "best val, not the 0.99 of train lines")
        XCTAssertEqual(row?.testAccuracy ?? 0, 0.5, accuracy: 1e-9)
    }

    func testListedTestAccuracyIsChosenOnValidationAndEpochIsCompletedWhenNotTraining() throws {
        // Validation peaks at epoch 2; test peaks at epoch 3. The list must show epoch 2's test.
        let stopped = try fixtures.makeRun(id: "20261122-100000-aaaa", state: .stopped, epoch: 4, epochs: 5)
        let running = try fixtures.makeRun(id: "20261122-110000-bbbb", state: .running, epoch: 4, epochs: 5)
        for run in [stopped, running] {
            let writer = try MetricsWriter(url: run.metricsURL)
            for (epoch, val, test) in [(1, 0.6, 0.55), (2, 0.8, 0.50), (3, 0.7, 0.95)] {
                for (split, accuracy) in [(MetricSplit.train, 0.9), (.val, val), (.test, test)] {
                    try writer.append(MetricRecord(epoch: epoch, step: epoch * 10, split: split, loss: 1,
                                                   accuracy: accuracy, interval: .epoch))
                }
            }
            try writer.close()
        }
        let rows = Dictionary(uniqueKeysWithValues: listed().map { ($0.id, $0) })
        let stoppedRow = try XCTUnwrap(rows[stopped.id.rawValue]), runningRow = try XCTUnwrap(rows[running.id.rawValue])
        XCTAssertEqual(stoppedRow.bestValidationAccuracy ?? 0, 0.8, accuracy: 1e-9)
        XCTAssertEqual(stoppedRow.testAccuracy ?? 0, 0.50, accuracy: 1e-9, "test at the best-validation epoch, not the best test")
        XCTAssertEqual(stoppedRow.epoch, 3, "a stopped run shows the epochs it completed, not the one it was in")
        XCTAssertEqual(runningRow.epoch, 4, "a training run shows the epoch in progress")
    }

    func testQueuedRunsShowTheirPlaceInLine() throws {
        // Queued in the order c, a, b (not id order); one finished run is not in line.
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for (id, offset) in [("20261122-100000-aaaa", 2.0), ("20261122-110000-bbbb", 3.0), ("20261122-120000-cccc", 1.0)] {
            let run = try fixtures.makeRun(id: id, state: .queued)
            var status = try run.readStatus()
            status.queuedAt = base.addingTimeInterval(offset)
            try run.writeStatus(status)
        }
        try fixtures.makeRun(id: "20261122-130000-dddd", state: .finished)
        let rows = Dictionary(uniqueKeysWithValues: listed().map { ($0.id, $0) })
        XCTAssertEqual(rows["20261122-120000-cccc"]?.stateLabel, "queued 1")
        XCTAssertEqual(rows["20261122-100000-aaaa"]?.stateLabel, "queued 2")
        XCTAssertEqual(rows["20261122-110000-bbbb"]?.stateLabel, "queued 3")
        XCTAssertEqual(rows["20261122-130000-dddd"]?.stateLabel, "finished")
        XCTAssertNil(rows["20261122-130000-dddd"]?.queuePosition)
    }

    func testSnapshotsLoadAndCorruptOnesAreReported() throws {
        let run = try fixtures.makeRun(id: "20261122-100000-aaaa")
        try fixtures.write(RunFixtures.kernelJSON(epoch: 1, diagonal: [1, 1, 1, 1, 1.2, 1, 1, 1, 1]), to: run.kernelSnapshotURL(epoch: 1))
        try fixtures.write("{not json", to: run.kernelSnapshotURL(epoch: 2))
        guard case .kernelsLoaded(_, let epochs, let snapshot, let error)? = runner.perform(.loadKernels(runID: run.id.rawValue, epoch: 1)).first
        else { return XCTFail() }
        XCTAssertEqual(epochs, [1, 2])
        XCTAssertEqual(snapshot?.layers.count, 2)
        XCTAssertEqual(snapshot?.layers[0].shapeMap?[4], 1.2)
        XCTAssertEqual(snapshot?.layers[0].effectiveKernels?.isConsistent, true)
        XCTAssertNil(error)
        guard case .kernelsLoaded(_, _, let newest, let newestError)? = runner.perform(.loadKernels(runID: run.id.rawValue, epoch: nil)).first
        else { return XCTFail() }
        XCTAssertNil(newest)
        XCTAssertTrue(newestError?.contains("epoch-002.json") == true, newestError ?? "")

        try fixtures.write(RunFixtures.knnJSON(epoch: 1, knnAccuracy: 0.8), to: run.knnSnapshotURL(epoch: 1))
        try fixtures.write("{\"epoch\":2}", to: run.knnSnapshotURL(epoch: 2))
        guard case .knnLoaded(_, let stats, let noEvaluation, _, let knnError)? = runner.perform(.loadKNN(runID: run.id.rawValue)).first
        else { return XCTFail() }
        XCTAssertNil(knnError)
        XCTAssertNil(noEvaluation, "no evaluation.json yet")
        XCTAssertEqual(stats.map(\.epoch), [1, 2], "a sparse file still decodes")
        XCTAssertEqual(stats[0].accuracyByLambda.map(\.lambda), [0, 0.5, 1], "blendCurve beside the statistics")
        XCTAssertEqual(stats[0].accuracyByLambda.map(\.accuracy), [0.85, 0.87, 0.75])
        XCTAssertEqual(stats[0].networkWrongKNNRight, 0.05, "network comparison nested under statistics")
        XCTAssertEqual(stats[0].errorRateByClass, [0.1, 0.5, 0.25])
        XCTAssertEqual(stats[0].histogram, [5, 10, 5, 20, 60])
        XCTAssertEqual(stats[0].meanWeight, 1.007)
        XCTAssertEqual(stats[0].featureSpace, "pixels")
        XCTAssertEqual(stats[0].knnAccuracy, 0.8)
        XCTAssertTrue(stats[1].histogram.isEmpty)

        // The final evaluation, then a half-written one (the worker replaces it atomically,
        // but a copy or a crash can leave one): reported, never a crash.
        let evaluationURL = run.evaluationURL
        try fixtures.write(RunFixtures.evaluationJSON, to: evaluationURL)
        guard case .knnLoaded(_, _, let evaluation?, _, nil)? = runner.perform(.loadKNN(runID: run.id.rawValue)).first
        else { return XCTFail("evaluation.json not loaded") }
        XCTAssertEqual(evaluation.k, 20)
        XCTAssertEqual(evaluation.lambda ?? 0, 0.3, accuracy: 1e-6)
        XCTAssertEqual(evaluation.validationCurve.map(\.lambda), [0, 0.3, 1])
        XCTAssertEqual(evaluation.validationCurve.map(\.accuracy), [0.86, 0.9, 0.8])
        XCTAssertEqual(evaluation.knnAccuracy, 0.82)
        XCTAssertEqual(evaluation.testCount, 100)
        try fixtures.write(String(RunFixtures.evaluationJSON.prefix(60)), to: evaluationURL)
        guard case .knnLoaded(_, let stillThere, nil, _, let halfError?)? = runner.perform(.loadKNN(runID: run.id.rawValue)).first
        else { return XCTFail("a half-written evaluation.json is reported") }
        XCTAssertEqual(stillThere.count, 2)
        XCTAssertTrue(halfError.contains("evaluation.json"), halfError)
    }

    func testNeighbourImagesAreSplitIntoQueriesAndTrainingImages() throws {
        let run = try fixtures.makeRun(id: "20261122-100000-aaaa")
        let (json, images) = RunFixtures.neighbourFiles(queries: 3, k: 4)
        try fixtures.write(json, to: run.neighboursURL)
        try Data(images).write(to: run.neighbourImagesURL)
        guard case .neighboursLoaded(_, let data?, let error)? = runner.perform(.loadNeighbours(runID: run.id.rawValue)).first
        else { return XCTFail() }
        XCTAssertNil(error)
        XCTAssertEqual(data.results.queries.count, 3)
        XCTAssertEqual(data.queryImages.map { $0.max() }, [100, 101, 102], "query q is image q")
        XCTAssertEqual(data.trainImages[1000]?.max(), 103, "first training image follows the queries")
        XCTAssertEqual(data.trainImages.count, 12)
        // A truncated image file is a warning, not a failure.
        try Data(images.prefix(784 * 4)).write(to: run.neighbourImagesURL)
        guard case .neighboursLoaded(_, let partial?, let warning)? = runner.perform(.loadNeighbours(runID: run.id.rawValue)).first
        else { return XCTFail() }
        XCTAssertEqual(partial.trainImages.count, 1)
        XCTAssertEqual(warning, "neighbours-images.bin is 8624 bytes short: some images are missing")
    }

    func testControlGoesThroughTheControllerAndFailuresComeBackAsMessages() throws {
        try fixtures.makeRun(id: "20261122-100000-aaaa")
        try fixtures.makeRun(id: "20261122-110000-bbbb")
        guard case .controlFinished(_, _, let errors)? = runner.perform(.control(.pause, runIDs: ["20261122-100000-aaaa", "20261122-110000-bbbb"])).first
        else { return XCTFail() }
        XCTAssertEqual(errors, [])
        XCTAssertEqual(controller.calls, ["pause 20261122-100000-aaaa", "pause 20261122-110000-bbbb"])
        controller.failNext = "no such worker"
        guard case .controlFinished(_, _, let failed)? = runner.perform(.control(.stop, runIDs: ["20261122-100000-aaaa"])).first
        else { return XCTFail() }
        XCTAssertEqual(failed.count, 1)
        XCTAssertTrue(failed[0].contains("no such worker"))
        _ = runner.perform(.control(.delete, runIDs: ["20261122-110000-bbbb"]))
        XCTAssertEqual(listed().map(\.id), ["20261122-100000-aaaa"])
    }

    func testLaunchFromTheFormCreatesARunThatTheListShows() {
        var state = DashboardState(width: 120, height: 30, theme: .monochrome)
        _ = state.press(.character("n"))
        state.type("smoke")
        var pending = state.press(.enter)
        var rounds = 0
        while !pending.isEmpty && rounds < 10 {
            let effect = pending.removeFirst()
            for message in runner.perform(effect) { pending += state.update(message) }
            rounds += 1
        }
        XCTAssertEqual(controller.calls, ["launch 20270101-000001-beef epochs=15"])
        XCTAssertTrue(state.shows(RunsScreen.self))
        XCTAssertEqual(state.context.runs.selected?.name, "smoke")
        XCTAssertEqual(state.context.runs.selected?.state, .queued)
        XCTAssertTrue(state.context.notice?.text.contains("Launched") == true)
    }
}
