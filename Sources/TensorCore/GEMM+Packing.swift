#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

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
                // A is K×M: the 6 values of one depth step are contiguous. Full panels move
                // 8 lanes per step, in increasing p: the 2 extra lanes land on the next step's
                // first 2 values, which that step then overwrites (the last step is scalar).
                var first = 0
                if rows == mr {
                    let target = UnsafeMutableRawPointer(destination)
                    while first + 1 < kb {
                        let source = UnsafeRawPointer(a + (p0 + first) * lda + i)
                        target.storeBytes(of: source.loadUnaligned(as: SIMD8<Float>.self),
                                          toByteOffset: first * mr * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
                        first += 1
                    }
                }
                for p in first..<kb {
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
                // A is M×K: each row is contiguous along the depth; interleave 6 rows. Full
                // panels go 8 depth steps at a time through an 8×8 transpose (2 zero rows);
                // each step's 8 lanes are stored in increasing p, the 2 extra lanes landing on
                // the next step's first values, which its own store then overwrites, so the
                // SIMD part stops while 9 steps remain no more, leaving the rest scalar.
                var first = 0
                if rows == mr {
                    let stride = lda * MemoryLayout<Float>.stride
                    let step = mr * MemoryLayout<Float>.stride
                    let target = UnsafeMutableRawPointer(destination)
                    let zero = SIMD8<Float>()
                    while first + 9 <= kb {
                        let source = UnsafeRawPointer(a + i * lda + p0 + first)
                        let (o0, o1, o2, o3, o4, o5, o6, o7) = transpose8x8(
                            source.loadUnaligned(as: SIMD8<Float>.self),
                            source.loadUnaligned(fromByteOffset: stride, as: SIMD8<Float>.self),
                            source.loadUnaligned(fromByteOffset: 2 * stride, as: SIMD8<Float>.self),
                            source.loadUnaligned(fromByteOffset: 3 * stride, as: SIMD8<Float>.self),
                            source.loadUnaligned(fromByteOffset: 4 * stride, as: SIMD8<Float>.self),
                            source.loadUnaligned(fromByteOffset: 5 * stride, as: SIMD8<Float>.self),
                            zero, zero)
                        let base = first * step
                        target.storeBytes(of: o0, toByteOffset: base, as: SIMD8<Float>.self)
                        target.storeBytes(of: o1, toByteOffset: base + step, as: SIMD8<Float>.self)
                        target.storeBytes(of: o2, toByteOffset: base + 2 * step, as: SIMD8<Float>.self)
                        target.storeBytes(of: o3, toByteOffset: base + 3 * step, as: SIMD8<Float>.self)
                        target.storeBytes(of: o4, toByteOffset: base + 4 * step, as: SIMD8<Float>.self)
                        target.storeBytes(of: o5, toByteOffset: base + 5 * step, as: SIMD8<Float>.self)
                        target.storeBytes(of: o6, toByteOffset: base + 6 * step, as: SIMD8<Float>.self)
                        target.storeBytes(of: o7, toByteOffset: base + 7 * step, as: SIMD8<Float>.self)
                        first += 8
                    }
                }
                for r in 0..<rows {
                    let source = a + (i + r) * lda + p0
                    for p in first..<kb { destination[p * mr + r] = source[p] }
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

    /// 16 rows of B (each contiguous along the depth) → kb×16 panel, 8 depth steps at a
    /// time as two 8×8 register transposes (unaligned row loads, aligned panel stores).
    @inline(__always)
    static func packTransposedPanel(_ source: UnsafePointer<Float>, ldb: Int, depth kb: Int,
                                    into destination: UnsafeMutablePointer<Float>) {
        let nr = microColumns
        let target = UnsafeMutableRawPointer(destination)
        var p = 0
        while p + 8 <= kb {
            for half in 0..<2 {
                let rows = UnsafeRawPointer(source + half * 8 * ldb + p)
                let stride = ldb * MemoryLayout<Float>.stride
                let (o0, o1, o2, o3, o4, o5, o6, o7) = transpose8x8(
                    rows.loadUnaligned(as: SIMD8<Float>.self),
                    rows.loadUnaligned(fromByteOffset: stride, as: SIMD8<Float>.self),
                    rows.loadUnaligned(fromByteOffset: 2 * stride, as: SIMD8<Float>.self),
                    rows.loadUnaligned(fromByteOffset: 3 * stride, as: SIMD8<Float>.self),
                    rows.loadUnaligned(fromByteOffset: 4 * stride, as: SIMD8<Float>.self),
                    rows.loadUnaligned(fromByteOffset: 5 * stride, as: SIMD8<Float>.self),
                    rows.loadUnaligned(fromByteOffset: 6 * stride, as: SIMD8<Float>.self),
                    rows.loadUnaligned(fromByteOffset: 7 * stride, as: SIMD8<Float>.self))
                let base = (p * nr + half * 8) * MemoryLayout<Float>.stride
                let step = nr * MemoryLayout<Float>.stride
                target.storeBytes(of: o0, toByteOffset: base, as: SIMD8<Float>.self)
                target.storeBytes(of: o1, toByteOffset: base + step, as: SIMD8<Float>.self)
                target.storeBytes(of: o2, toByteOffset: base + 2 * step, as: SIMD8<Float>.self)
                target.storeBytes(of: o3, toByteOffset: base + 3 * step, as: SIMD8<Float>.self)
                target.storeBytes(of: o4, toByteOffset: base + 4 * step, as: SIMD8<Float>.self)
                target.storeBytes(of: o5, toByteOffset: base + 5 * step, as: SIMD8<Float>.self)
                target.storeBytes(of: o6, toByteOffset: base + 6 * step, as: SIMD8<Float>.self)
                target.storeBytes(of: o7, toByteOffset: base + 7 * step, as: SIMD8<Float>.self)
            }
            p += 8
        }
        while p < kb {
            for c in 0..<nr { destination[p * nr + c] = source[c * ldb + p] }
            p += 1
        }
    }

    /// Transposes the 8×8 block whose rows are r0…r7: output j holds (r0[j], r1[j], …, r7[j]).
    /// Lane-local interleaves of singles, then of pairs, then 128-bit half swaps: 24
    /// one-instruction shuffles. On x86 the first two stages are the AVX unpack intrinsics:
    /// written as element-wise SIMD8 initialisers, the optimiser merges the three stages into
    /// per-output shuffles that lower to ~100 scalar inserts and blends.
    @inline(__always)
    static func transpose8x8(
        _ r0: SIMD8<Float>, _ r1: SIMD8<Float>, _ r2: SIMD8<Float>, _ r3: SIMD8<Float>,
        _ r4: SIMD8<Float>, _ r5: SIMD8<Float>, _ r6: SIMD8<Float>, _ r7: SIMD8<Float>
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
          SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        // t: (a0 b0 a1 b1 | a4 b4 a5 b5) and (a2 b2 a3 b3 | a6 b6 a7 b7) for rows a, b.
        let t0 = interleaveLow(r0, r1), t1 = interleaveHigh(r0, r1)
        let t2 = interleaveLow(r2, r3), t3 = interleaveHigh(r2, r3)
        let t4 = interleaveLow(r4, r5), t5 = interleaveHigh(r4, r5)
        let t6 = interleaveLow(r6, r7), t7 = interleaveHigh(r6, r7)
        // s0 = column 0 of rows 0–3 | column 4 of rows 0–3, s1 columns 1 | 5, s2 2 | 6, s3 3 | 7.
        let s0 = interleavePairsLow(t0, t2), s1 = interleavePairsHigh(t0, t2)
        let s2 = interleavePairsLow(t1, t3), s3 = interleavePairsHigh(t1, t3)
        let s4 = interleavePairsLow(t4, t6), s5 = interleavePairsHigh(t4, t6)
        let s6 = interleavePairsLow(t5, t7), s7 = interleavePairsHigh(t5, t7)
        return (SIMD8(lowHalf: s0.lowHalf, highHalf: s4.lowHalf), SIMD8(lowHalf: s1.lowHalf, highHalf: s5.lowHalf),
                SIMD8(lowHalf: s2.lowHalf, highHalf: s6.lowHalf), SIMD8(lowHalf: s3.lowHalf, highHalf: s7.lowHalf),
                SIMD8(lowHalf: s0.highHalf, highHalf: s4.highHalf), SIMD8(lowHalf: s1.highHalf, highHalf: s5.highHalf),
                SIMD8(lowHalf: s2.highHalf, highHalf: s6.highHalf), SIMD8(lowHalf: s3.highHalf, highHalf: s7.highHalf))
    }

    /// (a0 b0 a1 b1 | a4 b4 a5 b5)
    @inline(__always)
    static func interleaveLow(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(x86_64)
        _mm256_unpacklo_ps(a, b)
        #else
        SIMD8(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5])
        #endif
    }

    /// (a2 b2 a3 b3 | a6 b6 a7 b7)
    @inline(__always)
    static func interleaveHigh(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(x86_64)
        _mm256_unpackhi_ps(a, b)
        #else
        SIMD8(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7])
        #endif
    }

    /// (a0 a1 b0 b1 | a4 a5 b4 b5)
    @inline(__always)
    static func interleavePairsLow(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(x86_64)
        unsafeBitCast(_mm256_unpacklo_pd(unsafeBitCast(a, to: SIMD4<Double>.self),
                                         unsafeBitCast(b, to: SIMD4<Double>.self)), to: SIMD8<Float>.self)
        #else
        SIMD8(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5])
        #endif
    }

    /// (a2 a3 b2 b3 | a6 a7 b6 b7)
    @inline(__always)
    static func interleavePairsHigh(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(x86_64)
        unsafeBitCast(_mm256_unpackhi_pd(unsafeBitCast(a, to: SIMD4<Double>.self),
                                         unsafeBitCast(b, to: SIMD4<Double>.self)), to: SIMD8<Float>.self)
        #else
        SIMD8(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7])
        #endif
    }
}
