import XCTest
@testable import TensorCore

/// The blocked GEMM against its naive twin (Double accumulation) over odd sizes, every
/// transposition, alpha/beta combinations, loose leading dimensions and thread counts.
final class GEMMTests: XCTestCase {
    func testNaiveMatchesHandComputedProduct() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        XCTAssertEqual(GEMM.matmul(a, b).scalars, [19, 22, 43, 50])
        XCTAssertEqual(GEMM.matmul(a, b, transposeA: true).scalars, [26, 30, 38, 44])
        XCTAssertEqual(GEMM.matmul(a, b, transposeB: true).scalars, [17, 23, 39, 53])
    }

    func testOddSizesAllTranspositionsMatchNaive() {
        let sizes = [1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 65, 100]
        var generator = SeededGenerator(seed: 11)
        for m in sizes {
            for n in sizes {
                for k in sizes {
                    // Every size triple once, transposition and thread count rotating through
                    // the triples so that each combination meets every size many times.
                    let variant = (m &* 31 &+ n &* 7 &+ k) % 8
                    check(GEMMCase(m: m, n: n, k: k, transposeA: variant & 1 != 0, transposeB: variant & 2 != 0,
                                   alpha: 1, beta: 0, threads: variant & 4 != 0 ? 2 : 1, padding: 0),
                          using: &generator)
                }
            }
        }
    }

    func testAlphaBetaLeadingDimensionsAndThreads() {
        var generator = SeededGenerator(seed: 12)
        let shapes = [(1, 1, 1), (6, 16, 4), (7, 17, 9), (13, 35, 33), (33, 65, 17), (65, 31, 100)]
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, 0.5), (-2, 1), (1.5, -0.25)] {
                        for threads in [1, 2] {
                            check(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                           alpha: alpha, beta: beta, threads: threads, padding: 3),
                                  using: &generator)
                        }
                    }
                }
            }
        }
    }

    func testLargeProductCrossingBlockBoundaries() {
        var generator = SeededGenerator(seed: 13)
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            check(GEMMCase(m: 300, n: 270, k: 290, transposeA: transposeA, transposeB: transposeB,
                           alpha: 0.75, beta: 0.5, threads: 2, padding: 5), using: &generator)
        }
        // Depth past one cache block (C accumulates over depth blocks) with few rows.
        check(GEMMCase(m: 13, n: 40, k: GEMM.blockDepth * 2 + 37, transposeA: true, transposeB: false,
                       alpha: 1, beta: 0, threads: 1, padding: 0), using: &generator)
    }

    func testTinyCacheBlocksMatchNaive() {
        // Shrink the cache blocks so that small products cross every block boundary:
        // several jc, pc and ic blocks, each with full and partial register tiles.
        let saved = (GEMM.blockRows, GEMM.blockDepth, GEMM.blockColumns)
        defer { (GEMM.blockRows, GEMM.blockDepth, GEMM.blockColumns) = saved }
        (GEMM.blockRows, GEMM.blockDepth, GEMM.blockColumns) = (12, 8, 32)
        var generator = SeededGenerator(seed: 15)
        for (m, n, k) in [(25, 70, 19), (12, 32, 8), (40, 33, 45), (1, 100, 17), (50, 1, 9)] {
            for variant in 0..<4 {
                for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1.5)] {
                    check(GEMMCase(m: m, n: n, k: k, transposeA: variant & 1 != 0, transposeB: variant & 2 != 0,
                                   alpha: alpha, beta: beta, threads: 2, padding: 2), using: &generator)
                }
            }
        }
    }

    func testZeroDepthScalesC() {
        var c: [Float] = [1, 2, .nan, 4, 8, .nan]
        let empty: [Float] = [0]
        GEMM.multiply(m: 2, n: 2, k: 0, a: empty, lda: 1, b: empty, ldb: 2, beta: 0.5, c: &c, ldc: 3)
        XCTAssertEqual(Array(c[0..<2]) + Array(c[3..<5]), [0.5, 1, 2, 4] as [Float])
        XCTAssertTrue(c[2].isNaN && c[5].isNaN, "k=0 wrote outside the n=2 columns of C")
        GEMM.multiply(m: 2, n: 2, k: 0, a: empty, lda: 1, b: empty, ldb: 2, beta: 0, c: &c, ldc: 3)
        XCTAssertEqual(Array(c[0..<2]) + Array(c[3..<5]), [0, 0, 0, 0] as [Float])
    }

    func testSameInputGivesIdenticalBitsRunToRunAndAcrossThreadCounts() {
        var generator = SeededGenerator(seed: 14)
        let (m, n, k) = (157, 203, 611)
        let a = randomScalars(m * k, using: &generator)
        let b = randomScalars(k * n, using: &generator)
        func product(threads: Int) -> [UInt32] {
            var c = [Float](repeating: .nan, count: m * n)
            GEMM.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, threads: threads)
            return c.map(\.bitPattern)
        }
        let first = product(threads: 2)
        XCTAssertEqual(first, product(threads: 2), "two runs with 2 threads differ")
        XCTAssertEqual(first, product(threads: 1), "1 and 2 threads differ")
    }

    // MARK: - Helpers

    struct GEMMCase: CustomStringConvertible {
        var m: Int, n: Int, k: Int
        var transposeA: Bool, transposeB: Bool
        var alpha: Float, beta: Float
        var threads: Int
        /// Extra elements per row beyond the tight leading dimension.
        var padding: Int

        var lda: Int { (transposeA ? m : k) + padding }
        var ldb: Int { (transposeB ? k : n) + padding }
        var ldc: Int { n + padding }
        var description: String {
            "m=\(m) n=\(n) k=\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") alpha=\(alpha) "
                + "beta=\(beta) threads=\(threads) lda=\(lda) ldb=\(ldb) ldc=\(ldc)"
        }
    }

    func check(_ testCase: GEMMCase, using generator: inout SeededGenerator,
               file: StaticString = #filePath, line: UInt = #line) {
        let t = testCase
        let a = randomScalars((t.transposeA ? t.k : t.m) * t.lda, using: &generator)
        let b = randomScalars((t.transposeB ? t.n : t.k) * t.ldb, using: &generator)
        // beta == 0 must never read C: start from NaN. Otherwise start from random values.
        let initial = t.beta == 0 ? [Float](repeating: .nan, count: t.m * t.ldc)
                                  : randomScalars(t.m * t.ldc, using: &generator)
        var fast = initial
        var reference = initial
        GEMM.multiply(transposeA: t.transposeA, transposeB: t.transposeB, m: t.m, n: t.n, k: t.k,
                      alpha: t.alpha, a: a, lda: t.lda, b: b, ldb: t.ldb, beta: t.beta,
                      c: &fast, ldc: t.ldc, threads: t.threads)
        GEMM.naive(transposeA: t.transposeA, transposeB: t.transposeB, m: t.m, n: t.n, k: t.k,
                   alpha: t.alpha, a: a, lda: t.lda, b: b, ldb: t.ldb, beta: t.beta,
                   c: &reference, ldc: t.ldc)
        // Float accumulation error: entries are in [-1, 1), so |alpha·Σ a·b + beta·c| ≤ |alpha|·k + |beta|;
        // rounding stays far below 1e-5 of that bound, while a lost or doubled product does not.
        let tolerance = 1e-5 * (abs(t.alpha) * Float(t.k) + abs(t.beta) + 1)
        for i in 0..<t.m {
            for j in 0..<t.ldc {
                let index = i * t.ldc + j
                if j >= t.n {
                    let untouched = fast[index] == initial[index] || (fast[index].isNaN && initial[index].isNaN)
                    XCTAssertTrue(untouched, "\(t): wrote C[\(i), \(j)] past column n", file: file, line: line)
                    if !untouched { return }
                    continue
                }
                let error = abs(fast[index] - reference[index])
                guard error <= tolerance, !fast[index].isNaN else {
                    XCTFail("\(t): C[\(i), \(j)] = \(fast[index]), naive \(reference[index])", file: file, line: line)
                    return
                }
            }
        }
    }

    func randomScalars(_ count: Int, using generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in generator.nextFloat(in: -1..<1) }
    }
}
