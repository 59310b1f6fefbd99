import XCTest
@testable import TensorCore

/// The 4×24 and 4×16 offset kernels of `DirectConvolution` against a naive twin: the same
/// FMA chain in order p = 0, 1, … per element, so the results agree bit for bit.
final class OffsetKernelTests: XCTestCase {
    func testKernelsMatchNaiveChainBitForBit() {
        var generator = SeededGenerator(seed: 17)
        func value() -> Float { Float(generator.nextInt(below: 2001) - 1000) / 317 }
        for depth in [1, 9, 144, 577] {
            let baseCount = 400
            let base = (0..<baseCount).map { _ in value() }
            let a = (0..<(depth * 4)).map { _ in value() }
            // Arbitrary, unaligned, repeating offsets that keep a 24-wide read inside `base`.
            let offsets = (0..<depth).map { _ in generator.nextInt(below: baseCount - 24) }
            for width in [24, 16] {
                let ldc = width + 3
                var c = [Float](repeating: -7, count: 4 * ldc)
                base.withUnsafeBufferPointer { b in
                    a.withUnsafeBufferPointer { aBuffer in
                        offsets.withUnsafeBufferPointer { o in
                            c.withUnsafeMutableBufferPointer { cBuffer in
                                let kernel = width == 24 ? GEMM.offsetKernel4x24 : GEMM.offsetKernel4x16
                                kernel(depth, aBuffer.baseAddress!, b.baseAddress!, o.baseAddress!, cBuffer.baseAddress!, ldc)
                            }
                        }
                    }
                }
                for r in 0..<4 {
                    for j in 0..<width {
                        var expected: Float = 0
                        for p in 0..<depth { expected = expected.addingProduct(a[p * 4 + r], base[offsets[p] + j]) }
                        guard c[r * ldc + j] == expected else {
                            XCTFail("depth \(depth) width \(width): C[\(r), \(j)] = \(c[r * ldc + j]), expected \(expected)")
                            return
                        }
                    }
                    for j in width..<ldc { XCTAssertEqual(c[r * ldc + j], -7, "wrote past column \(width)") }
                }
            }
        }
    }
}
