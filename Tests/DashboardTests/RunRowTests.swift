import Dashboard
import XCTest

/// What a run row shows of its progress before, during and after training.
final class RunRowTests: XCTestCase {
    func testProgressAndStepLabelBeforeDuringAndAfterTraining() {
        let queued = RunRow(id: "a", path: "/r/a", state: .queued, epochs: 15, queuePosition: 2)
        XCTAssertEqual(queued.stepLabel, "no steps yet")
        XCTAssertEqual(queued.progress, 0)
        XCTAssertEqual(queued.stateLabel, "queued 2")

        let running = RunRow(id: "b", path: "/r/b", state: .running, epoch: 9, epochs: 15, step: 3742, totalSteps: 6450)
        XCTAssertEqual(running.stepLabel, "step 3742/6450")
        XCTAssertEqual(running.progress, 3742.0 / 6450, accuracy: 1e-12)
        XCTAssertEqual(running.stateLabel, "running")

        let finishedWithoutSteps = RunRow(id: "c", path: "/r/c", state: .finished)
        XCTAssertEqual(finishedWithoutSteps.progress, 1, "a finished run is full even without a step count")
        let overshoot = RunRow(id: "d", path: "/r/d", state: .running, step: 12, totalSteps: 10)
        XCTAssertEqual(overshoot.progress, 1, "progress is clamped")
    }
}
