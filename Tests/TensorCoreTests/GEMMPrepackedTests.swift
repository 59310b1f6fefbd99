import XCTest
@testable import TensorCore

/// Products of operands packed once (`PackedPanels`, `GEMM.multiplyPacked`) against the
/// naive twin, and bit for bit against `GEMM.multiply` on the unpacked matrices.
final class GEMMPrepackedTests: XCTestCase {
    func testRowRangesMatchNaiveAndMultiplyBitForBit() {
        var generator = SeededGenerator(seed: 21)
        // Depth past one cache block (several depth blocks), ragged panels on both sides.
        let shapes = [(1, 1, 1), (6, 16, 4), (7, 17, 9), (25, 40, 33), (61, 35, GEMM.blockDepth * 2 + 37)]
        for (m, n, k) in shapes {
            let lda = k + 3, ldb = k + 2
            let a = randomScalars(m * lda, using: &generator)
            let b = randomScalars(n * ldb, using: &generator)
            let left = a.withUnsafeBufferPointer {
                PackedPanels(side: .left, rows: m, depth: k, source: $0.baseAddress!, leadingDimension: lda)
            }
            let right = b.withUnsafeBufferPointer {
                PackedPanels(side: .right, rows: n, depth: k, source: $0.baseAddress!, leadingDimension: ldb)
            }
            var whole = [Float](repeating: .nan, count: m * n)
            GEMM.multiply(transposeB: true, m: m, n: n, k: k, alpha: 1.5, a: a, lda: lda, b: b, ldb: ldb,
                          c: &whole, ldc: n)
            var reference = [Float](repeating: 0, count: m * n)
            GEMM.naive(transposeB: true, m: m, n: n, k: k, alpha: 1.5, a: a, lda: lda, b: b, ldb: ldb,
                       c: &reference, ldc: n)
            // Every panel-aligned start, with a short and a to-the-end range.
            for start in stride(from: 0, to: m, by: GEMM.microRows) {
                for end in Set([min(m, start + 7), m]) {
                    let ldc = n + 1
                    var c = [Float](repeating: .nan, count: (end - start) * ldc)
                    c.withUnsafeMutableBufferPointer {
                        GEMM.multiplyPacked(left, rows: start..<end, right, alpha: 1.5, c: $0.baseAddress!, ldc: ldc)
                    }
                    for i in start..<end {
                        for j in 0..<n {
                            let value = c[(i - start) * ldc + j]
                            let label = "m=\(m) n=\(n) k=\(k) rows \(start)..<\(end): C[\(i), \(j)]"
                            XCTAssertEqual(value.bitPattern, whole[i * n + j].bitPattern,
                                           "\(label) = \(value), multiply gives \(whole[i * n + j])")
                            XCTAssertEqual(value, reference[i * n + j], accuracy: 1e-5 * Float(k) * 1.5,
                                           "\(label) against naive")
                        }
                        XCTAssertTrue(c[(i - start) * ldc + n].isNaN, "rows \(start)..<\(end): wrote past column n")
                    }
                }
            }
        }
    }

    func testBetaAddsToCAndARepackedBufferForgetsItsOldRows() {
        var generator = SeededGenerator(seed: 22)
        let (m, k) = (9, 20)
        let a = randomScalars(m * k, using: &generator)
        let right = PackedPanels(side: .right, capacityRows: 40, depth: k)
        for n in [40, 13] {  // the second pack holds fewer rows than the first
            let b = randomScalars(n * k, using: &generator)
            b.withUnsafeBufferPointer { right.pack(rows: n, source: $0.baseAddress!, leadingDimension: k) }
            XCTAssertEqual(right.rows, n)
            let left = a.withUnsafeBufferPointer {
                PackedPanels(side: .left, rows: m, depth: k, source: $0.baseAddress!, leadingDimension: k)
            }
            let initial = randomScalars(m * n, using: &generator)
            var c = initial
            c.withUnsafeMutableBufferPointer {
                GEMM.multiplyPacked(left, rows: 0..<m, right, alpha: -1, beta: 0.5, c: $0.baseAddress!, ldc: n)
            }
            var reference = initial
            GEMM.naive(transposeB: true, m: m, n: n, k: k, alpha: -1, a: a, lda: k, b: b, ldb: k,
                       beta: 0.5, c: &reference, ldc: n)
            for index in 0..<(m * n) {
                XCTAssertEqual(c[index], reference[index], accuracy: 1e-4, "n=\(n) entry \(index)")
            }
        }
    }

    func randomScalars(_ count: Int, using generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in generator.nextFloat(in: -1..<1) }
    }
}
