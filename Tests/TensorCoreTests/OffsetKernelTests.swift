import XCTest
@testable import TensorCore

/// The 4×24 and 4×16 offset kernels of `DirectConvolution` against a naive twin: the same
/// FMA chain in order p = 0, 1, … per element, so the results agree bit for bit; each
/// writes its three (two) 8-wide vectors and nothing else.
final class OffsetKernelTests: XCTestCase {
    func testKernelsMatchNaiveChainBitForBit() {
        var generator = SeededGenerator(seed: 17)
        func value() -> Float { Float(generator.nextInt(below: 2001) - 1000) / 317 }
        for depth in [1, 9, 144, 577] {
            let baseCount = 400
            let base = (0..<baseCount).map { _ in value() }
            let a = (0..<(depth * 4)).map { _ in value() }
            // Arbitrary, unaligned, repeating offsets that keep every read (start ≤ 41, 8 wide) inside `base`.
            let offsets = (0..<depth).map { _ in generator.nextInt(below: baseCount - 49) }
            // Three vectors at consecutive, scattered or equal starts (C past each vector untouched).
            for starts in [[0, 8, 16], [3, 20, 41], [0, 8], [5, 5]] {
                let ldc = 64
                var c = [Float](repeating: -7, count: 4 * ldc)
                base.withUnsafeBufferPointer { b in
                    a.withUnsafeBufferPointer { aBuffer in
                        offsets.withUnsafeBufferPointer { o in
                            c.withUnsafeMutableBufferPointer { cBuffer in
                                if starts.count == 3 {
                                    GEMM.offsetKernel4x24(depth: depth, a: aBuffer.baseAddress!, base: b.baseAddress!,
                                                          starts: (starts[0], starts[1], starts[2]),
                                                          offsets: o.baseAddress!, c: cBuffer.baseAddress!, ldc: ldc)
                                } else {
                                    GEMM.offsetKernel4x16(depth: depth, a: aBuffer.baseAddress!, base: b.baseAddress!,
                                                          starts: (starts[0], starts[1]),
                                                          offsets: o.baseAddress!, c: cBuffer.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                    }
                }
                let written = Set(starts.flatMap { $0..<($0 + 8) })
                for r in 0..<4 {
                    for j in 0..<ldc {
                        var expected: Float = -7
                        if written.contains(j) {
                            expected = 0
                            for p in 0..<depth { expected = expected.addingProduct(a[p * 4 + r], base[offsets[p] + j]) }
                        }
                        guard c[r * ldc + j] == expected else {
                            XCTFail("depth \(depth) starts \(starts): C[\(r), \(j)] = \(c[r * ldc + j]), expected \(expected)")
                            return
                        }
                    }
                }
            }
        }
    }
}
