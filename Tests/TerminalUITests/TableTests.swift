import XCTest
@testable import TerminalUI

final class TableTests: XCTestCase {
    let columns = [TableColumn("A", width: .fixed(2)), TableColumn("B", width: .flex(1), alignment: .right)]
    let rows = [["a1", "1"], ["a2", "22"], ["a3", "3"]]

    func testSelectionBelowTheViewScrollsDown() {
        var state = TableState(selected: 2)
        var buffer = xBuffer(6, 3)
        Table(columns: columns, rows: rows).render(in: buffer.area, buffer: &buffer, state: &state)
        XCTAssertEqual(state.offset, 1)
        XCTAssertEqual(buffer.lines(), ["A    B", "a2  22", "a3   3"])
        XCTAssertEqual(buffer[0, 2].style, Theme.colour.selection, "selected row highlighted")
        XCTAssertEqual(buffer[3, 2].style, Theme.colour.selection, "highlight spans the gaps")
        XCTAssertEqual(buffer[0, 1].style, Theme.colour.text)
    }

    func testSelectionAboveTheViewScrollsUp() {
        var state = TableState(selected: 0, offset: 2)
        var buffer = xBuffer(6, 3)
        Table(columns: columns, rows: rows).render(in: buffer.area, buffer: &buffer, state: &state)
        XCTAssertEqual(state.offset, 0)
        XCTAssertEqual(buffer.lines(), ["A    B", "a1   1", "a2  22"])
    }

    func testScrollOffsetCases() {
        let cases: [(String, Int?, Int, Int, Int, Int)] = [
            // name, selected, offset, visible, count, expected
            ("visible stays", 3, 2, 4, 10, 2),
            ("below view", 9, 0, 4, 10, 6),
            ("above view", 1, 5, 4, 10, 1),
            ("offset past the end clamps", nil, 9, 4, 10, 6),
            ("fewer rows than view", 1, 3, 4, 2, 0),
            ("no room", 3, 2, 0, 10, 0),
            ("no rows", nil, 3, 4, 0, 0),
            ("selection out of range clamps", 99, 0, 4, 10, 6),
        ]
        for (name, selected, offset, visible, count, expected) in cases {
            XCTAssertEqual(TableState.scrollOffset(selected: selected, offset: offset, visibleRows: visible,
                                                   rowCount: count), expected, name)
        }
    }

    func testMarksAndSortIndicator() {
        var state = TableState(selected: 0, marked: [1], sortColumn: 0, sortAscending: false)
        var buffer = xBuffer(8, 3)
        Table(columns: columns, rows: rows, showMarks: true).render(in: buffer.area, buffer: &buffer, state: &state)
        XCTAssertEqual(buffer.lines(), ["  A▼   B", "  a1   1", "● a2  22"])
    }

    func testStateEditing() {
        var state = TableState()
        state.move(by: 1, rowCount: 3)
        XCTAssertEqual(state.selected, 0)
        state.move(by: 5, rowCount: 3)
        XCTAssertEqual(state.selected, 2)
        state.move(by: -1, rowCount: 3)
        XCTAssertEqual(state.selected, 1)
        state.toggleMark()
        XCTAssertEqual(state.marked, [1])
        state.toggleMark()
        XCTAssertEqual(state.marked, [])
        state.sort(by: 1)
        XCTAssertEqual(state.sortColumn, 1)
        XCTAssertTrue(state.sortAscending)
        state.sort(by: 1)
        XCTAssertFalse(state.sortAscending)
        state.move(by: 1, rowCount: 0)
        XCTAssertNil(state.selected)
    }
}
