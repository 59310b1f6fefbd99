import XCTest
import TensorCore
@testable import Neighbours

final class NeighbourSearchTests: XCTestCase {
    struct Case {
        var n: Int, bank: Int, dimension: Int, k: Int
        var queryBlock: Int, bankBlock: Int
        var label: String { "n=\(n) N=\(bank) D=\(dimension) k=\(k) Qb=\(queryBlock) Bb=\(bankBlock)" }
    }

    let cases: [Case] = [
        Case(n: 1, bank: 1, dimension: 1, k: 1, queryBlock: 256, bankBlock: 4096),
        Case(n: 5, bank: 17, dimension: 3, k: 4, queryBlock: 256, bankBlock: 4096),      // bank < one block
        Case(n: 33, bank: 301, dimension: 13, k: 20, queryBlock: 7, bankBlock: 64),      // several blocks, odd tails
        Case(n: 70, bank: 1000, dimension: 40, k: 50, queryBlock: 16, bankBlock: 128),
        Case(n: 9, bank: 12, dimension: 5, k: 20, queryBlock: 4, bankBlock: 5),          // k > bank
        Case(n: 20, bank: 200, dimension: 9, k: 200, queryBlock: 3, bankBlock: 33),      // k = bank
    ]

    func testMatchesNaiveTwinOnRandomData() {
        for metric in SimilarityMetric.allCases {
            for (c, testCase) in cases.enumerated() {
                for threads in [1, 2] {
                    let seed = UInt64(c * 10)
                    let features = randomRows(testCase.bank, testCase.dimension, seed: seed)
                    let bank = FeatureBank(features: features, count: testCase.bank, dimension: testCase.dimension,
                                           labels: randomLabels(testCase.bank, classCount: 3, seed: seed + 1),
                                           classCount: 3, metric: metric)
                    let queries = randomRows(testCase.n, testCase.dimension, seed: seed + 2)
                    let search = NeighbourSearch(queryBlockRows: testCase.queryBlock,
                                                 bankBlockRows: testCase.bankBlock, threads: threads)
                    let fast = search.search(queries, in: bank, k: testCase.k)
                    let oracle = RawOracle(features, of: bank)
                    let naive = oracle.search(queries, k: testCase.k)
                    assertMatchesNaive(fast, naive, oracle: oracle, queries: queries, excluding: nil,
                                       "\(metric) \(testCase.label) threads=\(threads)")
                }
            }
        }
    }

    func testExclusionMatchesNaiveTwin() {
        for metric in SimilarityMetric.allCases {
            let testCase = cases[2]
            let features = randomRows(testCase.bank, testCase.dimension, seed: 5)
            let bank = FeatureBank(features: features, count: testCase.bank, dimension: testCase.dimension,
                                   labels: randomLabels(testCase.bank, classCount: 3, seed: 6),
                                   classCount: 3, metric: metric)
            let queries = randomRows(testCase.n, testCase.dimension, seed: 7)
            let excluding = (0..<testCase.n).map { i in i % 3 == 0 ? -1 : (i * 37) % testCase.bank }
            let search = NeighbourSearch(queryBlockRows: testCase.queryBlock, bankBlockRows: testCase.bankBlock)
            let fast = search.search(queries, in: bank, k: testCase.k, excluding: excluding)
            let oracle = RawOracle(features, of: bank)
            let naive = oracle.search(queries, k: testCase.k, excluding: excluding)
            assertMatchesNaive(fast, naive, oracle: oracle, queries: queries, excluding: excluding,
                               "excluding \(metric) \(testCase.label)")
        }
    }

    /// Small-integer euclidean data: every score is exact, so ties are exact and the order
    /// among them (lower bank index first) must match the oracle's order exactly.
    func testExactTiesKeepLowerIndexFirst() {
        for (n, bankCount, d, k, bb) in [(30, 250, 3, 25, 16), (11, 97, 2, 40, 10), (4, 40, 1, 40, 7)] {
            let features = randomRows(bankCount, d, seed: UInt64(bankCount), integers: true)
            let bank = FeatureBank(features: features, count: bankCount, dimension: d,
                                   labels: [Int](repeating: 0, count: bankCount), classCount: 1, metric: .euclidean)
            let queries = randomRows(n, d, seed: UInt64(bankCount + 1), integers: true)
            for threads in [1, 2] {
                let fast = NeighbourSearch(queryBlockRows: 4, bankBlockRows: bb, threads: threads)
                    .search(queries, in: bank, k: k)
                let oracle = RawOracle(features, of: bank)
                let naive = oracle.search(queries, k: k)
                assertMatchesNaive(fast, naive, oracle: oracle, queries: queries, excluding: nil, exact: true,
                                   "integer ties n=\(n) N=\(bankCount) D=\(d) k=\(k) Bb=\(bb) threads=\(threads)")
            }
        }
    }

    /// Duplicated rows across block boundaries: a query equal to them gets them all, in
    /// index order, ahead of everything else.
    func testDuplicatedRowsComeOutInIndexOrder() {
        let d = 6, bankCount = 150
        var features = randomRows(bankCount, d, seed: 11)
        let copies = [3, 31, 32, 97, 149]
        for j in copies.dropFirst() { for p in 0..<d { features[j * d + p] = features[copies[0] * d + p] } }
        let query = Array(features[(copies[0] * d)..<((copies[0] + 1) * d)])
        for metric in SimilarityMetric.allCases {
            let bank = FeatureBank(features: features, count: bankCount, dimension: d,
                                   labels: [Int](repeating: 0, count: bankCount), classCount: 1, metric: metric)
            let result = NeighbourSearch(queryBlockRows: 8, bankBlockRows: 32).search(query, in: bank, k: 7)
            XCTAssertEqual(Array(result.neighbours(of: 0).prefix(5)), copies.map { Int32($0) }, "\(metric) duplicates")
            let similarities = Array(result.neighbourSimilarities(of: 0))
            XCTAssertEqual(Set(similarities.prefix(5)).count, 1, "\(metric): duplicates must score identically")
            XCTAssertGreaterThan(similarities[4], similarities[5], "\(metric): duplicates must beat the rest")
        }
    }

    /// A training query never returns itself, but does return its exact duplicate.
    func testBankRowQueriesExcludeThemselvesButFindDuplicates() {
        let d = 5, bankCount = 120
        var features = randomRows(bankCount, d, seed: 21)
        for p in 0..<d { features[100 * d + p] = features[5 * d + p] }   // row 100 duplicates row 5
        for metric in SimilarityMetric.allCases {
            let bank = FeatureBank(features: features, count: bankCount, dimension: d,
                                   labels: randomLabels(bankCount, classCount: 4, seed: 22), classCount: 4, metric: metric)
            let rows = [5, 100, 7, 0, 119]
            for threads in [1, 2] {
                let result = NeighbourSearch(queryBlockRows: 2, bankBlockRows: 16, threads: threads)
                    .searchBankRows(rows, in: bank, k: 10)
                XCTAssertEqual(result.indices[0], 100, "\(metric) threads=\(threads): row 5's best is its duplicate")
                XCTAssertEqual(result.indices[10], 5, "\(metric) threads=\(threads): row 100's best is its duplicate")
                for (i, row) in rows.enumerated() {
                    XCTAssertFalse(result.neighbours(of: i).contains(Int32(row)), "\(metric): row \(row) returned itself")
                    XCTAssertEqual(result.counts[i], 10, "\(metric): row \(row) count")
                }
                do {
                    // The queries are the raw bank rows, so the oracle can check the lot.
                    let queries = rows.flatMap { Array(features[($0 * d)..<(($0 + 1) * d)]) }
                    let oracle = RawOracle(features, of: bank)
                    let naive = oracle.search(queries, k: 10, excluding: rows)
                    assertMatchesNaive(result, naive, oracle: oracle, queries: queries, excluding: rows,
                                       "bank rows \(metric) threads=\(threads)")
                }
            }
        }
        // A bank of one row queried by itself has nothing left.
        let single = FeatureBank(features: [1, 2], count: 1, dimension: 2, labels: [0], classCount: 1)
        let empty = NeighbourSearch.default.searchBankRows([0], in: single, k: 3)
        XCTAssertEqual(empty.counts, [0])
        XCTAssertEqual(empty.indices, [-1, -1, -1])
    }

    func testResultDoesNotDependOnThreadsOrBlocks() {
        let features = randomRows(500, 24, seed: 31)
        let bank = FeatureBank(features: features, count: 500, dimension: 24,
                               labels: randomLabels(500, classCount: 5, seed: 32), classCount: 5)
        let queries = randomRows(90, 24, seed: 33)
        let reference = NeighbourSearch(queryBlockRows: 256, bankBlockRows: 4096, threads: 1)
            .search(queries, in: bank, k: 15)
        for (qb, bb, chunk, threads) in [(1, 1, 6, 2), (13, 100, 6, 2), (64, 499, 12, 1), (90, 500, 96, 2),
                                         (90, 37, 30, 1)] {
            let other = NeighbourSearch(queryBlockRows: qb, bankBlockRows: bb, chunkRows: chunk, threads: threads)
                .search(queries, in: bank, k: 15)
            XCTAssertEqual(other, reference, "Qb=\(qb) Bb=\(bb) chunk=\(chunk) threads=\(threads)")
        }
    }

    func testDefaultBlocksSpanningSeveralBlocksMatchTheOracle() {
        // More queries and bank rows than one default block (Qb = 4096, Bb = 768) and one
        // score chunk, ragged ends: the production configuration against the raw Double oracle.
        let n = 4100, bankCount = 1600, d = 5
        let features = randomRows(bankCount, d, seed: 35)
        let queries = randomRows(n, d, seed: 37)
        for metric in SimilarityMetric.allCases {
            let bank = FeatureBank(features: features, count: bankCount, dimension: d,
                                   labels: randomLabels(bankCount, classCount: 4, seed: 36), classCount: 4, metric: metric)
            let oracle = RawOracle(features, of: bank)
            let naive = oracle.search(queries, k: 9)
            for threads in [1, 2] {
                let defaults = NeighbourSearch(threads: threads)
                XCTAssertEqual(defaults.queryBlockRows * defaults.bankBlockRows, 4096 * 768,
                               "default block sizes changed: update this test's sizes")
                assertMatchesNaive(defaults.search(queries, in: bank, k: 9), naive, oracle: oracle, queries: queries,
                                   excluding: nil, "default blocks \(metric) n=\(n) N=\(bankCount) threads=\(threads)")
            }
        }
    }

    func testPixelQueriesMatchFloatQueries() {
        var generator = SeededGenerator(seed: 41)
        let d = 20, bankCount = 90, n = 12
        let bankPixels = (0..<(bankCount * d)).map { _ in UInt8(generator.nextInt(below: 256)) }
        let queryPixels = (0..<(n * d)).map { _ in UInt8(generator.nextInt(below: 256)) }
        let labels = randomLabels(bankCount, classCount: 3, seed: 42)
        for metric in SimilarityMetric.allCases {
            let pixelBank = FeatureBank(pixels: bankPixels, count: bankCount, dimension: d, labels: labels,
                                        classCount: 3, metric: metric)
            let floatBank = FeatureBank(features: bankPixels.map { Float($0) / 255 }, count: bankCount,
                                        dimension: d, labels: labels, classCount: 3, metric: metric)
            for (a, b) in zip(pixelBank.features, floatBank.features) {
                XCTAssertEqual(a, b, accuracy: 1e-5, "\(metric): pixel bank rows")
            }
            let search = NeighbourSearch(queryBlockRows: 5, bankBlockRows: 32)
            let fromPixels = search.search(pixels: queryPixels, in: pixelBank, k: 8)
            let oracle = RawOracle(bankPixels.map { Float($0) / 255 }, of: floatBank)
            let naive = oracle.search(queryPixels.map { Float($0) / 255 }, k: 8)
            assertMatchesNaive(fromPixels, naive, oracle: oracle, queries: queryPixels.map { Float($0) / 255 },
                               excluding: nil, tolerance: 1e-4, "pixels \(metric)")
        }
    }

    func testPixelBankSearchesExactlyAcrossBlocksWithTiesAndSelfExclusion() {
        // Several query blocks, bank blocks and score chunks with ragged ends; duplicated
        // bank rows (exactly equal integer scores: ties go to the lower index); bank-row
        // queries exclude themselves but find their duplicates.
        var generator = SeededGenerator(seed: 43)
        let d = 37, bankCount = 300, n = 50
        var bankPixels = (0..<(bankCount * d)).map { _ in UInt8(generator.nextInt(below: 256)) }
        for row in stride(from: 10, to: bankCount, by: 29) {         // row == row − 10
            for p in 0..<d { bankPixels[row * d + p] = bankPixels[(row - 10) * d + p] }
        }
        let queryPixels = (0..<(n * d)).map { _ in UInt8(generator.nextInt(below: 256)) }
        let labels = randomLabels(bankCount, classCount: 4, seed: 44)
        for metric in SimilarityMetric.allCases {
            let bank = FeatureBank(pixels: bankPixels, count: bankCount, dimension: d, labels: labels,
                                   classCount: 4, metric: metric)
            XCTAssertNotNil(bank.pixelRows, "\(metric): a pixel bank keeps its pixels")
            let floatQueries = queryPixels.map { Float($0) / 255 }
            let oracle = RawOracle(bankPixels.map { Float($0) / 255 }, of: bank)
            let naive = oracle.search(floatQueries, k: 12)
            for (qb, bb, chunk, threads) in [(7, 64, 6, 2), (50, 300, 96, 1), (13, 41, 12, 2)] {
                let search = NeighbourSearch(queryBlockRows: qb, bankBlockRows: bb, chunkRows: chunk, threads: threads)
                assertMatchesNaive(search.search(pixels: queryPixels, in: bank, k: 12), naive, oracle: oracle,
                                   queries: floatQueries, excluding: nil, tolerance: 1e-4,
                                   "\(metric) Qb=\(qb) Bb=\(bb) chunk=\(chunk) threads=\(threads)")
            }
            let rows = Array(0..<bankCount)
            let own = NeighbourSearch(queryBlockRows: 64, bankBlockRows: 100).searchBankRows(rows, in: bank, k: 3)
            for row in stride(from: 10, to: bankCount, by: 29) {
                XCTAssertFalse(own.neighbours(of: row).contains(Int32(row)), "\(metric): row \(row) found itself")
                XCTAssertEqual(own.neighbours(of: row).first, Int32(row - 10), "\(metric): row \(row)'s duplicate")
                XCTAssertEqual(own.neighbours(of: row - 10).first, Int32(row), "\(metric): row \(row - 10)'s duplicate")
            }
            // Ties: a query equal to a duplicated pair finds both, lower index first.
            let pairQuery = Array(bankPixels[(39 * d)..<(40 * d)])        // rows 29 and 39 are equal
            let pair = NeighbourSearch.default.search(pixels: pairQuery, in: bank, k: 2)
            XCTAssertEqual(Array(pair.neighbours(of: 0)), [29, 39], "\(metric): tie order")
            XCTAssertEqual(pair.similarities[0], pair.similarities[1], "\(metric): duplicates score alike")
        }
    }

    func testPixelRowEqualToTheMeanIsSimilarToNothing() {
        // Rows a, b and m = (a + b) / 2: the bank mean is exactly m, so m's centred row is
        // zero (cosine 0 with everything), and so is a query equal to m; a − m = −(b − m).
        var generator = SeededGenerator(seed: 45)
        let d = 9
        let a = (0..<d).map { _ in UInt8(2 * generator.nextInt(below: 128)) }
        let b = (0..<d).map { _ in UInt8(2 * generator.nextInt(below: 128)) }
        let m = zip(a, b).map { UInt8((Int($0) + Int($1)) / 2) }
        let bank = FeatureBank(pixels: a + b + m, count: 3, dimension: d, labels: [0, 1, 0], classCount: 2)
        // The Float path must agree: the Float mean's rounding leaves a tiny centred row,
        // which is treated as zero rather than normalised into a unit vector of noise.
        // (Float queries take the Float path over the same bank's Float rows.)
        let fromPixels = NeighbourSearch.default.search(pixels: m + a, in: bank, k: 3)
        let fromFloats = NeighbourSearch.default.search((m + a).map { Float($0) / 255 }, in: bank, k: 3)
        for (path, result) in [("pixels", fromPixels), ("Float", fromFloats)] {
            XCTAssertEqual(Array(result.neighbourSimilarities(of: 0)), [0, 0, 0], "\(path): query at the mean")
            XCTAssertEqual(Array(result.neighbours(of: 0)), [0, 1, 2], "\(path): all-zero scores go by index")
            XCTAssertEqual(Array(result.neighbours(of: 1)), [0, 2, 1], "\(path): query a: itself, the mean row, b")
            let scores = Array(result.neighbourSimilarities(of: 1))
            for (score, expected) in zip(scores, [Float(1), 0, -1]) {
                XCTAssertEqual(score, expected, accuracy: 1e-6, "\(path): query a: a − m = −(b − m)")
            }
        }
    }

    func testZeroKOrEmptyBank() {
        let bank = FeatureBank(features: [], count: 0, dimension: 3, labels: [], classCount: 2)
        let result = NeighbourSearch.default.search([1, 2, 3, 4, 5, 6], in: bank, k: 4)
        XCTAssertEqual(result.counts, [0, 0])
        XCTAssertEqual(result.indices, [Int32](repeating: -1, count: 8))
        let full = FeatureBank(features: [1, 2, 3], count: 1, dimension: 3, labels: [1], classCount: 2)
        XCTAssertEqual(NeighbourSearch.default.search([1, 2, 3], in: full, k: 0).counts, [0])
    }

    func testPrefixKeepsTheBestNeighbours() {
        let features = randomRows(60, 4, seed: 51)
        let bank = FeatureBank(features: features, count: 60, dimension: 4,
                               labels: randomLabels(60, classCount: 2, seed: 52), classCount: 2)
        let queries = randomRows(7, 4, seed: 53)
        let wide = NeighbourSearch.default.search(queries, in: bank, k: 12)
        let narrow = NeighbourSearch.default.search(queries, in: bank, k: 5)
        XCTAssertEqual(wide.prefix(5), narrow)
    }
}
