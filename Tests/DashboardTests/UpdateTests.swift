import Dashboard
import RunStore
import TerminalUI
import XCTest

/// Rows for pure update tests.
func sampleRows() -> [RunRow] {
    [
        RunRow(id: "20261122-100000-aaaa", path: "/r/a", name: "baseline", model: "nsn-lite", variant: "conv",
               state: .finished, epoch: 15, epochs: 15, step: 100, totalSteps: 100, bestValidationAccuracy: 0.91,
               testAccuracy: 0.90, createdAt: 1, hasCheckpoint: true, settings: [("lr", "0.1"), ("variant", "conv")]),
        RunRow(id: "20261122-110000-bbbb", path: "/r/b", name: "diag", model: "nsn-lite", variant: "static-diag",
               state: .running, epoch: 3, epochs: 15, step: 20, totalSteps: 100, bestValidationAccuracy: 0.85,
               testAccuracy: 0.84, imagesPerSecond: 800, etaSeconds: 600, createdAt: 2,
               settings: [("lr", "0.1"), ("variant", "static-diag")]),
        RunRow(id: "20261122-120000-cccc", path: "/r/c", name: "dynamic", model: "nsn-lite", variant: "dynamic-diag",
               state: .paused, epoch: 5, epochs: 15, step: 33, totalSteps: 100, bestValidationAccuracy: 0.93,
               createdAt: 3, hasCheckpoint: true, settings: [("lr", "0.05"), ("variant", "dynamic-diag")]),
        RunRow(id: "20261122-130000-dddd", path: "/r/d", name: "broken", state: .corrupt, createdAt: 4,
               problem: "status.json unreadable: not JSON"),
    ]
}

func listedState(width: Int = 100, height: Int = 30) -> DashboardState {
    var state = DashboardState(width: width, height: height, theme: .monochrome)
    _ = state.update(.runsListed(sampleRows(), error: nil))
    return state
}

extension DashboardState {
    mutating func press(_ keys: Key...) -> [Effect] { keys.flatMap { update(.key($0)) } }
    mutating func type(_ text: String) { for c in text { _ = update(.key(.character(c))) } }
}

final class UpdateTests: XCTestCase {
    /// Below the minimum size only "Terminal too small" is drawn, so no key may act unseen:
    /// neither launching from the form nor confirming a delete. q still quits.
    func testKeysDoNothingWhileTheTerminalIsTooSmall() {
        var state = listedState(width: 20, height: 5)
        XCTAssertTrue(state.isTooSmall)
        XCTAssertEqual(state.press(.character("7"), .enter, .character("d"), .character("y"), .enter,
                                   .character("x"), .character(" "), .character("n")), [])
        XCTAssertTrue(state.shows(RunsScreen.self))
        XCTAssertNil(state.context.confirmation)
        _ = state.update(.resized(width: 100, height: 30))
        XCTAssertFalse(state.isTooSmall)
        _ = state.press(.character("d"))
        XCTAssertEqual(state.context.confirmation?.action, .delete, "at a usable size the same key asks to delete")
        _ = state.update(.resized(width: 20, height: 5))
        XCTAssertEqual(state.press(.character("y")), [], "a pending confirmation is not answered unseen")
        XCTAssertEqual(state.press(.character("q")), [.quit])
    }

    func testNewestRunIsSelectedFirstAndArrowsMoveWithinTheList() {
        var state = listedState()
        XCTAssertEqual(state.context.runs.visible.map(\.name), ["broken", "dynamic", "diag", "baseline"], "created, newest first")
        XCTAssertEqual(state.context.runs.selected?.name, "broken")
        _ = state.press(.down, .down)
        XCTAssertEqual(state.context.runs.selected?.name, "diag")
        _ = state.press(.down, .down, .down)
        XCTAssertEqual(state.context.runs.selected?.name, "baseline", "selection stops at the last row")
        _ = state.press(.home)
        XCTAssertEqual(state.context.runs.selected?.name, "broken")
    }

    func testSelectionFollowsTheRunWhenTheListChanges() {
        var state = listedState()
        _ = state.press(.down, .down)  // diag
        var rows = sampleRows()
        rows.append(RunRow(id: "20261122-140000-eeee", path: "/r/e", name: "new", state: .queued, createdAt: 5))
        _ = state.update(.runsListed(rows, error: nil))
        XCTAssertEqual(state.context.runs.selected?.name, "diag", "a new run must not move the selection")
    }

    func testSortCyclesColumnsAndReverses() {
        var state = listedState()
        _ = state.press(.character("s"))
        XCTAssertEqual(state.context.runs.sort, .name)
        XCTAssertEqual(state.context.runs.visible.map(\.name), ["baseline", "broken", "diag", "dynamic"])
        _ = state.press(.character("S"))
        XCTAssertEqual(state.context.runs.visible.map(\.name), ["dynamic", "diag", "broken", "baseline"])
        _ = state.press(.character("s"), .character("s"), .character("s"))  // state, progress, best val
        XCTAssertEqual(state.context.runs.sort, .bestValidation)
        XCTAssertEqual(state.context.runs.visible.first?.name, "dynamic", "best validation accuracy first (descending)")
    }

    func testFilterNarrowsTheListAndEscapeClearsIt() {
        var state = listedState()
        _ = state.press(.character("/"))
        XCTAssertTrue(state.screen(RunsScreen.self)!.editingFilter)
        state.type("diag")
        XCTAssertEqual(Set(state.context.runs.visible.map(\.name)), ["diag", "dynamic"], "matches names and variants")
        _ = state.press(.character("q"))  // typed into the filter, does not quit
        XCTAssertFalse(state.quitting)
        XCTAssertEqual(state.context.runs.filter, "diagq")
        _ = state.press(.backspace, .enter)
        XCTAssertFalse(state.screen(RunsScreen.self)!.editingFilter)
        XCTAssertEqual(state.context.runs.filter, "diag")
        _ = state.press(.character("/"), .escape)
        XCTAssertEqual(state.context.runs.filter, "")
        XCTAssertEqual(state.context.runs.visible.count, 4)
    }

    func testMarksSelectSeveralRunsForCompareAndBulkControl() {
        var state = listedState()
        _ = state.press(.down)            // dynamic
        _ = state.press(.character(" ")) // mark dynamic, move to diag
        _ = state.press(.character(" ")) // mark diag
        XCTAssertEqual(state.context.runs.markedIDs, ["20261122-120000-cccc", "20261122-110000-bbbb"])
        XCTAssertEqual(state.context.runs.compared.map(\.name), ["dynamic", "diag"])
        let effects = state.press(.character("p"))
        XCTAssertEqual(effects, [.control(.pause, runIDs: ["20261122-110000-bbbb"])], "only the running run can pause")
        _ = state.press(.character("a"))
        XCTAssertEqual(state.context.runs.markedIDs.count, 4)
        _ = state.press(.character("a"))
        XCTAssertTrue(state.context.runs.markedIDs.isEmpty)
    }

    func testStopAsksFirstAndYesSendsTheEffect() {
        var state = listedState()
        _ = state.press(.down, .down)  // diag, running
        XCTAssertEqual(state.press(.character("x")), [])
        XCTAssertEqual(state.context.confirmation?.action, .stop)
        XCTAssertEqual(state.press(.enter), [.control(.stop, runIDs: ["20261122-110000-bbbb"])], "Enter takes the default (yes) for stop")
        XCTAssertNil(state.context.confirmation)
    }

    func testDeleteDefaultsToNoAndAnyOtherKeyCancels() {
        var state = listedState()
        _ = state.press(.character("d"))
        XCTAssertEqual(state.context.confirmation?.action, .delete)
        XCTAssertEqual(state.press(.enter), [], "Enter on a delete dialog answers no")
        _ = state.press(.character("d"))
        XCTAssertEqual(state.press(.escape), [])
        XCTAssertNil(state.context.confirmation)
        _ = state.press(.character("d"))
        XCTAssertEqual(state.press(.character("y")), [.control(.delete, runIDs: ["20261122-130000-dddd"])])
    }

    func testControlsThatDoNotApplyExplainWhy() {
        var state = listedState()
        _ = state.press(.end)  // baseline, finished
        XCTAssertEqual(state.press(.character("p")), [])
        XCTAssertEqual(state.context.notice?.isError, true)
        XCTAssertTrue(state.context.notice?.text.contains("only running") == true, state.context.notice?.text ?? "")
        XCTAssertEqual(state.press(.character("r")), [])
        _ = state.press(.up)  // diag running … move to dynamic (paused)
        _ = state.press(.up)
        XCTAssertEqual(state.context.runs.selected?.name, "dynamic")
        XCTAssertEqual(state.press(.character("r")), [.control(.resume, runIDs: ["20261122-120000-cccc"])])
    }

    func testResumeFromCheckpointNeedsAStoppedRunWithACheckpoint() {
        var rows = sampleRows()
        rows[0].state = .stopped
        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        _ = state.update(.runsListed(rows, error: nil))
        _ = state.press(.end)  // baseline, stopped with checkpoint
        _ = state.press(.character("R"))
        XCTAssertEqual(state.context.confirmation?.action, .resumeFromCheckpoint)
        XCTAssertEqual(state.press(.character("y")), [.control(.resumeFromCheckpoint, runIDs: ["20261122-100000-aaaa"])])
    }

    func testOpeningARunTailsItsMetricsAndPollingKeepsTailing() {
        var state = listedState()
        _ = state.press(.down, .down)
        let effects = state.press(.enter)
        XCTAssertTrue(state.shows(RunScreen.self))
        XCTAssertEqual(effects, [.tailMetrics(runIDs: ["20261122-110000-bbbb"]), .loadLog(runID: "20261122-110000-bbbb")])
        let tick = state.update(.tick(now: 100))
        XCTAssertEqual(tick, [.listRuns, .tailMetrics(runIDs: ["20261122-110000-bbbb"]), .loadLog(runID: "20261122-110000-bbbb")])
        XCTAssertEqual(state.update(.tick(now: 100.5)), [], "no polling twice within a second")
    }

    /// The folder is listed every second while the list changes or keys are pressed, and
    /// every 3 s once it has been quiet for 10 s; a change or a key makes it fast again.
    func testPollingSlowsDownWhileNothingChangesAndSpeedsUpOnAChangeOrAKey() {
        var state = listedState()
        let rows = state.context.runs.rows
        XCTAssertEqual(state.update(.tick(now: 100)).first, .listRuns)
        _ = state.update(.runsListed(rows, error: nil))
        for t in 101...109 { XCTAssertEqual(state.update(.tick(now: Double(t))).first, .listRuns, "listed every second at \(t)") }
        // Quiet since 100 (the runner reports no unchanged listing): from 110 on, every 3 s.
        XCTAssertEqual(state.update(.tick(now: 110)), [], "quiet for 10 s: not listed a second later")
        XCTAssertEqual(state.update(.tick(now: 111)), [])
        XCTAssertEqual(state.update(.tick(now: 112)).first, .listRuns, "3 s after the last listing")
        XCTAssertEqual(state.update(.tick(now: 113)), [])
        _ = state.update(.runsListed(Array(rows.dropLast()), error: nil))
        XCTAssertEqual(state.update(.tick(now: 113.5)).first, .listRuns, "a changed list: every second again")
        XCTAssertEqual(state.update(.tick(now: 114)), [], "never twice within a second")
        for t in 115...122 { XCTAssertEqual(state.update(.tick(now: Double(t))).first, .listRuns, "at \(t)") }
        XCTAssertEqual(state.update(.tick(now: 123)), [], "quiet again")
        _ = state.press(.down)
        XCTAssertEqual(state.update(.tick(now: 123.5)).first, .listRuns, "a key: every second again")
    }

    func testAppendedMetricsAccumulateAndARestartReplacesThem() {
        var state = listedState()
        let p1 = MetricPoint(x: 1, epoch: 1, split: .val, accuracy: 0.5)
        let p2 = MetricPoint(x: 2, epoch: 2, split: .val, accuracy: 0.6)
        _ = state.update(.metricsAppended(runID: "x", points: [p1], restarted: false))
        _ = state.update(.metricsAppended(runID: "x", points: [p2], restarted: false))
        XCTAssertEqual(state.context.runs.metrics["x"]?.points, [p1, p2])
        _ = state.update(.metricsAppended(runID: "x", points: [p2], restarted: true))
        XCTAssertEqual(state.context.runs.metrics["x"]?.points, [p2])
    }

    func testSmoothingHasAVisibleOffSwitch() {
        var state = listedState()
        _ = state.press(.down, .down, .enter)
        XCTAssertGreaterThan(state.context.charts.effectiveSmoothing, 0)
        XCTAssertTrue(screenText(state).contains("smoothing 0.6"))
        _ = state.press(.character("m"))
        XCTAssertEqual(state.context.charts.effectiveSmoothing, 0)
        XCTAssertTrue(screenText(state).contains("smoothing off"))
    }

    func testKeysOfTheTableDriveDispatchFooterAndHelp() {
        // Every binding can act: none of its keys is taken first by the shell or by an
        // earlier binding of its screen.
        for model in ScreenModel.all {
            XCTAssertEqual(type(of: model.screen).shadowedBindings, [], model.title)
        }
        XCTAssertEqual(ShellAction.keys.action(for: .character("7")), .show(6))
        XCTAssertEqual(ShellAction.keys.action(for: .character("0")), .screenList)
        XCTAssertEqual(RunsScreen.keys.action(for: .character("x")), .control(.stop))
        XCTAssertEqual(RunsScreen.keys.action(for: .home), .move(.top))
        XCTAssertEqual(KernelsScreen.keys.action(for: .end), .latestEpoch, "End follows the newest epoch, not the last row")
        XCTAssertEqual(NeighboursScreen.keys.action(for: .end), .move(.bottom))
        XCTAssertEqual(LaunchScreen.keys.action(for: .tab), .focus(1), "Tab moves in the form instead of changing screens")
        XCTAssertNil(LaunchScreen.keys.action(for: .character("q")), "q is typed into the form")
        var state = listedState(width: 120, height: 60)
        _ = state.press(.character("?"))
        XCTAssertTrue(state.showHelp)
        let help = screenText(state)
        XCTAssertTrue(help.contains("Pause the run(s)"), "help lists the table's text")
        _ = state.press(.character("z"))
        XCTAssertFalse(state.showHelp)
        XCTAssertTrue(screenText(state).contains("p pause"), "footer shows the table's labels")
    }

    func testZeroListsEveryScreenAndPicksByNumberPastNine() {
        var state = listedState()
        _ = state.press(.character("0"))
        XCTAssertEqual(state.screenList?.selected, 0)
        XCTAssertTrue(screenText(state).contains("7  Launch"), "the list names every screen with its number")
        _ = state.press(.character("7"), .enter)
        XCTAssertTrue(state.shows(LaunchScreen.self))
        XCTAssertNil(state.screenList)
        _ = state.press(.escape, .character("0"), .down, .down, .enter)
        XCTAssertTrue(state.shows(CompareScreen.self))
        _ = state.press(.character("0"), .escape)
        XCTAssertNil(state.screenList, "any other key closes the list")
        XCTAssertTrue(state.shows(CompareScreen.self))

        // Two digits name screens past 9.
        var list = DashboardState.ScreenList(selected: 0)
        list.type("1", screenCount: 12)
        list.type("2", screenCount: 12)
        XCTAssertEqual(list.selected, 11, "1 then 2 is screen 12")
        list.type("3", screenCount: 12)
        XCTAssertEqual(list.selected, 2, "123 is no screen: 3 starts anew")
        list.type("1", screenCount: 7)
        list.type("0", screenCount: 7)
        XCTAssertEqual(list.selected, 0, "10 is no screen of 7, nor is 0: the selection stays")
        XCTAssertEqual(list.typed, "")
    }

    /// Equality is synthesized over the shell and every screen's whole model: a change
    /// anywhere, seen or not, makes states differ.
    func testEqualityCoversEveryScreenAndTheShell() {
        let base = listedState()
        var other = base
        other.modify(CompareScreen.self) { $0.diffOnly = true }
        XCTAssertNotEqual(base, other, "a screen that is not shown")
        other = base
        other.context.theme = .colour
        XCTAssertNotEqual(base, other, "the theme")
        other = base
        other.context.runs.openID = "x"
        XCTAssertNotEqual(base, other, "the open run")
        other = base
        _ = other.update(.logLoaded(runID: "x", lines: ["a"]))
        XCTAssertNotEqual(base, other, "a screen's loaded data")
    }

    func testQuitWorksFromListsButNotFromTheForm() {
        var state = listedState()
        _ = state.press(.character("n"))
        XCTAssertTrue(state.shows(LaunchScreen.self))
        XCTAssertEqual(state.press(.character("q")), [], "q is typed into the focused field")
        XCTAssertFalse(state.quitting)
        _ = state.press(.escape)
        XCTAssertEqual(state.press(.character("q")), [.quit])
    }

    func testResizeIsRecordedAndATooSmallTerminalSaysSo() {
        var state = listedState()
        _ = state.update(.resized(width: 40, height: 10))
        XCTAssertTrue(screenText(state).contains("Terminal too small"))
        _ = state.update(.resized(width: 100, height: 30))
        XCTAssertTrue(screenText(state).contains("baseline"), "recovers when large enough again")
    }
}

final class LaunchFormTests: XCTestCase {
    func focus(_ form: inout LaunchForm, _ flag: String) {
        form.focus = form.fields.firstIndex { $0.flag == flag }!
    }

    func error(_ form: LaunchForm, _ flag: String) -> String? { form.fields.first { $0.flag == flag }!.error }

    func testDefaultsAreValidAndGiveTheDefaultConfiguration() {
        let form = LaunchForm()
        XCTAssertTrue(form.isValid, "\(form.fields.compactMap(\.error)) \(form.generalErrors)")
        XCTAssertEqual(form.configuration, TrainingConfiguration())
    }

    func testEveryTrainingOptionHasAField() {
        let flags = Set(LaunchForm().fields.map(\.flag))
        for flag in ["model", "variant", "stem-width", "widths", "blocks", "kernel", "meta-hidden", "kernel-shape",
                     "similarity-penalty", "epochs", "batch-size", "optimizer", "lr", "momentum", "weight-decay", "schedule", "warmup",
                     "label-smoothing", "data", "validation", "train-fraction", "augment", "seed", "threads", "log-every",
                     "knn-alpha", "knn-focal", "knn-features", "knn-k", "knn-t", "knn-metric", "knn-eval"] {
            XCTAssertTrue(flags.contains(flag), "no field for --\(flag)")
        }
    }

    func testTypingIsCheckedAsTypedWithTheErrorBesideTheField() {
        var form = LaunchForm()
        focus(&form, "epochs")
        form.backspace(); form.backspace()
        XCTAssertEqual(error(form, "epochs"), "--epochs needs a whole number, got ''", "empty epochs is not a number")
        form.type("x")
        XCTAssertTrue(error(form, "epochs")?.contains("whole number") == true, error(form, "epochs") ?? "")
        form.backspace()
        form.type("0")
        XCTAssertTrue(error(form, "epochs")?.contains("--epochs must be in 1...10000") == true, "range from problems()")
        form.backspace()
        form.type("3")
        XCTAssertNil(error(form, "epochs"))
        XCTAssertEqual(form.configuration?.epochs, 3)
    }

    func testNSNLiteShapeFieldsChangedForSmallCNNAreFlagged() {
        var form = LaunchForm()
        focus(&form, "model")
        form.cycleChoice(by: 1)  // small-cnn
        XCTAssertEqual(form.configuration?.model, "small-cnn", "default shape fields are fine with small-cnn")
        focus(&form, "widths")
        form.type("8")   // empty (the model's default) → 8
        XCTAssertEqual(error(form, "widths"), "--widths shapes nsn-lite; small-cnn has a fixed architecture")
        XCTAssertNil(form.configuration, "not launched with a setting it would ignore")
        focus(&form, "model")
        form.cycleChoice(by: 1)  // nsl-cnn9 takes widths
        XCTAssertNil(error(form, "widths"))
        focus(&form, "blocks")
        form.backspace(); form.type("3")   // 2 → 3
        XCTAssertEqual(error(form, "blocks"), "--blocks does not apply to nsl-cnn9 (three 3×3 similarity layers per stage)")
        focus(&form, "model")
        form.cycleChoice(by: 1)  // back to nsn-lite
        XCTAssertNil(error(form, "widths"))
        XCTAssertNil(error(form, "blocks"))
    }

    func testCombinationProblemsLandOnTheFieldTheyName() {
        var form = LaunchForm()
        focus(&form, "model")
        form.cycleChoice(by: 1)  // small-cnn
        focus(&form, "variant")
        form.cycleChoice(by: 1)  // static-full
        XCTAssertTrue(error(form, "variant")?.contains("needs --model nsn-lite") == true, error(form, "variant") ?? "nil")
        XCTAssertNil(form.configuration)
        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        state.modify(LaunchScreen.self) { $0.form = form }
        _ = state.show(LaunchScreen.self)
        XCTAssertEqual(state.press(.enter), [], "an invalid form does not launch")
        XCTAssertEqual(state.screen(LaunchScreen.self)!.form.fields[state.screen(LaunchScreen.self)!.form.focus].flag, "variant", "focus jumps to the problem")
        XCTAssertTrue(screenText(state).contains("needs --model nsn-lite"))
    }

    func testTheExecutorFieldsGiveTheExecutorChoice() {
        var form = LaunchForm()
        XCTAssertEqual(form.executorChoice, .local)
        focus(&form, "partition")
        for c in "debug" { form.type(c) }
        XCTAssertEqual(error(form, "partition"), "--partition: only for a cluster executor (e.g. slurm)")
        XCTAssertNil(form.configuration, "not launched with a setting the local executor would ignore")
        focus(&form, "executor")
        form.cycleChoice(by: 1)
        XCTAssertNil(error(form, "partition"))
        focus(&form, "time")
        for c in "00:30:00" { form.type(c) }
        focus(&form, "sbatch-arg")
        for c in "--qos=short account" { form.type(c) }
        XCTAssertEqual(error(form, "sbatch-arg"), "sbatch option \"account\" is not an option (write it as --name=value)")
        for _ in "account" { form.backspace() }
        for c in "--account=lab" { form.type(c) }
        XCTAssertTrue(form.isValid, "\(form.fields.compactMap(\.error))")
        XCTAssertEqual(form.executorChoice, ExecutorChoice(name: "slurm", options: ["partition": "debug", "time": "00:30:00"],
                                                           passThrough: ["--qos=short", "--account=lab"]))
        XCTAssertEqual(form.configuration, TrainingConfiguration(), "the executor fields are not training options")
    }

    func testLaunchCarriesTheConfigurationAndName() {
        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        _ = state.press(.character("n"))
        state.type("quick")
        XCTAssertEqual(state.screen(LaunchScreen.self)!.form.runName, "quick")
        var expected = TrainingConfiguration()
        XCTAssertEqual(state.press(.enter), [.launch(expected, name: "quick")])
        _ = state.press(.down, .right)  // model → the next choice
        expected.model = state.screen(LaunchScreen.self)!.form.configuration?.model ?? "?"
        XCTAssertNotEqual(expected.model, TrainingConfiguration().model, "→ changed the model choice")
        XCTAssertEqual(state.press(.enter), [.launch(expected, name: "quick")])
        XCTAssertEqual(state.press(.ctrl("e")), [], "there is no separate queue action: every launch queues for a slot")
    }

    /// ^G marks a field as a grid; with a study name and seeds, Enter launches the study.
    func testTheFormLaunchesAStudy() throws {
        var form = LaunchForm()
        focus(&form, "knn-alpha")
        form.toggleGrid()
        for c in ",0.1" { form.type(c) }
        XCTAssertTrue(form.isStudy)
        XCTAssertTrue(form.generalErrors.first?.contains("study name") == true, "a study needs a name: \(form.generalErrors)")
        focus(&form, "study")
        for c in "alpha" { form.type(c) }
        focus(&form, "seeds")
        for c in "0-2" { form.type(c) }
        focus(&form, "epochs")
        form.type("0")   // 150: a common option
        XCTAssertTrue(form.isValid, "\(form.generalErrors) \(form.fields.compactMap(\.error))")
        let study = try XCTUnwrap(form.study)
        XCTAssertEqual(study.name, "alpha")
        XCTAssertEqual(study.grid, [StudyAxis(flag: "knn-alpha", values: [0, 0.1])])
        XCTAssertEqual(study.seeds, [0, 1, 2])
        XCTAssertEqual(study.options, [StudySetting(flag: "epochs", value: 150)])

        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        state.modify(LaunchScreen.self) { $0.form = form }
        _ = state.show(LaunchScreen.self)
        XCTAssertTrue(screenText(state).contains("Launch a study"))
        guard case .launchStudy(var launched)? = state.press(.enter).first else { return XCTFail("Enter launches the study") }
        launched.createdAt = study.createdAt
        XCTAssertEqual(launched, study)
        let effects = state.update(.studyLaunched(name: "alpha", runIDs: ["a", "b"], error: nil))
        XCTAssertTrue(state.shows(StudiesScreen.self), "a launched study is shown on the Studies screen")
        XCTAssertTrue(effects.contains(.listStudies))

        // A bad grid value is refused beside its field; ^G again keeps the first value.
        focus(&form, "knn-alpha")
        for c in ",-1" { form.type(c) }
        XCTAssertEqual(error(form, "knn-alpha"), "--knn-alpha must be ≥ 0, got -1.0")
        form.toggleGrid()
        XCTAssertEqual(form.fields.first { $0.flag == "knn-alpha" }?.text, "0")
        XCTAssertTrue(form.generalErrors.contains { $0.contains("a study needs a grid") }, "\(form.generalErrors)")
    }

    func testCloneCopiesARunsSettings() {
        var rows = sampleRows()
        rows[1].settings = [("model", "nsn-lite"), ("variant", "static-diag"), ("epochs", "7"), ("learningRate", "0.05"),
                            ("widths", "8,16"), ("augment", "false"), ("knnFocalGamma", "")]
        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        _ = state.update(.runsListed(rows, error: nil))
        _ = state.press(.down, .down)
        XCTAssertEqual(state.context.runs.selected?.name, "diag")
        _ = state.press(.character("c"))
        XCTAssertTrue(state.shows(LaunchScreen.self))
        let configuration = state.screen(LaunchScreen.self)!.form.configuration
        XCTAssertEqual(configuration?.variant, "static-diag")
        XCTAssertEqual(configuration?.epochs, 7)
        XCTAssertEqual(configuration?.learningRate, 0.05)
        XCTAssertEqual(configuration?.widths, [8, 16])
        XCTAssertEqual(configuration?.augment, false)
        XCTAssertNil(configuration?.knnFocalGamma)
        XCTAssertEqual(state.screen(LaunchScreen.self)!.form.runName, "diag copy")
        XCTAssertEqual(state.screen(LaunchScreen.self)!.form.clonedFrom, "20261122-110000-bbbb")
    }
}
