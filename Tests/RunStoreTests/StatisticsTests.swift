import RunStore
import XCTest

/// The study report's statistics against values computed with SciPy 1.x
/// (`scipy.stats.ttest_rel`, `scipy.stats.t.sf`, `scipy.special.betainc`, `numpy.std(ddof=1)`).
final class StatisticsTests: XCTestCase {
    private func assertClose(_ actual: Double?, _ expected: Double, relative: Double = 1e-12, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        guard let actual else { return XCTFail("\(what): nil, expected \(expected)", file: file, line: line) }
        XCTAssertLessThanOrEqual(abs(actual - expected), relative * max(abs(expected), 1e-300),
                                 "\(what): \(actual), expected \(expected)", file: file, line: line)
    }

    func testPairedTestMatchesSciPyOnTheIssuesExample() {
        // scipy.stats.ttest_rel(b, a): TtestResult(statistic=3.2254094827877515, pvalue=0.08416587073060265)
        let b = [93.41, 93.20, 93.35], a = [93.22, 92.71, 93.12]
        let test = Statistics.pairedTest(b, a)
        assertClose(test?.t, 3.2254094827877515, "t")
        assertClose(test?.p, 0.08416587073060265, "p")
        assertClose(test?.meanDifference, 0.3033333333333322, relative: 1e-9, "mean difference")
        XCTAssertEqual(test?.pairs, 3)
    }

    func testPairedTestMatchesSciPyOnMoreSamples() {
        let cases: [(b: [Double], a: [Double], t: Double, p: Double)] = [
            ([0.5, 0.61, 0.7, 0.55, 0.9], [0.52, 0.6, 0.66, 0.5, 0.8], 1.7866500011476742, 0.14852900465352178),
            ([1.0, 2.0, 3.5, 4.0, 5.0, 7.0, 1.5, 2.5, 3.0, 9.0], [1.1, 1.0, 3.0, 4.2, 4.0, 6.0, 1.0, 2.0, 3.3, 5.0],
             2.028607043813051, 0.07309875786065557),
        ]
        for (index, c) in cases.enumerated() {
            let test = Statistics.pairedTest(c.b, c.a)
            assertClose(test?.t, c.t, relative: 1e-10, "case \(index) t")
            assertClose(test?.p, c.p, relative: 1e-10, "case \(index) p")
        }
        // ttest_rel([0.91, 0.92], [0.90, 0.93]): statistic 0.0, pvalue 1.0.
        let zero = Statistics.pairedTest([0.91, 0.92], [0.90, 0.93])
        assertClose(zero?.t.map(abs), 0, "t of opposite differences")
        assertClose(zero?.p, 1, "p of opposite differences")
    }

    func testStudentTTailsMatchSciPy() {
        // 2 * scipy.stats.t.sf(|t|, ν)
        assertClose(Statistics.twoSidedP(t: 0.5, degreesOfFreedom: 1), 0.7048327646991335, relative: 1e-12, "t 0.5, ν 1")
        assertClose(Statistics.twoSidedP(t: -2.0, degreesOfFreedom: 30), 0.054625044962983094, relative: 1e-11, "t −2, ν 30")
        assertClose(Statistics.twoSidedP(t: 12.0, degreesOfFreedom: 4), 0.000276428548502973, relative: 1e-10, "t 12, ν 4")
        assertClose(Statistics.twoSidedP(t: 40.0, degreesOfFreedom: 2), 0.0006244146721847406, relative: 1e-10, "t 40, ν 2")
        // scipy.special.betainc(2.5, 0.5, 0.3)
        assertClose(Statistics.regularizedIncompleteBeta(a: 2.5, b: 0.5, x: 0.3), 0.018927124071945658, relative: 1e-12, "I_0.3(2.5, 0.5)")
    }

    func testNoPValueIsInventedWithFewerThanTwoPairs() {
        let one = Statistics.pairedTest([0.93], [0.92])
        XCTAssertEqual(one?.pairs, 1)
        XCTAssertEqual(one?.meanDifference ?? 0, 0.01, accuracy: 1e-12)
        XCTAssertNil(one?.p, "one pair: no p")
        XCTAssertNil(one?.t)
        XCTAssertNil(Statistics.pairedTest([], []), "no pairs: no test")
        // Every difference equal and non-zero: t = ∞ (scipy), p = 0; all zero: nan in scipy, absent here.
        XCTAssertEqual(Statistics.pairedTest([2, 3], [1, 2])?.p, 0)
        XCTAssertNil(Statistics.pairedTest([1, 2], [1, 2])?.p)
    }

    func testSummaryUsesTheSampleStandardDeviation() {
        let summary = Statistics.summary([93.41, 93.20, 93.35])
        assertClose(summary?.mean, 93.32000000000001, relative: 1e-14, "mean")
        assertClose(summary?.standardDeviation, 0.10816653826391588, relative: 1e-9, "numpy.std(ddof=1)")
        XCTAssertEqual(summary?.count, 3)
        XCTAssertNil(Statistics.summary([0.9])?.standardDeviation, "no std of one value")
        XCTAssertNil(Statistics.summary([]))
    }
}
