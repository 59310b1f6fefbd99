import XCTest
@testable import TerminalUI

/// A buffer of the given size pre-filled with "x", so untouched cells are visible.
func xBuffer(_ width: Int, _ height: Int) -> CellBuffer {
    CellBuffer(width: width, height: height, filling: Cell("x"))
}

/// Renders `widget` into `area` of an x-filled buffer and compares the lines.
func assertRender(_ widget: some Widget, size: (Int, Int), area: Rect? = nil, _ expected: [String],
                  _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    var buffer = xBuffer(size.0, size.1)
    widget.render(in: area ?? buffer.area, buffer: &buffer)
    let got = buffer.lines()
    if got != expected {
        XCTFail("\(message) render \(size.0)×\(size.1) area \(area ?? buffer.area):\ngot:\n"
                + got.map { "|\($0)|" }.joined(separator: "\n") + "\nexpected:\n"
                + expected.map { "|\($0)|" }.joined(separator: "\n"), file: file, line: line)
    }
}

/// Renders into every small area (0×0 … 3×3 at several offsets) and checks that nothing is
/// drawn outside the area and nothing crashes.
func assertSurvivesTinyAreas(_ widget: some Widget, _ name: String,
                             file: StaticString = #filePath, line: UInt = #line) {
    for w in 0...3 {
        for h in 0...3 {
            for (ox, oy) in [(0, 0), (2, 1), (5 - w, 4 - h)] {
                var buffer = xBuffer(5, 4)
                let area = Rect(x: ox, y: oy, width: w, height: h)
                widget.render(in: area, buffer: &buffer)
                for y in 0..<4 {
                    for x in 0..<5 where !area.contains(x: x, y: y) && buffer[x, y] != Cell("x") {
                        XCTFail("\(name) drew outside \(area) at (\(x), \(y))", file: file, line: line)
                    }
                }
            }
        }
    }
}
