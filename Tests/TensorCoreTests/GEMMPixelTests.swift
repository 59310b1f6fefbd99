import XCTest
@testable import TensorCore

/// The exact integer product of 8-bit rows against a naive Int64 twin.
final class GEMMPixelTests: XCTestCase {
    func testProductsAreExactOverOddShapesAndRowRanges() {
        var generator = SeededGenerator(seed: 61)
        for (m, n, k) in [(1, 1, 1), (6, 16, 2), (7, 17, 9), (13, 35, 33), (25, 40, 784), (61, 19, 101)] {
            let lda = k + 3, ldb = k + 1
            let a = (0..<(m * lda)).map { _ in UInt8(generator.nextInt(below: 256)) }
            let b = (0..<(n * ldb)).map { _ in UInt8(generator.nextInt(below: 256)) }
            let left = a.withUnsafeBufferPointer {
                PackedPixelPanels(side: .left, rows: m, depth: k, source: $0.baseAddress!, leadingDimension: lda)
            }
            let right = b.withUnsafeBufferPointer {
                PackedPixelPanels(side: .right, rows: n, depth: k, source: $0.baseAddress!, leadingDimension: ldb)
            }
            for start in stride(from: 0, to: m, by: GEMM.microRows) {
                for end in Set([min(m, start + 7), m]) {
                    let ldc = n + 2
                    var c = [Int32](repeating: -7, count: (end - start) * ldc)
                    c.withUnsafeMutableBufferPointer {
                        GEMM.multiplyPixels(left, rows: start..<end, right, c: $0.baseAddress!, ldc: ldc)
                    }
                    for i in start..<end {
                        for j in 0..<n {
                            var expected: Int64 = 0
                            for p in 0..<k { expected += Int64(a[i * lda + p]) * Int64(b[j * ldb + p]) }
                            let value = c[(i - start) * ldc + j]
                            guard Int64(value) == expected else {
                                XCTFail("m=\(m) n=\(n) k=\(k) rows \(start)..<\(end): C[\(i), \(j)] = \(value), expected \(expected)")
                                return
                            }
                        }
                        XCTAssertEqual(c[(i - start) * ldc + n], -7, "wrote past column n (m=\(m) n=\(n) k=\(k))")
                    }
                }
            }
        }
    }

    func testLargestValuesAtTheLargestDepthDoNotOverflow() {
        let k = GEMM.maximumPixelDepth
        let a = [UInt8](repeating: 255, count: 7 * k), b = [UInt8](repeating: 255, count: 17 * k)
        let left = a.withUnsafeBufferPointer {
            PackedPixelPanels(side: .left, rows: 7, depth: k, source: $0.baseAddress!, leadingDimension: k)
        }
        let right = b.withUnsafeBufferPointer {
            PackedPixelPanels(side: .right, rows: 17, depth: k, source: $0.baseAddress!, leadingDimension: k)
        }
        var c = [Int32](repeating: 0, count: 7 * 17)
        c.withUnsafeMutableBufferPointer { GEMM.multiplyPixels(left, rows: 0..<7, right, c: $0.baseAddress!, ldc: 17) }
        XCTAssertEqual(Set(c), [Int32(255 * 255 * k)], "K=\(k) of 255·255")
    }

    func testARepackedBufferForgetsItsOldRows() {
        let k = 5
        let right = PackedPixelPanels(side: .right, capacityRows: 20, depth: k)
        let many = [UInt8](repeating: 9, count: 20 * k), few = [UInt8](repeating: 1, count: 3 * k)
        many.withUnsafeBufferPointer { right.pack(rows: 20, source: $0.baseAddress!, leadingDimension: k) }
        few.withUnsafeBufferPointer { right.pack(rows: 3, source: $0.baseAddress!, leadingDimension: k) }
        let query = [UInt8](repeating: 2, count: k)
        let left = query.withUnsafeBufferPointer {
            PackedPixelPanels(side: .left, rows: 1, depth: k, source: $0.baseAddress!, leadingDimension: k)
        }
        var c = [Int32](repeating: -1, count: 4)
        c.withUnsafeMutableBufferPointer { GEMM.multiplyPixels(left, rows: 0..<1, right, c: $0.baseAddress!, ldc: 4) }
        XCTAssertEqual(c, [10, 10, 10, -1])
    }
}
