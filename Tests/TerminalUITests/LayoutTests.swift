import XCTest
@testable import TerminalUI

final class LayoutTests: XCTestCase {
    func testSizes() {
        let cases: [(String, [Constraint], Int, Int, [Int])] = [
            ("fixed + flex + fixed", [.fixed(3), .flex(1), .fixed(2)], 10, 0, [3, 5, 2]),
            ("percent + min + flex(2)", [.percent(50), .min(2), .flex(2)], 10, 0, [5, 3, 2]),
            ("overflow shrinks later slots", [.fixed(6), .fixed(6)], 10, 0, [6, 4]),
            ("overflow to zero", [.fixed(6), .fixed(6), .fixed(1)], 5, 0, [5, 0, 0]),
            ("ratios", [.ratio(1, 3), .ratio(2, 3)], 9, 0, [3, 6]),
            ("flex remainder to last", [.flex(1), .flex(1), .flex(1)], 10, 0, [3, 3, 4]),
            ("spacing", [.fixed(2), .flex(1)], 10, 2, [2, 6]),
            ("no room", [.fixed(2), .flex(1), .min(3)], 0, 1, [0, 0, 0]),
            ("no growable slot leaves room", [.fixed(2)], 10, 0, [2]),
        ]
        for (name, constraints, total, spacing, expected) in cases {
            XCTAssertEqual(Layout.sizes(constraints, total: total, spacing: spacing), expected, name)
        }
        XCTAssertEqual(Layout.sizes([], total: 10), [])
    }

    func testSplitPlacesSlotsWithSpacing() {
        let area = Rect(x: 2, y: 1, width: 10, height: 4)
        XCTAssertEqual(area.split(.horizontal, [.fixed(3), .flex(1)], spacing: 1),
                       [Rect(x: 2, y: 1, width: 3, height: 4), Rect(x: 6, y: 1, width: 6, height: 4)])
        XCTAssertEqual(area.split(.vertical, [.fixed(1), .min(1), .fixed(1)]),
                       [Rect(x: 2, y: 1, width: 10, height: 1), Rect(x: 2, y: 2, width: 10, height: 2),
                        Rect(x: 2, y: 4, width: 10, height: 1)])
    }

    func testRectHelpers() {
        let r = Rect(x: 1, y: 1, width: 6, height: 4)
        XCTAssertEqual(r.inset(dx: 1, dy: 1), Rect(x: 2, y: 2, width: 4, height: 2))
        XCTAssertEqual(r.inset(dx: 5, dy: 5).area, 0)
        XCTAssertEqual(r.inset(top: 1, left: 2), Rect(x: 3, y: 2, width: 4, height: 3))
        XCTAssertEqual(r.centered(width: 2, height: 2), Rect(x: 3, y: 2, width: 2, height: 2))
        XCTAssertEqual(r.centered(width: 50, height: 50), r)
        XCTAssertEqual(r.intersection(Rect(x: 5, y: 0, width: 10, height: 2)), Rect(x: 5, y: 1, width: 2, height: 1))
        XCTAssertTrue(r.intersection(Rect(x: 20, y: 20, width: 1, height: 1)).isEmpty)
        XCTAssertEqual(r.splitTop(1).rest, Rect(x: 1, y: 2, width: 6, height: 3))
        XCTAssertEqual(r.splitBottom(9).bottom, r)
        XCTAssertEqual(r.splitLeft(2).rest, Rect(x: 3, y: 1, width: 4, height: 4))
        XCTAssertEqual(r.splitRight(2).right, Rect(x: 5, y: 1, width: 2, height: 4))
        XCTAssertEqual(Rect(x: 0, y: 0, width: -3, height: 2).width, 0)
    }
}
