import XCTest
import TensorCore
@testable import Neighbours

final class FeatureBankTests: XCTestCase {
    func testCosineBankIsCentredByItsMeanAndNormalised() {
        // Rows (2,0), (0,2), (1,1): mean (1,1); centred (1,−1), (−1,1), (0,0).
        let bank = FeatureBank(features: [2, 0, 0, 2, 1, 1], count: 3, dimension: 2,
                               labels: [0, 1, 0], classCount: 2)
        XCTAssertEqual(bank.mean, [1, 1])
        let h = Float(0.5).squareRoot()
        XCTAssertEqual(bank.features[0], h, accuracy: 1e-6)
        XCTAssertEqual(bank.features[1], -h, accuracy: 1e-6)
        XCTAssertEqual(bank.features[2], -h, accuracy: 1e-6)
        XCTAssertEqual(bank.features[3], h, accuracy: 1e-6)
        XCTAssertEqual(Array(bank.features[4...5]), [0, 0], "a row equal to the mean stays zero, not NaN")
        XCTAssertTrue(bank.squaredNorms.isEmpty)
    }

    func testQueriesUseTheBanksMean() {
        let bank = FeatureBank(features: [2, 0, 0, 2, 1, 1], count: 3, dimension: 2,
                               labels: [0, 1, 0], classCount: 2)
        // (4, 1) − (1, 1) = (3, 0) → (1, 0); its own mean would make it zero.
        XCTAssertEqual(bank.preparedQueries([4, 1]), [1, 0])
        XCTAssertEqual(bank.preparedQueries([1, 1]), [0, 0])
    }

    func testEuclideanBankKeepsRowsAndSquaredNorms() {
        let bank = FeatureBank(features: [3, 4, 1, 0], count: 2, dimension: 2, labels: [0, 0], classCount: 1,
                               metric: .euclidean)
        XCTAssertEqual(bank.features, [3, 4, 1, 0])
        XCTAssertEqual(bank.squaredNorms, [25, 1])
        // q = (0, 0): −‖q − x‖² = −1 for row 1, −25 for row 0.
        let result = NeighbourSearch.default.search([0, 0], in: bank, k: 2)
        XCTAssertEqual(result.indices, [1, 0])
        XCTAssertEqual(result.similarities, [-1, -25])
    }

    func testMeanOfALargeBankMatchesADoubleSum() {
        let n = 3000, d = 7
        let rows = randomRows(n, d, seed: 61)
        for threads in [1, 2] {
            let bank = FeatureBank(features: rows, count: n, dimension: d,
                                   labels: [Int](repeating: 0, count: n), classCount: 1, threads: threads)
            for p in 0..<d {
                let expected = (0..<n).reduce(0.0) { $0 + Double(rows[$1 * d + p]) } / Double(n)
                XCTAssertEqual(Double(bank.mean[p]), expected, accuracy: 1e-6, "column \(p) threads=\(threads)")
            }
            for row in stride(from: 0, to: n, by: 97) {
                let norm = (0..<d).reduce(Float(0)) { $0 + bank.features[row * d + $1] * bank.features[row * d + $1] }
                XCTAssertEqual(norm, 1, accuracy: 1e-5, "row \(row) norm threads=\(threads)")
            }
        }
    }

    func testPixelBankMeanIsTheExactColumnMeanForAnyThreadCount() {
        // Enough rows for several chunks; the means come from exact integer sums.
        let n = 5000, d = 9
        var generator = SeededGenerator(seed: 63)
        let pixels = (0..<(n * d)).map { _ in UInt8(generator.nextInt(below: 256)) }
        let labels = [Int](repeating: 0, count: n)
        let banks = [1, 2].map { threads in
            FeatureBank(pixels: pixels, count: n, dimension: d, labels: labels, classCount: 1, threads: threads)
        }
        XCTAssertEqual(banks[0].mean, banks[1].mean, "pixel means differ between 1 and 2 threads")
        XCTAssertEqual(banks[0].features, banks[1].features, "pixel bank rows differ between 1 and 2 threads")
        for p in 0..<d {
            let sum = (0..<n).reduce(0) { $0 + Int(pixels[$1 * d + p]) }
            let expected = Double(sum) / Double(n) / 255
            XCTAssertEqual(Double(banks[0].mean[p]), expected, accuracy: 1e-6, "pixel column \(p)")
        }
    }
}
