// Packing of op(A) and op(B) blocks into the contiguous, zero-padded micro-panels the
// micro-kernel streams through.
//
// Dimension legend: op(A) is M×K, op(B) is K×N; a block of op(A) is mb×kb (rows i0..,
// depth p0..), a block of op(B) is kb×nb (depth p0.., columns j0..). MR = 6, NR = 16.

extension GEMM {
    /// Packs op(A)[i0..<i0+mb, p0..<p0+kb] into ceil(mb/6) panels of kb×6 values:
    /// `packed[panel * kb * 6 + p * 6 + r] = op(A)[i0 + panel*6 + r, p0 + p]`, rows past mb zero.
    static func packA(
        transposed: Bool, a: UnsafePointer<Float>, lda: Int,
        rowStart i0: Int, rows mb: Int, depthStart p0: Int, depth kb: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let mr = microRows
        var panelStart = 0
        var destination = packed
        while panelStart < mb {
            let rows = min(mr, mb - panelStart)
            let i = i0 + panelStart
            if transposed {
                // A is K×M: the 6 values of one depth step are contiguous.
                for p in 0..<kb {
                    let source = a + (p0 + p) * lda + i
                    let target = destination + p * mr
                    if rows == mr {
                        target[0] = source[0]; target[1] = source[1]; target[2] = source[2]
                        target[3] = source[3]; target[4] = source[4]; target[5] = source[5]
                    } else {
                        for r in 0..<rows { target[r] = source[r] }
                        for r in rows..<mr { target[r] = 0 }
                    }
                }
            } else {
                // A is M×K: each row is contiguous along the depth; interleave 6 rows.
                for r in 0..<rows {
                    let source = a + (i + r) * lda + p0
                    for p in 0..<kb { destination[p * mr + r] = source[p] }
                }
                if rows < mr {
                    for r in rows..<mr {
                        for p in 0..<kb { destination[p * mr + r] = 0 }
                    }
                }
            }
            destination += kb * mr
            panelStart += mr
        }
    }

    /// Packs op(B)[p0..<p0+kb, j0..<j0+nb] into ceil(nb/16) panels of kb×16 values:
    /// `packed[panel * kb * 16 + p * 16 + j] = op(B)[p0 + p, j0 + panel*16 + j]`, columns past nb zero.
    static func packB(
        transposed: Bool, b: UnsafePointer<Float>, ldb: Int,
        depthStart p0: Int, depth kb: Int, columnStart j0: Int, columns nb: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let nr = microColumns
        var panelStart = 0
        var destination = packed
        while panelStart < nb {
            let columns = min(nr, nb - panelStart)
            let j = j0 + panelStart
            if !transposed {
                // B is K×N: the 16 values of one depth step are contiguous.
                if columns == nr {
                    for p in 0..<kb {
                        let source = UnsafeRawPointer(b + (p0 + p) * ldb + j)
                        let target = UnsafeMutableRawPointer(destination + p * nr)
                        target.storeBytes(of: source.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                        target.storeBytes(of: source.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self),
                                          toByteOffset: 32, as: SIMD8<Float>.self)
                    }
                } else {
                    for p in 0..<kb {
                        let source = b + (p0 + p) * ldb + j
                        let target = destination + p * nr
                        for c in 0..<columns { target[c] = source[c] }
                        for c in columns..<nr { target[c] = 0 }
                    }
                }
            } else {
                // B is N×K: each column of op(B) is a contiguous row of B.
                if columns == nr {
                    packTransposedPanel(b + j * ldb + p0, ldb: ldb, depth: kb, into: destination)
                } else {
                    for c in 0..<columns {
                        let source = b + (j + c) * ldb + p0
                        for p in 0..<kb { destination[p * nr + c] = source[p] }
                    }
                    for c in columns..<nr {
                        for p in 0..<kb { destination[p * nr + c] = 0 }
                    }
                }
            }
            destination += kb * nr
            panelStart += nr
        }
    }

    /// 16 rows of B (each contiguous along the depth) → kb×16 panel, 8 depth steps at a time.
    @inline(__always)
    static func packTransposedPanel(_ source: UnsafePointer<Float>, ldb: Int, depth kb: Int,
                                    into destination: UnsafeMutablePointer<Float>) {
        let nr = microColumns
        var p = 0
        while p + 4 <= kb {
            for c in 0..<nr {
                let row = source + c * ldb + p
                destination[p * nr + c] = row[0]
                destination[(p + 1) * nr + c] = row[1]
                destination[(p + 2) * nr + c] = row[2]
                destination[(p + 3) * nr + c] = row[3]
            }
            p += 4
        }
        while p < kb {
            for c in 0..<nr { destination[p * nr + c] = source[c * ldb + p] }
            p += 1
        }
    }
}
