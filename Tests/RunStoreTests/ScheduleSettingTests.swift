import RunStore
import XCTest

final class ScheduleSettingTests: XCTestCase {
    func testParsing() throws {
        XCTAssertEqual(try ScheduleSetting(parsing: "constant"),
                       ScheduleSetting(decay: .constant))
        XCTAssertEqual(try ScheduleSetting(parsing: "step", baseLearningRate: 0.1).decay,
                       .step(milestones: [0.5, 0.75, 0.9], factor: 0.1))
        XCTAssertEqual(try ScheduleSetting(parsing: "step:0.5,0.75,0.9", baseLearningRate: 0.1).decay,
                       .step(milestones: [0.5, 0.75, 0.9], factor: 0.1))
        let custom = try ScheduleSetting(parsing: " step:0.3, 0.6 ; factor=0.2;warmup=50", baseLearningRate: 0.1)
        XCTAssertEqual(custom.decay, .step(milestones: [0.3, 0.6], factor: 0.2))
        XCTAssertEqual(custom.warmupSteps, 50)
        let cosine = try ScheduleSetting(parsing: "cosine;min=0.001;warmup=500", baseLearningRate: 0.1)
        XCTAssertEqual(cosine.decay, .cosine(minimum: 0.001))
        XCTAssertEqual(cosine.warmupSteps, 500)
        XCTAssertEqual(try ScheduleSetting(parsing: "cosine", baseLearningRate: 0.1).decay, .cosine(minimum: 0))
        // description round-trips
        for text in ["constant", "step:0.5,0.75,0.9", "step:0.3,0.6;factor=0.2;warmup=50",
                     "cosine", "cosine;min=0.001;warmup=500", "constant;warmup=3"] {
            let schedule = try ScheduleSetting(parsing: text, baseLearningRate: 0.1)
            XCTAssertEqual(schedule.description, text)
            XCTAssertEqual(try ScheduleSetting(parsing: schedule.description, baseLearningRate: 0.1), schedule, text)
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
            XCTAssertThrowsError(try ScheduleSetting(parsing: text, baseLearningRate: 0.1), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(fragment), "\"\(text)\": message \"\(message)\" lacks \"\(fragment)\"")
                XCTAssertTrue(message.contains("\"\(text)\""), "\"\(text)\": message should quote the input: \(message)")
            }
        }
    }
}
