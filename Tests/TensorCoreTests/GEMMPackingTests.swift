import XCTest
@testable import TensorCore

/// Packing is pure data movement: packing a stored-transposed B (N×K) must give exactly
/// the panels of its explicit transpose (K×N) packed the plain way, bit for bit, for
/// depths and widths on and off the 8-step and 16-column boundaries.
final class GEMMPackingTests: XCTestCase {
    func testTransposedPackingEqualsPackingOfTheExplicitTranspose() {
        var generator = SeededGenerator(seed: 5)
        for depth in [1, 7, 8, 9, 16, 23, 40] {
            for columns in [1, 8, 15, 16, 17, 40] {
                for padding in [0, 3] {
                    let (p0, j0) = (2, 1)                          // block starts inside B
                    let k = p0 + depth, n = j0 + columns
                    let ldb = k + padding                          // B stored N×K
                    let stored = (0..<(n * ldb)).map { _ in generator.nextFloat() * 2 - 1 }
                    var explicit = [Float](repeating: 0, count: k * n)   // op(B) K×N, ld n
                    for j in 0..<n { for p in 0..<k { explicit[p * n + j] = stored[j * ldb + p] } }
                    let panels = (columns + GEMM.microColumns - 1) / GEMM.microColumns
                    let size = panels * depth * GEMM.microColumns
                    let fromTransposed = packedB(transposed: true, stored, ldb: ldb, p0: p0, depth: depth,
                                                 j0: j0, columns: columns, size: size)
                    let fromPlain = packedB(transposed: false, explicit, ldb: n, p0: p0, depth: depth,
                                            j0: j0, columns: columns, size: size)
                    XCTAssertEqual(fromTransposed, fromPlain,
                                   "depth=\(depth) columns=\(columns) ldb=\(ldb): transposed packing differs")
                }
            }
        }
    }

    func testTranspose8x8() {
        let rows = (0..<8).map { r in SIMD8<Float>((0..<8).map { Float(r * 8 + $0) }) }
        let t = GEMM.transpose8x8(rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7])
        let columns = [t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7]
        for j in 0..<8 {
            for r in 0..<8 {
                XCTAssertEqual(columns[j][r], Float(r * 8 + j), "output \(j) lane \(r)")
            }
        }
    }

    private func packedB(transposed: Bool, _ b: [Float], ldb: Int, p0: Int, depth: Int,
                         j0: Int, columns: Int, size: Int) -> [Float] {
        let packed = UnsafeMutableRawPointer.allocate(byteCount: size * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: size)
        defer { packed.deallocate() }
        packed.initialize(repeating: .nan, count: size)
        b.withUnsafeBufferPointer { source in
            GEMM.packB(transposed: transposed, b: source.baseAddress!, ldb: ldb, depthStart: p0, depth: depth,
                       columnStart: j0, columns: columns, into: packed)
        }
        return Array(UnsafeBufferPointer(start: packed, count: size))
    }
}
