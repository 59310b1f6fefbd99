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

    func testPackedBMatchesItsDefinitionBothStorages() {
        // packed[panel·kb·16 + p·16 + c] = op(B)[p0 + p, j0 + panel·16 + c], columns past nb zero;
        // the expected panels are written from the definition, not by another packing.
        var generator = SeededGenerator(seed: 7)
        for depth in [1, 7, 8, 9, 16, 23, 40] {
            for columns in [1, 8, 15, 16, 17, 40] {
                for padding in [0, 3] {
                    let (p0, j0) = (2, 1)
                    let k = p0 + depth, n = j0 + columns
                    let plain = (0..<(k * (n + padding))).map { _ in generator.nextFloat() * 2 - 1 }   // op(B) K×N
                    var stored = [Float](repeating: 0, count: n * (k + padding))                       // B stored N×K
                    for p in 0..<k { for j in 0..<n { stored[j * (k + padding) + p] = plain[p * (n + padding) + j] } }
                    let panels = (columns + GEMM.microColumns - 1) / GEMM.microColumns
                    let size = panels * depth * GEMM.microColumns
                    var expected = [Float](repeating: 0, count: size)
                    for panel in 0..<panels {
                        for p in 0..<depth {
                            for c in 0..<GEMM.microColumns where panel * GEMM.microColumns + c < columns {
                                expected[(panel * depth + p) * GEMM.microColumns + c] =
                                    plain[(p0 + p) * (n + padding) + j0 + panel * GEMM.microColumns + c]
                            }
                        }
                    }
                    for transposed in [false, true] {
                        let packed = packedB(transposed: transposed, transposed ? stored : plain,
                                             ldb: transposed ? k + padding : n + padding, p0: p0, depth: depth,
                                             j0: j0, columns: columns, size: size)
                        XCTAssertEqual(packed, expected,
                                       "depth=\(depth) columns=\(columns) padding=\(padding) transposed=\(transposed)")
                    }
                }
            }
        }
    }

    func testPackedAMatchesItsDefinitionBothStorages() {
        // packed[panel·kb·6 + p·6 + r] = op(A)[i0 + panel·6 + r, p0 + p], rows past mb zero.
        var generator = SeededGenerator(seed: 6)
        for depth in [1, 2, 8, 9, 10, 17, 33] {
            for rows in [1, 5, 6, 7, 12, 20] {
                for padding in [0, 1] {
                    let (i0, p0) = (1, 2)
                    let m = i0 + rows, k = p0 + depth
                    let plain = (0..<(m * (k + padding))).map { _ in generator.nextFloat() * 2 - 1 }
                    var stored = [Float](repeating: 0, count: k * (m + padding))   // A stored K×M
                    for i in 0..<m { for p in 0..<k { stored[p * (m + padding) + i] = plain[i * (k + padding) + p] } }
                    let panels = (rows + GEMM.microRows - 1) / GEMM.microRows
                    var expected = [Float](repeating: 0, count: panels * depth * GEMM.microRows)
                    for panel in 0..<panels {
                        for p in 0..<depth {
                            for r in 0..<GEMM.microRows where panel * GEMM.microRows + r < rows {
                                expected[(panel * depth + p) * GEMM.microRows + r] =
                                    plain[(i0 + panel * GEMM.microRows + r) * (k + padding) + p0 + p]
                            }
                        }
                    }
                    for transposed in [false, true] {
                        let source = transposed ? stored : plain
                        let packed = UnsafeMutablePointer<Float>.allocate(capacity: expected.count)
                        defer { packed.deallocate() }
                        packed.initialize(repeating: .nan, count: expected.count)
                        source.withUnsafeBufferPointer { a in
                            GEMM.packA(transposed: transposed, a: a.baseAddress!, lda: transposed ? m + padding : k + padding,
                                       rowStart: i0, rows: rows, depthStart: p0, depth: depth, into: packed)
                        }
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: packed, count: expected.count)), expected,
                                       "depth=\(depth) rows=\(rows) padding=\(padding) transposed=\(transposed)")
                    }
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
