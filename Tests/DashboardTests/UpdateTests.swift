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
        XCTAssertEqual(state.screen, .runs)
        XCTAssertNil(state.confirmation)
        _ = state.update(.resized(width: 100, height: 30))
        XCTAssertFalse(state.isTooSmall)
        _ = state.press(.character("d"))
        XCTAssertNotNil(state.confirmation, "at a usable size the same key asks to delete")
        _ = state.update(.resized(width: 20, height: 5))
        XCTAssertEqual(state.press(.character("y")), [], "a pending confirmation is not answered unseen")
        XCTAssertEqual(state.press(.character("q")), [.quit])
    }

    func testNewestRunIsSelectedFirstAndArrowsMoveWithinTheList() {
        var state = listedState()
        XCTAssertEqual(state.visibleRuns.map(\.name), ["broken", "dynamic", "diag", "baseline"], "created, newest first")
        XCTAssertEqual(state.selectedRun?.name, "broken")
        _ = state.press(.down, .down)
        XCTAssertEqual(state.selectedRun?.name, "diag")
        _ = state.press(.down, .down, .down)
        XCTAssertEqual(state.selectedRun?.name, "baseline", "selection stops at the last row")
        _ = state.press(.home)
        XCTAssertEqual(state.selectedRun?.name, "broken")
    }

    func testSelectionFollowsTheRunWhenTheListChanges() {
        var state = listedState()
        _ = state.press(.down, .down)  // diag
        var rows = sampleRows()
        rows.append(RunRow(id: "20261122-140000-eeee", path: "/r/e", name: "new", state: .queued, createdAt: 5))
        _ = state.update(.runsListed(rows, error: nil))
        XCTAssertEqual(state.selectedRun?.name, "diag", "a new run must not move the selection")
    }

    func testSortCyclesColumnsAndReverses() {
        var state = listedState()
        _ = state.press(.character("s"))
        XCTAssertEqual(state.sort, .name)
        XCTAssertEqual(state.visibleRuns.map(\.name), ["baseline", "broken", "diag", "dynamic"])
        _ = state.press(.character("S"))
        XCTAssertEqual(state.visibleRuns.map(\.name), ["dynamic", "diag", "broken", "baseline"])
        _ = state.press(.character("s"), .character("s"), .character("s"))  // state, progress, best val
        XCTAssertEqual(state.sort, .bestValidation)
        XCTAssertEqual(state.visibleRuns.first?.name, "dynamic", "best validation accuracy first (descending)")
    }

    func testFilterNarrowsTheListAndEscapeClearsIt() {
        var state = listedState()
        _ = state.press(.character("/"))
        XCTAssertTrue(state.editingFilter)
        state.type("diag")
        XCTAssertEqual(Set(state.visibleRuns.map(\.name)), ["diag", "dynamic"], "matches names and variants")
        _ = state.press(.character("q"))  // typed into the filter, does not quit
        XCTAssertFalse(state.quitting)
        XCTAssertEqual(state.filter, "diagq")
        _ = state.press(.backspace, .enter)
        XCTAssertFalse(state.editingFilter)
        XCTAssertEqual(state.filter, "diag")
        _ = state.press(.character("/"), .escape)
        XCTAssertEqual(state.filter, "")
        XCTAssertEqual(state.visibleRuns.count, 4)
    }

    func testMarksSelectSeveralRunsForCompareAndBulkControl() {
        var state = listedState()
        _ = state.press(.down)            // dynamic
        _ = state.press(.character(" ")) // mark dynamic, move to diag
        _ = state.press(.character(" ")) // mark diag
        XCTAssertEqual(state.markedRunIDs, ["20261122-120000-cccc", "20261122-110000-bbbb"])
        XCTAssertEqual(state.comparedRuns.map(\.name), ["dynamic", "diag"])
        let effects = state.press(.character("p"))
        XCTAssertEqual(effects, [.control(.pause, runIDs: ["20261122-110000-bbbb"])], "only the running run can pause")
        _ = state.press(.character("a"))
        XCTAssertEqual(state.markedRunIDs.count, 4)
        _ = state.press(.character("a"))
        XCTAssertTrue(state.markedRunIDs.isEmpty)
    }

    func testStopAsksFirstAndYesSendsTheEffect() {
        var state = listedState()
        _ = state.press(.down, .down)  // diag, running
        XCTAssertEqual(state.press(.character("x")), [])
        XCTAssertEqual(state.confirmation?.action, .stop)
        XCTAssertEqual(state.press(.enter), [.control(.stop, runIDs: ["20261122-110000-bbbb"])], "Enter takes the default (yes) for stop")
        XCTAssertNil(state.confirmation)
    }

    func testDeleteDefaultsToNoAndAnyOtherKeyCancels() {
        var state = listedState()
        _ = state.press(.character("d"))
        XCTAssertEqual(state.confirmation?.action, .delete)
        XCTAssertEqual(state.press(.enter), [], "Enter on a delete dialog answers no")
        _ = state.press(.character("d"))
        XCTAssertEqual(state.press(.escape), [])
        XCTAssertNil(state.confirmation)
        _ = state.press(.character("d"))
        XCTAssertEqual(state.press(.character("y")), [.control(.delete, runIDs: ["20261122-130000-dddd"])])
    }

    func testControlsThatDoNotApplyExplainWhy() {
        var state = listedState()
        _ = state.press(.end)  // baseline, finished
        XCTAssertEqual(state.press(.character("p")), [])
        XCTAssertEqual(state.notice?.isError, true)
        XCTAssertTrue(state.notice?.text.contains("only running") == true, state.notice?.text ?? "")
        XCTAssertEqual(state.press(.character("r")), [])
        _ = state.press(.up)  // diag running … move to dynamic (paused)
        _ = state.press(.up)
        XCTAssertEqual(state.selectedRun?.name, "dynamic")
        XCTAssertEqual(state.press(.character("r")), [.control(.resume, runIDs: ["20261122-120000-cccc"])])
    }

    func testResumeFromCheckpointNeedsAStoppedRunWithACheckpoint() {
        var rows = sampleRows()
        rows[0].state = .stopped
        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        _ = state.update(.runsListed(rows, error: nil))
        _ = state.press(.end)  // baseline, stopped with checkpoint
        _ = state.press(.character("R"))
        XCTAssertEqual(state.confirmation?.action, .resumeFromCheckpoint)
        XCTAssertEqual(state.press(.character("y")), [.control(.resumeFromCheckpoint, runIDs: ["20261122-100000-aaaa"])])
    }

    func testOpeningARunTailsItsMetricsAndPollingKeepsTailing() {
        var state = listedState()
        _ = state.press(.down, .down)
        let effects = state.press(.enter)
        XCTAssertEqual(state.screen, .run)
        XCTAssertEqual(effects, [.tailMetrics(runIDs: ["20261122-110000-bbbb"]), .loadLog(runID: "20261122-110000-bbbb")])
        let tick = state.update(.tick(now: 100))
        XCTAssertEqual(tick, [.listRuns, .tailMetrics(runIDs: ["20261122-110000-bbbb"]), .loadLog(runID: "20261122-110000-bbbb")])
        XCTAssertEqual(state.update(.tick(now: 100.5)), [], "no polling twice within a second")
    }

    func testAppendedMetricsAccumulateAndARestartReplacesThem() {
        var state = listedState()
        let p1 = MetricPoint(x: 1, epoch: 1, split: .val, accuracy: 0.5)
        let p2 = MetricPoint(x: 2, epoch: 2, split: .val, accuracy: 0.6)
        _ = state.update(.metricsAppended(runID: "x", points: [p1], restarted: false))
        _ = state.update(.metricsAppended(runID: "x", points: [p2], restarted: false))
        XCTAssertEqual(state.metrics["x"]?.points, [p1, p2])
        _ = state.update(.metricsAppended(runID: "x", points: [p2], restarted: true))
        XCTAssertEqual(state.metrics["x"]?.points, [p2])
    }

    func testSmoothingHasAVisibleOffSwitch() {
        var state = listedState()
        _ = state.press(.down, .down, .enter)
        XCTAssertGreaterThan(state.effectiveSmoothing, 0)
        XCTAssertTrue(screenText(state).contains("smoothing 0.6"))
        _ = state.press(.character("m"))
        XCTAssertEqual(state.effectiveSmoothing, 0)
        XCTAssertTrue(screenText(state).contains("smoothing off"))
    }

    func testKeysOfTheTableDriveDispatchFooterAndHelp() {
        for binding in KeyBinding.table {
            for screen in Screen.allCases where binding.applies(on: screen) {
                for key in binding.keys {
                    let first = KeyBinding.action(for: key, on: screen)
                    XCTAssertNotNil(first, "\(key) on \(screen)")
                }
            }
        }
        var state = listedState(width: 120, height: 60)
        _ = state.press(.character("?"))
        XCTAssertTrue(state.showHelp)
        let help = screenText(state)
        XCTAssertTrue(help.contains("Pause the run(s)"), "help lists the table's text")
        _ = state.press(.character("z"))
        XCTAssertFalse(state.showHelp)
        XCTAssertTrue(screenText(state).contains("p pause"), "footer shows the table's labels")
    }

    func testQuitWorksFromListsButNotFromTheForm() {
        var state = listedState()
        _ = state.press(.character("n"))
        XCTAssertEqual(state.screen, .launch)
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
        for flag in ["model", "variant", "stem-width", "widths", "blocks", "kernel", "meta-hidden", "similarity-penalty",
                     "epochs", "batch-size", "optimizer", "lr", "momentum", "weight-decay", "schedule", "warmup",
                     "label-smoothing", "data", "validation", "train-fraction", "augment", "seed", "threads", "log-every",
                     "knn-alpha", "knn-focal", "knn-features", "knn-k", "knn-t", "knn-metric", "knn-eval"] {
            XCTAssertTrue(flags.contains(flag), "no field for --\(flag)")
        }
    }

    func testTypingIsCheckedAsTypedWithTheErrorBesideTheField() {
        var form = LaunchForm()
        focus(&form, "epochs")
        form.backspace(); form.backspace()
        XCTAssertNotNil(error(form, "epochs"), "empty epochs is not a number")
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
        XCTAssertNotNil(form.configuration, "default shape fields are fine with small-cnn")
        focus(&form, "widths")
        form.type("8")   // 16,32,648
        XCTAssertEqual(error(form, "widths"), "--widths shapes nsn-lite; small-cnn has a fixed architecture")
        XCTAssertNil(form.configuration, "not launched with a setting it would ignore")
        focus(&form, "model")
        form.cycleChoice(by: 1)  // back to nsn-lite
        XCTAssertNil(error(form, "widths"))
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
        state.launchForm = form
        state.screen = .launch
        XCTAssertEqual(state.press(.enter), [], "an invalid form does not launch")
        XCTAssertEqual(state.launchForm.fields[state.launchForm.focus].flag, "variant", "focus jumps to the problem")
        XCTAssertTrue(screenText(state).contains("needs --model nsn-lite"))
    }

    func testLaunchCarriesTheConfigurationAndName() {
        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        _ = state.press(.character("n"))
        state.type("quick")
        XCTAssertEqual(state.launchForm.runName, "quick")
        var expected = TrainingConfiguration()
        XCTAssertEqual(state.press(.enter), [.launch(expected, name: "quick")])
        _ = state.press(.down, .right)  // model → the next choice
        expected.model = state.launchForm.configuration?.model ?? "?"
        XCTAssertNotEqual(expected.model, TrainingConfiguration().model, "→ changed the model choice")
        XCTAssertEqual(state.press(.enter), [.launch(expected, name: "quick")])
        XCTAssertEqual(state.press(.ctrl("e")), [], "there is no separate queue action: every launch queues for a slot")
    }

    func testCloneCopiesARunsSettings() {
        var rows = sampleRows()
        rows[1].settings = [("model", "nsn-lite"), ("variant", "static-diag"), ("epochs", "7"), ("learningRate", "0.05"),
                            ("widths", "8,16"), ("augment", "false"), ("knnFocalGamma", "")]
        var state = DashboardState(width: 100, height: 30, theme: .monochrome)
        _ = state.update(.runsListed(rows, error: nil))
        _ = state.press(.down, .down)
        XCTAssertEqual(state.selectedRun?.name, "diag")
        _ = state.press(.character("c"))
        XCTAssertEqual(state.screen, .launch)
        let configuration = state.launchForm.configuration
        XCTAssertEqual(configuration?.variant, "static-diag")
        XCTAssertEqual(configuration?.epochs, 7)
        XCTAssertEqual(configuration?.learningRate, 0.05)
        XCTAssertEqual(configuration?.widths, [8, 16])
        XCTAssertEqual(configuration?.augment, false)
        XCTAssertNil(configuration?.knnFocalGamma)
        XCTAssertEqual(state.launchForm.runName, "diag copy")
        XCTAssertEqual(state.launchForm.clonedFrom, "20261122-110000-bbbb")
    }
}
