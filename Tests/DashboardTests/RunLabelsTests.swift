@testable import Dashboard
import XCTest

final class RunLabelsTests: XCTestCase {
    func testSharedPrefixAndSuffixAreDroppedAtSeparators() {
        XCTAssertEqual(RunLabels.distinguishing(["variants-conv-e15-s0", "variants-static-diag-e15-s0", "variants-dynamic-full-e15-s0"]),
                       ["conv", "static-diag", "dynamic-full"])
        XCTAssertEqual(RunLabels.distinguishing(["knn-s0", "knn-s1"]), ["s0", "s1"])
        // The shared "static-" and "-s1" are dropped; "diag"/"full" never split mid-word.
        XCTAssertEqual(RunLabels.distinguishing(["static-diag-s1", "static-full-s1"]), ["diag", "full"])
        // "lr0.1" and "lr0.05" share "run lr0." — a decimal point is not a place to cut.
        XCTAssertEqual(RunLabels.distinguishing(["run lr0.1", "run lr0.05"]), ["lr0.1", "lr0.05"])
        XCTAssertEqual(RunLabels.distinguishing(["a.conv", "a.diag"]), ["conv", "diag"], "a dot between words is")
    }

    func testNamesWithoutASharedWordStayWhole() {
        XCTAssertEqual(RunLabels.distinguishing(["alpha", "beta"]), ["alpha", "beta"])
        XCTAssertEqual(RunLabels.distinguishing(["conv1", "conv2"]), ["conv1", "conv2"], "no separator to cut at")
        XCTAssertEqual(RunLabels.distinguishing(["only-one"]), ["only-one"])
        XCTAssertEqual(RunLabels.distinguishing(["same-name", "same-name"]), ["same-name", "same-name"])
        XCTAssertEqual(RunLabels.distinguishing(["a-b", "a-b-b"]), ["b", "b-b"], "the suffix is shared only within a word")
        XCTAssertEqual(RunLabels.distinguishing(["run-", "run-b"]), ["run-", "run-b"], "one label would be empty")
    }
}
