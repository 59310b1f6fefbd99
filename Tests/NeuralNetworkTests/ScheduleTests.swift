import XCTest
@testable import NeuralNetwork

final class ScheduleTests: XCTestCase {
    private func rates(_ schedule: LearningRateSchedule, _ steps: [Int], total: Int,
                       perEpoch: Int = 1) -> [Float] {
        steps.map { schedule.learningRate(step: $0, totalSteps: total, stepsPerEpoch: perEpoch) }
    }

    func testConstantWithWarmup() {
        let schedule = LearningRateSchedule(baseLearningRate: 0.2, decay: .constant, warmupSteps: 4)
        // (s + 1)/W · η for s < W
        XCTAssertEqual(rates(schedule, [0, 1, 3, 4, 99], total: 100), [0.05, 0.1, 0.2, 0.2, 0.2])
        XCTAssertEqual(LearningRateSchedule(baseLearningRate: 0.2).learningRate(step: 0, totalSteps: 10), 0.2)
    }

    func testStepDecayBoundaries() {
        let schedule = LearningRateSchedule(baseLearningRate: 1, decay: .step(milestones: [0.5, 0.75, 0.9], factor: 0.1))
        // T = 100: boundaries at steps 50, 75, 90.
        let got = rates(schedule, [0, 49, 50, 74, 75, 89, 90, 99, 150], total: 100)
        let expected: [Float] = [1, 1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.001]
        for (i, (g, e)) in zip(got, expected).enumerated() {
            XCTAssertEqual(g, e, accuracy: e * 1e-5, "step decay case \(i)")
        }
    }

    func testStepDecayOnEpochBoundaries() {
        // 15 epochs × 10 steps: 0.5·15 = 7.5 → epoch 8 (step 80); 0.75·15 = 11.25 → epoch 11;
        // 0.9·15 = 13.5 → epoch 14.
        let schedule = LearningRateSchedule(baseLearningRate: 1, decay: .step(milestones: [0.5, 0.75, 0.9], factor: 0.5))
        XCTAssertEqual(rates(schedule, [79, 80, 109, 110, 139, 140], total: 150, perEpoch: 10),
                       [1, 0.5, 0.5, 0.25, 0.25, 0.125])
    }

    func testCosineWithWarmupAndMinimum() {
        let schedule = LearningRateSchedule(baseLearningRate: 1, decay: .cosine(minimum: 0.1), warmupSteps: 10)
        // Warm-up 10 steps, then cosine over the remaining 100: u = (s − 10)/100.
        let got = rates(schedule, [0, 9, 10, 60, 110, 200], total: 110)
        let expected: [Float] = [0.1, 1, 1, 0.55, 0.1, 0.1]
        for (i, (g, e)) in zip(got, expected).enumerated() {
            XCTAssertEqual(g, e, accuracy: 1e-6, "cosine case \(i)")
        }
        // Quarter point: 0.1 + 0.9·(1 + cos(π/4))/2
        XCTAssertEqual(schedule.learningRate(step: 35, totalSteps: 110),
                       Float(0.1 + 0.9 * (1 + cos(Double.pi / 4)) / 2), accuracy: 1e-6)
    }
}
