import Dashboard
import Foundation
import RunStore
import XCTest

/// `simlab train` and the dashboard's launch form parse every option with the option
/// table's parsers: they accept and refuse the same values, with the same message.
final class TrainingOptionParityTests: XCTestCase {
    static let cases: [(flag: String, text: String, accepted: Bool)] = [
        ("schedule", "cosine;min=0.001", true), ("schedule", "step", true), ("schedule", "step;factor=0.2", true),
        ("schedule", "step:0.5,0.75;factor=0.5", true), ("schedule", "constant;warmup=10", true),
        ("schedule", "cosine;min=5", false), ("schedule", "bogus", false), ("schedule", "step:0.9,0.5", false),
        ("epochs", "3", true), ("epochs", "0", false), ("epochs", "-1", false), ("epochs", "abc", false),
        ("lr", "0.05", true), ("lr", "1e-3", true), ("lr", "nan", false), ("lr", "-0.5", false),
        ("widths", "8,16", true), ("widths", "4,,8", false), ("widths", "4,x", false),
        ("knn-focal", "", true), ("knn-focal", "2", true), ("knn-focal", "x", false),
        ("variant", "dynamic-full", true), ("variant", "sideways", false),
        ("kernel", "5", true), ("kernel", "4", false), ("seed", "7", true), ("seed", "-1", false),
        ("augment", "no", true), ("knn-eval", "maybe", false), ("warmup", "20", false),
        ("knn-features", "frozen:", false), ("knn-metric", "euclidean", true), ("optimizer", "lbfgs", false),
    ]

    func testTheCommandLineAndTheLaunchFormAcceptAndRefuseTheSameValues() throws {
        let harness = try SimlabHarness(self)
        for (flag, text, accepted) in Self.cases {
            // A run name the command line refuses after the options: nothing is ever created.
            let output = try harness.run(["train", "--runs", harness.runs.path, "--data", harness.data.path,
                                          "--\(flag)=\(text)", "--name", "two\nlines"])
            XCTAssertEqual(output.status, 64, "--\(flag)=\(text): a usage error either way")
            let cliAccepted = output.stderr.contains("--name must be one line")
            XCTAssertEqual(cliAccepted, accepted, "command line, --\(flag)=\(text): \(output.stderr)")

            var form = LaunchForm()
            let index = try XCTUnwrap(form.fields.firstIndex { $0.flag == flag }, flag)
            form.fields[index].text = text
            form.validate()
            XCTAssertEqual(form.isValid, accepted, "form, \(flag) = '\(text)': \(form.fields[index].error ?? "")")
            if let error = form.fields[index].error {
                XCTAssertTrue(output.stderr.contains(error), "the same message: form '\(error)', command line \(output.stderr)")
            }
        }
    }
}
