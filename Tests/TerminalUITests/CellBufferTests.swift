import XCTest
@testable import TerminalUI

final class CellBufferTests: XCTestCase {
    func testWriteIsClippedToBufferAndClipRect() {
        var buffer = xBuffer(4, 2)
        buffer.write("hello", x: 1, y: 0)
        buffer.write("abcd", x: -2, y: 1)
        XCTAssertEqual(buffer.lines(), ["xhel", "cdxx"])
        buffer.write("abc", x: 0, y: 0, clip: Rect(x: 1, y: 0, width: 1, height: 1))
        buffer.write("zz", x: 0, y: 5)
        XCTAssertEqual(buffer.lines(), ["xbel", "cdxx"])
    }

    func testWriteReturnsNextColumnAndTruncatesWithEllipsis() {
        var buffer = xBuffer(8, 1)
        let next = buffer.write("ab", x: 1, y: 0)
        XCTAssertEqual(next, 3)
        buffer.write("abcdef", x: 3, y: 0, maxWidth: 4)
        XCTAssertEqual(buffer.lines(), ["xababc…x"])
    }

    func testFillAndSubscriptOutsideAreIgnored() {
        var buffer = xBuffer(3, 3)
        buffer.fill(Rect(x: 1, y: 1, width: 5, height: 5), with: Cell("o"))
        buffer[-1, 0] = Cell("!")
        buffer[3, 0] = Cell("!")
        XCTAssertEqual(buffer[9, 9], Cell.blank)
        XCTAssertEqual(buffer.lines(), ["xxx", "xoo", "xoo"])
    }

    func testZeroSizedBuffer() {
        var buffer = CellBuffer(width: 0, height: 0)
        buffer.write("abc", x: 0, y: 0)
        buffer.fill(Rect(width: 3, height: 3))
        XCTAssertEqual(buffer.lines(), [])
        XCTAssertEqual(buffer.changedRuns(from: nil), [])
    }

    func testDiffFindsChangedRunsPerRow() {
        let old = CellBuffer(width: 5, height: 3)
        var new = old
        new[1, 0] = Cell("a")
        new[2, 0] = Cell("b")
        new[4, 0] = Cell("c")
        new[0, 2] = Cell(" ", fg: .red)   // a colour-only change counts
        XCTAssertEqual(new.changedRuns(from: old),
                       [CellRun(x: 1, y: 0, count: 2), CellRun(x: 4, y: 0, count: 1), CellRun(x: 0, y: 2, count: 1)])
        XCTAssertEqual(new.changedCellCount(from: old), 4)
        XCTAssertEqual(old.changedRuns(from: old), [])
    }

    func testDiffAgainstNothingOrAnotherSizeIsEverything() {
        let buffer = CellBuffer(width: 3, height: 2)
        let full = [CellRun(x: 0, y: 0, count: 3), CellRun(x: 0, y: 1, count: 3)]
        XCTAssertEqual(buffer.changedRuns(from: nil), full)
        XCTAssertEqual(buffer.changedRuns(from: CellBuffer(width: 2, height: 2)), full)
    }

    func testLineKeepsMultiScalarCharacterAsItsFirstScalar() {
        var buffer = xBuffer(3, 1)
        buffer.write("e\u{301}z", x: 0, y: 0)   // "é" as e + combining acute: one column
        XCTAssertEqual(buffer.lines(), ["ezx"])
    }
}
