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

    func testParsing() throws {
        XCTAssertEqual(try LearningRateSchedule(parsing: "constant", baseLearningRate: 0.1),
                       LearningRateSchedule(baseLearningRate: 0.1))
        XCTAssertEqual(try LearningRateSchedule(parsing: "step", baseLearningRate: 0.1).decay,
                       .step(milestones: [0.5, 0.75, 0.9], factor: 0.1))
        XCTAssertEqual(try LearningRateSchedule(parsing: "step:0.5,0.75,0.9", baseLearningRate: 0.1).decay,
                       .step(milestones: [0.5, 0.75, 0.9], factor: 0.1))
        let custom = try LearningRateSchedule(parsing: " step:0.3, 0.6 ; factor=0.2;warmup=50", baseLearningRate: 0.1)
        XCTAssertEqual(custom.decay, .step(milestones: [0.3, 0.6], factor: 0.2))
        XCTAssertEqual(custom.warmupSteps, 50)
        let cosine = try LearningRateSchedule(parsing: "cosine;min=0.001;warmup=500", baseLearningRate: 0.1)
        XCTAssertEqual(cosine.decay, .cosine(minimum: 0.001))
        XCTAssertEqual(cosine.warmupSteps, 500)
        XCTAssertEqual(try LearningRateSchedule(parsing: "cosine", baseLearningRate: 0.1).decay, .cosine(minimum: 0))
        // description round-trips
        for text in ["constant", "step:0.5,0.75,0.9", "step:0.3,0.6;factor=0.2;warmup=50",
                     "cosine", "cosine;min=0.001;warmup=500", "constant;warmup=3"] {
            let schedule = try LearningRateSchedule(parsing: text, baseLearningRate: 0.1)
            XCTAssertEqual(schedule.description, text)
            XCTAssertEqual(try LearningRateSchedule(parsing: schedule.description, baseLearningRate: 0.1), schedule, text)
        }
    }

    func testMalformedInputGivesClearErrors() {
        let cases: [(String, String)] = [
            ("linear", "unknown schedule \"linear\""),
            ("", "unknown schedule"),
            ("step:0.5,abc", "milestone \"abc\""),
            ("step:0.5,1.5", "milestone \"1.5\""),
            ("step:0.75,0.5", "must increase"),
            ("step:", "milestone \"\""),
            ("step;factor=0", "factor"),
            ("step;factor", "not KEY=VALUE"),
            ("cosine;factor=0.5", "option \"factor\" does not apply to cosine"),
            ("cosine;min=1", "min must be"),
            ("cosine:0.1", "cosine takes no argument"),
            ("constant;warmup=-1", "warmup"),
            ("constant;warmup=2;warmup=3", "given twice"),
            ("constant;speed=3", "option \"speed\""),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try LearningRateSchedule(parsing: text, baseLearningRate: 0.1), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(fragment), "\"\(text)\": message \"\(message)\" lacks \"\(fragment)\"")
                XCTAssertTrue(message.contains("\"\(text)\""), "\"\(text)\": message should quote the input: \(message)")
            }
        }
    }

    func testCodableUsesTextForm() throws {
        let schedule = LearningRateSchedule(baseLearningRate: 0.1, decay: .step(milestones: [0.5, 0.75], factor: 0.1),
                                            warmupSteps: 20)
        let data = try JSONEncoder().encode(schedule)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        XCTAssertEqual(object?["schedule"] as? String, "step:0.5,0.75;warmup=20")
        XCTAssertEqual(try JSONDecoder().decode(LearningRateSchedule.self, from: data), schedule)
        let bad = Data(#"{"baseLearningRate": 0.1, "schedule": "steps"}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(LearningRateSchedule.self, from: bad))
    }
}
