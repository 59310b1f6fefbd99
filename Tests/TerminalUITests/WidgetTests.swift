import XCTest
@testable import TerminalUI

final class WidgetTests: XCTestCase {
    func testBlockBorderAndTitle() {
        assertRender(Block(title: "Title"), size: (8, 3), ["┌ T… ──┐", "│xxxxxx│", "└──────┘"])
        assertRender(Block(title: "Ab", focused: true), size: (6, 3), ["┏Ab━━┓", "┃xxxx┃", "┗━━━━┛"])
        assertRender(Block(), size: (3, 3), area: Rect(x: 1, y: 1, width: 1, height: 1), ["xxx", "x│x", "xxx"], "1×1")
        assertRender(Block(), size: (2, 2), area: .zero, ["xx", "xx"], "0×0")
        XCTAssertEqual(Block().inner(Rect(x: 0, y: 0, width: 8, height: 3)), Rect(x: 1, y: 1, width: 6, height: 1))
    }

    func testParagraphTruncatesAlignsAndWraps() {
        assertRender(Paragraph("hello world\nab"), size: (8, 3), ["hello w…", "abxxxxxx", "xxxxxxxx"])
        assertRender(Paragraph("ab", alignment: .right), size: (4, 1), ["xxab"])
        assertRender(Paragraph("aa bb cc", wrap: true), size: (5, 2), ["aa bb", "ccxxx"])
        let spans = Paragraph([Line(spans: [("ab", .plain), ("cdef", Style([.bold]))])])
        var buffer = xBuffer(5, 1)
        spans.render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines(), ["abcd…"])
        XCTAssertEqual(buffer[2, 0].attributes, [.bold])
        XCTAssertEqual(buffer[1, 0].attributes, [])
    }

    func testTabsAndKeyHints() {
        assertRender(Tabs(["A", "BB"], selected: 1), size: (10, 1), [" A │ BB xx"])
        assertRender(Tabs(["A", "BB"], selected: 1), size: (5, 1), [" A │…"], "cut")
        let hints = KeyHints([("q", "quit"), ("↑↓", "move")])
        assertRender(hints, size: (20, 1), ["q quit  ↑↓ movexxxxx"])
        assertRender(hints, size: (10, 1), ["q quitxxxx"], "a hint that does not fit is dropped whole")
    }

    func testConfirmDialogIsCentred() {
        assertRender(MessageBox.confirm("Stop run?"), size: (24, 7), [
            "xx┏ Confirm ━━━━━━━━━┓xx",
            "xx┃                  ┃xx",
            "xx┃    Stop run?     ┃xx",
            "xx┃                  ┃xx",
            "xx┃  [ Yes ] [ No ]  ┃xx",
            "xx┗━━━━━━━━━━━━━━━━━━┛xx",
            "xxxxxxxxxxxxxxxxxxxxxxxx",
        ])
    }

    func testHalfBlockImageColours() {
        // 2×4 image: rows [0, 1], [1, 0], [0.25, 0.5], [0.75, 1].
        let image = HalfBlockImage(width: 2, height: 4, pixels: [0, 1, 1, 0, 0.25, 0.5, 0.75, 1], scaling: .none)
        var buffer = xBuffer(3, 3)
        image.render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines(), ["▀▀x", "▀▀x", "xxx"])
        let expected: [(Int, Int, UInt8, UInt8)] = [(0, 0, 16, 231), (1, 0, 231, 16), (0, 1, 237, 250), (1, 1, 244, 231)]
        for (x, y, fg, bg) in expected {
            XCTAssertEqual(buffer[x, y].foreground, .indexed(fg), "fg at (\(x), \(y))")
            XCTAssertEqual(buffer[x, y].background, .indexed(bg), "bg at (\(x), \(y))")
        }
        var mono = image
        mono.colorMode = .monochrome
        // Means 0.5, 0.5, 0.5, 0.75 on the ramp " .:-=+*#%@".
        assertRender(mono, size: (2, 2), ["++", "+#"], "monochrome ramp")
    }

    func testHalfBlockColourImageUsesRGBForBothHalves() {
        // 1×2 RGB image, planes R, G, B: top pixel (255, 0, 51), bottom pixel (0, 128, 255).
        let image = HalfBlockImage(width: 1, height: 2, channels: 3, bytes: [255, 0, 0, 128, 51, 255], scaling: .none)
        var buffer = xBuffer(1, 1)
        image.render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer[0, 0].foreground, .rgb(255, 0, 51))
        XCTAssertEqual(buffer[0, 0].background, .rgb(0, 128, 255))
        var mono = image
        mono.colorMode = .monochrome
        // Luma 0.299·1 + 0.114·0.2 = 0.32 and 0.587·0.502 + 0.114 = 0.41: mean 0.37 → "-".
        assertRender(mono, size: (1, 1), ["-"], "monochrome ramp of the brightness")
    }

    func testHalfBlockImageScaling() {
        let image = HalfBlockImage(width: 2, height: 4, bytes: [0, 255, 255, 0, 0, 255, 255, 0])
        XCTAssertEqual(image.displaySize(in: Rect(width: 4, height: 4)).width, 4)
        XCTAssertEqual(image.displaySize(in: Rect(width: 4, height: 4)).height, 8)
        XCTAssertEqual(image.displaySize(in: Rect(width: 10, height: 1)).width, 1)
        assertRender(image, size: (5, 4), ["▀▀▀▀x", "▀▀▀▀x", "▀▀▀▀x", "▀▀▀▀x"], "scaled ×2")
        // Odd height: the last row has no bottom pixel.
        let odd = HalfBlockImage(width: 1, height: 3, pixels: [1, 1, 1], scaling: .none)
        var buffer = xBuffer(1, 2)
        odd.render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer[0, 1].background, .default)
        XCTAssertEqual(buffer[0, 1].foreground, .indexed(231))
    }

    func testHeatmapColoursAroundCentre() {
        let map = Heatmap(rows: 1, columns: 3, values: [0, 1, 2], center: 1, cellWidth: 5, decimals: 1, showLegend: false)
        XCTAssertEqual(map.resolvedSpread, 1)
        var buffer = xBuffer(16, 1)
        map.render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines(), [" 0.0  1.0  2.0 x"])
        for (x, bg, fg) in [(0, 21, 231), (2, 21, 231), (5, 231, 16), (7, 231, 16), (10, 196, 231), (12, 196, 231)] {
            XCTAssertEqual(buffer[x, 0].background, .indexed(UInt8(bg)), "background at column \(x)")
            XCTAssertEqual(buffer[x, 0].foreground, .indexed(UInt8(fg)), "label colour at column \(x)")
        }
        XCTAssertEqual(Heatmap.color(position: -1, mode: .ansi), .blue)
        XCTAssertEqual(Heatmap.color(position: 0, mode: .ansi), .white)
        XCTAssertEqual(Heatmap.color(position: 1, mode: .ansi), .red)
    }

    func testHeatmapCellHeightAndClipping() {
        // 2×2 entries, 4 columns × 2 rows each, the label on the upper middle row.
        let map = Heatmap(rows: 2, columns: 2, values: [0, 1, 2, 3], center: 1, cellWidth: 4, cellHeight: 2,
                          decimals: 0, showLegend: false)
        assertRender(map, size: (9, 5), [" 0   1  x", "        x", " 2   3  x", "        x", "xxxxxxxxx"])
        // Too small for the matrix: cut at the area's edge, nothing outside.
        assertRender(map, size: (6, 3), area: Rect(x: 0, y: 0, width: 5, height: 3), [" 0   x", "     x", " 2   x"])
    }

    func testHeatmapLegendHalfBlockAndMonochrome() {
        let map = Heatmap(rows: 1, columns: 1, values: [2], center: 1, spread: 1, showValues: false)
        var buffer = xBuffer(11, 2)
        map.render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines()[1], "0         2")
        let legend: [UInt8] = [21, 33, 75, 231, 217, 210, 196]
        for (i, c) in legend.enumerated() {
            XCTAssertEqual(buffer[2 + i, 1].background, .indexed(c), "legend cell \(i)")
        }
        let half = Heatmap(rows: 2, columns: 2, values: [0, 2, 2, 0], center: 1, halfBlock: true, showLegend: false)
        buffer = xBuffer(3, 1)
        half.render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines(), ["▀▀x"])
        XCTAssertEqual(buffer[0, 0].foreground, .indexed(21))
        XCTAssertEqual(buffer[0, 0].background, .indexed(196))
        XCTAssertEqual(buffer[1, 0].foreground, .indexed(196))
        XCTAssertEqual(buffer[1, 0].background, .indexed(21))
        let mono = Heatmap(rows: 1, columns: 4, values: [0, 1, 2, .nan], center: 1, cellWidth: 1, showValues: false,
                           showLegend: false, colorMode: .monochrome)
        assertRender(mono, size: (4, 1), [" +@·"])
    }

    func testWidgetsSurviveTinyAreas() {
        assertSurvivesTinyAreas(Block(title: "Runs", focused: true, footer: "1/3"), "block")
        assertSurvivesTinyAreas(Paragraph("some text\nmore", wrap: true), "paragraph")
        assertSurvivesTinyAreas(Tabs(["Runs", "Compare"], selected: 0), "tabs")
        assertSurvivesTinyAreas(KeyHints([("q", "quit")]), "hints")
        assertSurvivesTinyAreas(MessageBox.confirm("Stop?"), "dialog")
        assertSurvivesTinyAreas(HalfBlockImage(width: 3, height: 3, pixels: Array(repeating: 0.5, count: 9)), "image")
        assertSurvivesTinyAreas(HalfBlockImage(width: 3, height: 3, pixels: Array(repeating: 0.5, count: 9),
                                               scaling: .none, colorMode: .monochrome), "image mono")
        assertSurvivesTinyAreas(HalfBlockImage(width: 0, height: 0, pixels: []), "empty image")
        let values = (0..<9).map(Double.init)
        assertSurvivesTinyAreas(Heatmap(rows: 3, columns: 3, values: values, center: 4), "heatmap")
        assertSurvivesTinyAreas(Heatmap(rows: 3, columns: 3, values: values, center: 4, halfBlock: true), "heatmap ▀")
        assertSurvivesTinyAreas(Heatmap(rows: 0, columns: 0, values: []), "empty heatmap")
        assertSurvivesTinyAreas(FormView(FormState(fields: [.text("Name", "abc"), .toggle("On")])), "form")
        assertSurvivesTinyAreas(FormView(FormState(fields: [])), "empty form")
        assertSurvivesTinyAreas(TableWidget(), "table")
    }
}

/// The table with a fixed state, as a plain widget for the tiny-area sweep.
struct TableWidget: Widget {
    func render(in area: Rect, buffer: inout CellBuffer) {
        var state = TableState(selected: 2, marked: [1])
        Table(columns: [TableColumn("A"), TableColumn("B", width: .fixed(3))], rows: [["1", "2"], ["3", "4"], ["5", "6"]],
              showMarks: true).render(in: area, buffer: &buffer, state: &state)
    }
}
