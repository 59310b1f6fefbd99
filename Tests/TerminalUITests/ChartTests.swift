import XCTest
@testable import TerminalUI

final class ChartTests: XCTestCase {
    /// A 2×1-cell plot (4×4 dots) with axes and legend off and ranges fixed to 0…3, so each
    /// point (x, y) lands on dot (x, 3 − y).
    func bare(_ points: [(x: Double, y: Double)], smoothing: Double = 0, fixed: Bool = true, dense: Bool = true) -> BrailleLineChart {
        BrailleLineChart(series: [ChartSeries(name: "s", color: .red, points: points, isDense: dense)],
                         xRange: fixed ? 0...3 : nil, yRange: fixed ? 0...3 : nil,
                         smoothing: smoothing, showLegend: false, showAxes: false)
    }

    func testBrailleDotsOfADiagonal() {
        // Dots (0,3) (1,2) | (2,1) (3,0): bits 0x40|0x20 = ⡠, 0x02|0x08 = ⠊.
        assertRender(bare([(0, 0), (1, 1), (2, 2), (3, 3)]), size: (2, 1), ["⡠⠊"])
    }

    func testLinesAreJoinedBetweenPoints() {
        // (0,3)→(1,0) passes (0,2) and (1,1): 0x40|0x04|0x10|0x08 = ⡜; then row 0 to x = 3: ⠉.
        assertRender(bare([(0, 0), (1, 3), (2, 3), (3, 3)]), size: (2, 1), ["⡜⠉"])
    }

    func testSmoothingChangesTheDrawnLine() {
        XCTAssertEqual(BrailleLineChart.smoothed([0, 3, 3, 3], factor: 0.5), [0, 1.5, 2.25, 2.625])
        XCTAssertEqual(BrailleLineChart.smoothed([0, 3, 3, 3], factor: 0), [0, 3, 3, 3])
        let s = BrailleLineChart.smoothed([1, .nan, 3], factor: 0.5)
        XCTAssertEqual(s[0], 1)
        XCTAssertTrue(s[1].isNaN)
        XCTAssertEqual(s[2], 2)
        // Smoothed 0, 1.5, 2.25, 2.625 → dot rows 3, 2 (1.5 rounds up), 1, 0: the diagonal ⡠⠊,
        // with the raw points (rows 3, 0, 0, 0) as dots on it: 0x40|0x20|0x08 = ⡨, 0x02|0x08|0x01 = ⠋.
        let points: [(x: Double, y: Double)] = [(0, 0), (1, 3), (2, 3), (3, 3)]
        assertRender(bare(points, smoothing: 0.5), size: (2, 1), ["⡨⠋"], "smoothing 0.5")
        assertRender(bare(points, smoothing: 0), size: (2, 1), ["⡜⠉"], "smoothing off")
        // A sparse series (one value per epoch) is never smoothed.
        assertRender(bare(points, smoothing: 0.5, dense: false), size: (2, 1), ["⡜⠉"], "sparse series, smoothing 0.5")
    }

    /// A sparse validation series peaking at 80.10 % after 4 epochs: with smoothing 0.6 the
    /// chart still reaches 80.10 % (an EMA of it would stop at about 76 %), and the y range
    /// covers the raw values even for a smoothed dense series.
    func testSmoothingNeverHidesAPeak() {
        let val: [(x: Double, y: Double)] = [(1, 0.70), (2, 0.75), (3, 0.78), (4, 0.801)]
        let sparse = BrailleLineChart(series: [ChartSeries(name: "val", points: val)], smoothing: 0.6)
        XCTAssertEqual(sparse.displayedSeries()[0].map(\.y), [0.70, 0.75, 0.78, 0.801])
        XCTAssertGreaterThanOrEqual(sparse.resolvedRanges().y.upperBound, 0.801)
        let dense = BrailleLineChart(series: [ChartSeries(name: "val", points: val, isDense: true)], smoothing: 0.6)
        XCTAssertLessThan(dense.displayedSeries()[0].last!.y, 0.78, "the smoothed line lags")
        XCTAssertGreaterThanOrEqual(dense.resolvedRanges().y.upperBound, 0.801, "the range still covers the raw peak")
        XCTAssertLessThanOrEqual(dense.resolvedRanges().y.lowerBound, 0.70)
    }

    func testNonFinitePointsAreSkippedAndBreakTheLine() {
        assertRender(bare([(0, 0), (1, .nan), (2, 2), (3, 3)]), size: (2, 1), ["⡀⠊"], "NaN y")
        assertRender(bare([(0, 0), (.infinity, 1), (2, 2), (3, .infinity)]), size: (2, 1), ["⡀⠂"], "inf")
    }

    func testConstantAndSinglePointSeries() {
        // [2, 2, 2]: y range widened to 1…3, x 0…2: dots (0,2) (2,2) (3,2) joined on row 2.
        let constant = BrailleLineChart(series: [ChartSeries(name: "c", values: [2, 2, 2])],
                                        showLegend: false, showAxes: false)
        XCTAssertEqual(constant.resolvedRanges().y, 1...3)
        assertRender(constant, size: (2, 1), ["⠤⠤"], "constant")
        // One point: x widened to 4.5…5.5 and y to 0…2, so it sits at dot (2, 2).
        let single = BrailleLineChart(series: [ChartSeries(name: "p", points: [(5, 1)])],
                                      showLegend: false, showAxes: false)
        assertRender(single, size: (2, 1), ["x⠄"], "single point")
        let empty = BrailleLineChart(series: [ChartSeries(name: "e", points: [])], showLegend: false, showAxes: false)
        assertRender(empty, size: (2, 1), ["xx"], "no points")
    }

    func testAutoRangeHasPadding() {
        let chart = BrailleLineChart(series: [ChartSeries(name: "a", values: [0, 10])])
        XCTAssertEqual(chart.resolvedRanges().y, -0.5...10.5)
        XCTAssertEqual(chart.resolvedRanges().x, 0...1)
    }

    func testAxesLabelsAndLegend() {
        let chart = BrailleLineChart(series: [ChartSeries(name: "a", values: [1, 1])], yRange: 0...1)
        assertRender(chart, size: (10, 5), [
            "━ axxxxxxx",
            "1┤⠉⠉⠉⠉⠉⠉⠉⠉",
            "x│xxxxxxxx",
            "0┤xxxxxxxx",
            "xx0xxxxxx1",
        ])
    }

    func testSparkline() {
        assertRender(Sparkline([0, 1, 2, 4, 8]), size: (5, 1), ["x▁▂▄█"])
        assertRender(Sparkline([0, 0]), size: (2, 1), ["xx"], "max == 0")
        assertRender(Sparkline([8, 4, 1]), size: (3, 2), ["█xx", "██▂"], "two rows")
        assertRender(Sparkline([1, 2, 3, 4]), size: (2, 1), ["▆█"], "last values shown")
        assertRender(Sparkline([1, .nan, -1, 2], maximum: 2), size: (4, 1), ["▄xx█"], "fixed maximum")
    }

    func testGauge() {
        assertRender(Gauge(ratio: 0.5), size: (10, 1), ["█████     "])
        assertRender(Gauge(ratio: 0.55), size: (10, 1), ["█████▌    "])
        assertRender(Gauge(ratio: .nan), size: (4, 1), ["    "])
        assertRender(Gauge(ratio: 7), size: (4, 1), ["████"])
        var buffer = xBuffer(10, 1)
        Gauge(ratio: 0.5, label: "ab").render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines(), ["████ab    "])
        XCTAssertTrue(buffer[4, 0].attributes.contains(.reverse), "label over the filled part is reversed")
        XCTAssertFalse(buffer[5, 0].attributes.contains(.reverse))
        XCTAssertEqual(Gauge.percentLabel("epoch 3/15", done: 42, total: 100), "epoch 3/15 42%")
    }

    func testBarChartAndHistogram() {
        let chart = BarChart(values: [1, 2, 4], labels: ["a", "b", "c"], barWidth: 1, gap: 1)
        assertRender(chart, size: (5, 3), ["xxxx█", "▄x█x█", "axbxc"])
        assertRender(BarChart(values: [0, 0]), size: (3, 2), ["xxx", "xxx"], "all zero")
        XCTAssertEqual(BarChart.histogram([0, 0.1, 0.5, 0.99, 1.0, 2, .nan], bins: 2, range: 0...1), [2, 4])
    }

    func testChartsSurviveTinyAreas() {
        let series = [ChartSeries(name: "train", values: [1, 3, 2, .nan, 5]), ChartSeries(name: "t", values: [])]
        assertSurvivesTinyAreas(BrailleLineChart(series: series, smoothing: 0.6), "chart")
        assertSurvivesTinyAreas(BrailleLineChart(series: []), "empty chart")
        assertSurvivesTinyAreas(Sparkline([1, 2, 3]), "sparkline")
        assertSurvivesTinyAreas(Gauge(ratio: 0.4, label: "epoch 3/15"), "gauge")
        assertSurvivesTinyAreas(BarChart(values: [1, 2, 3], labels: ["a", "b", "c"]), "bars")
    }
}
