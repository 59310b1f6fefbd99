import XCTest
@testable import TerminalUI

final class SupportTests: XCTestCase {
    func testNumberFormat() {
        let fixed: [(Double, Int, String)] = [(0.25, 3, "0.250"), (-0.0004, 2, "0.00"), (-1.5, 0, "-2"),
                                              (42, 1, "42.0"), (.nan, 2, "nan")]
        for (v, d, s) in fixed { XCTAssertEqual(NumberFormat.fixed(v, decimals: d), s, "fixed(\(v), \(d))") }
        let compact: [(Double, String)] = [(0, "0"), (1, "1"), (1234, "1234"), (12345, "12.3k"), (2.5e6, "2.5M"),
                                           (0.1234, "0.123"), (0.01234, "0.0123"), (-2.5, "-2.5"),
                                           (0.000012, "1.2e-05"), (.infinity, "inf")]
        for (v, s) in compact { XCTAssertEqual(NumberFormat.compact(v), s, "compact(\(v))") }
    }

    func testTextFitAndTruncate() {
        XCTAssertEqual(Text.truncate("abcdef", to: 4), "abc…")
        XCTAssertEqual(Text.truncate("abc", to: 1), "…")
        XCTAssertEqual(Text.truncate("abc", to: 0), "")
        XCTAssertEqual(Text.fit("ab", width: 5, alignment: .center), " ab  ")
        XCTAssertEqual(Text.fit("ab", width: 4, alignment: .right), "  ab")
    }

    func testPaletteIndexApproximations() {
        XCTAssertEqual(TerminalColor.default.paletteIndex(colorCount: 256), -1)
        XCTAssertEqual(TerminalColor.rgb(255, 0, 0).paletteIndex(colorCount: 256), 196)
        XCTAssertEqual(TerminalColor.rgb(128, 128, 128).paletteIndex(colorCount: 256), 244)
        XCTAssertEqual(TerminalColor.rgb(255, 0, 0).paletteIndex(colorCount: 8), 1)
        XCTAssertEqual(TerminalColor.brightRed.paletteIndex(colorCount: 8), 1)
        XCTAssertEqual(TerminalColor.brightRed.paletteIndex(colorCount: 16), 9)
        XCTAssertEqual(TerminalColor.indexed(196).paletteIndex(colorCount: 8), 1)
        XCTAssertEqual(TerminalColor.indexed(21).paletteIndex(colorCount: 256), 21)
        XCTAssertEqual(TerminalColor.grey(0), .indexed(16))
        XCTAssertEqual(TerminalColor.grey(0.5), .indexed(244))
        XCTAssertEqual(TerminalColor.grey(1), .indexed(231))
    }

    func testMonochromeThemeHasNoColours() {
        let theme = Theme.forColorMode(.monochrome)
        let styles = [theme.text, theme.muted, theme.border, theme.borderFocused, theme.title, theme.titleFocused,
                      theme.selection, theme.header, theme.key, theme.accent, theme.good, theme.warning,
                      theme.error, theme.gauge]
        for style in styles {
            XCTAssertEqual(style.foreground, .default)
            XCTAssertEqual(style.background, .default)
        }
        XCTAssertTrue(theme.selection.attributes.contains(.reverse))
        XCTAssertEqual(Theme.forColorMode(.ansi).colorMode, .ansi)
        XCTAssertEqual(ColorMode.forColorCount(256), .indexed256)
        XCTAssertEqual(ColorMode.forColorCount(8), .ansi)
        XCTAssertEqual(ColorMode.forColorCount(0), .monochrome)
    }

    func testKeysFromControlBytes() {
        XCTAssertEqual(Key.fromControlByte(3), .ctrl("c"))
        XCTAssertEqual(Key.fromControlByte(13), .enter)
        XCTAssertEqual(Key.fromControlByte(9), .tab)
        XCTAssertEqual(Key.fromControlByte(127), .backspace)
        XCTAssertEqual(Key.fromControlByte(27), .escape)
        XCTAssertNil(Key.fromControlByte(28))
        XCTAssertEqual(Key.ctrl("c").displayName, "^C")
    }
}
