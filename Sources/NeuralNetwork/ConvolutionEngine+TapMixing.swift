// The per-position tap mixing of the dynamic similarity convolutions and its backward.
//
// Legend: `C` channels, `K = k²` taps, `L` positions (the row length of every matrix).
// Shapes: patches P and mixed P' [C·K, L] (row c·K + t), mixing M and dM [G, L] (full: entry
// t·K + p; diagonal: entry t).
//
// For the full 3×3 mixing (K = 9, the only one the models build) the work runs on blocks
// of 8 positions: a block's 81 entries of M (2.6 KB) stay in L1 while every channel's 9
// patch rows pass through registers once, so each FMA needs about one load. The generic
// loops (any K, diagonal M, and the last L mod 8 positions) stream whole rows and need two
// to five loads and stores per FMA, which made them a quarter of dynamic-full's training
// time.

extension ConvolutionEngine {
    /// P'[c·K + t, l] = Σ_p M[t·K + p, l] · P[c·K + p, l]   (diagonal: M[t, l] · P[c·K + t, l])
    /// patches [C·K, L], mixing [G, L] → mixed [C·K, L] (overwritten).
    static func mix(_ patches: UnsafePointer<Float>, mixing: UnsafePointer<Float>, diagonal: Bool,
                    into mixed: UnsafeMutablePointer<Float>, channels: Int, taps: Int, positions: Int) {
        let blocked = !diagonal && taps == 9 ? positions - positions % 8 : 0
        if blocked > 0 {
            mixFull3x3(patches, mixing: mixing, into: mixed, channels: channels, positions: positions,
                       blockedColumns: blocked)
        }
        mixColumns(patches, mixing: mixing, diagonal: diagonal, into: mixed, channels: channels, taps: taps,
                   positions: positions, columns: blocked..<positions)
    }

    /// Backward of `mix`:  dM[t·K + p, l] = Σ_c dP'[c·K + t, l] · P[c·K + p, l],
    /// dP[c·K + p, l] = Σ_t M[t·K + p, l] · dP'[c·K + t, l]. Both overwritten.
    static func mixBackward(_ patches: UnsafePointer<Float>, mixing: UnsafePointer<Float>, diagonal: Bool,
                            outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                            mixingGradient: UnsafeMutablePointer<Float>,
                            channels: Int, taps: Int, positions: Int) {
        let blocked = !diagonal && taps == 9 ? positions - positions % 8 : 0
        if blocked > 0 {
            mixBackwardFull3x3(patches, mixing: mixing, outputGradient: outputGradient, inputGradient: inputGradient,
                               mixingGradient: mixingGradient, channels: channels, positions: positions,
                               blockedColumns: blocked)
        }
        mixBackwardColumns(patches, mixing: mixing, diagonal: diagonal, outputGradient: outputGradient,
                           inputGradient: inputGradient, mixingGradient: mixingGradient, channels: channels,
                           taps: taps, positions: positions, columns: blocked..<positions)
    }

    // MARK: - Any K, any columns

    /// `mix` on the columns `columns` only (the rest of `mixed` is left alone).
    static func mixColumns(_ patches: UnsafePointer<Float>, mixing: UnsafePointer<Float>, diagonal: Bool,
                           into mixed: UnsafeMutablePointer<Float>, channels: Int, taps: Int, positions: Int,
                           columns: Range<Int>) {
        if columns.isEmpty { return }
        for c in 0..<channels {
            for t in 0..<taps {
                let out = mixed + (c * taps + t) * positions
                if diagonal {
                    let m = mixing + t * positions, p = patches + (c * taps + t) * positions
                    for l in columns { out[l] = m[l] * p[l] }
                } else {
                    for l in columns { out[l] = 0 }
                    for q in 0..<taps {
                        let m = mixing + (t * taps + q) * positions, p = patches + (c * taps + q) * positions
                        for l in columns { out[l] += m[l] * p[l] }
                    }
                }
            }
        }
    }

    /// `mixBackward` on the columns `columns` only.
    static func mixBackwardColumns(_ patches: UnsafePointer<Float>, mixing: UnsafePointer<Float>, diagonal: Bool,
                                   outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                   mixingGradient: UnsafeMutablePointer<Float>,
                                   channels: Int, taps: Int, positions: Int, columns: Range<Int>) {
        if columns.isEmpty { return }
        for entry in 0..<(diagonal ? taps : taps * taps) {
            let dm = mixingGradient + entry * positions
            for l in columns { dm[l] = 0 }
        }
        if diagonal {
            for c in 0..<channels {
                for t in 0..<taps {
                    let row = (c * taps + t) * positions
                    let m = mixing + t * positions, dm = mixingGradient + t * positions
                    let p = patches + row, dq = outputGradient + row, dp = inputGradient + row
                    for l in columns {
                        dm[l] += dq[l] * p[l]
                        dp[l] = m[l] * dq[l]
                    }
                }
            }
            return
        }
        for row in 0..<(channels * taps) {
            let dp = inputGradient + row * positions
            for l in columns { dp[l] = 0 }
        }
        for c in 0..<channels {
            for t in 0..<taps {
                let dq = outputGradient + (c * taps + t) * positions
                for q in 0..<taps {
                    let entry = (t * taps + q) * positions
                    let m = mixing + entry, dm = mixingGradient + entry
                    let p = patches + (c * taps + q) * positions, dp = inputGradient + (c * taps + q) * positions
                    for l in columns {
                        dm[l] += dq[l] * p[l]
                        dp[l] += m[l] * dq[l]
                    }
                }
            }
        }
    }

    // MARK: - Full 3×3, blocks of 8 positions

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Σ_q a[q·stride] ⊙ b_q for 9 vectors b_q (rows of a `stride` scalars apart).
    @inline(__always)
    private static func dot9(_ a: UnsafePointer<Float>, stride: Int,
                             _ b0: SIMD8<Float>, _ b1: SIMD8<Float>, _ b2: SIMD8<Float>,
                             _ b3: SIMD8<Float>, _ b4: SIMD8<Float>, _ b5: SIMD8<Float>,
                             _ b6: SIMD8<Float>, _ b7: SIMD8<Float>, _ b8: SIMD8<Float>) -> SIMD8<Float> {
        var sum = load(a) * b0
        sum = sum.addingProduct(load(a + stride), b1)
        sum = sum.addingProduct(load(a + 2 * stride), b2)
        sum = sum.addingProduct(load(a + 3 * stride), b3)
        sum = sum.addingProduct(load(a + 4 * stride), b4)
        sum = sum.addingProduct(load(a + 5 * stride), b5)
        sum = sum.addingProduct(load(a + 6 * stride), b6)
        sum = sum.addingProduct(load(a + 7 * stride), b7)
        sum = sum.addingProduct(load(a + 8 * stride), b8)
        return sum
    }

    /// `mix` for a full 3×3 M on the columns 0..<blockedColumns (a multiple of 8).
    private static func mixFull3x3(_ patches: UnsafePointer<Float>, mixing: UnsafePointer<Float>,
                                   into mixed: UnsafeMutablePointer<Float>, channels: Int, positions: Int,
                                   blockedColumns: Int) {
        let rowStride = positions
        for l in stride(from: 0, to: blockedColumns, by: 8) {
            for c in 0..<channels {
                let p = patches + c * 9 * rowStride + l
                let p0 = load(p), p1 = load(p + rowStride), p2 = load(p + 2 * rowStride)
                let p3 = load(p + 3 * rowStride), p4 = load(p + 4 * rowStride), p5 = load(p + 5 * rowStride)
                let p6 = load(p + 6 * rowStride), p7 = load(p + 7 * rowStride), p8 = load(p + 8 * rowStride)
                let out = mixed + c * 9 * rowStride + l
                for t in 0..<9 {
                    // P'[c, t] = Σ_q M[t·9 + q] ⊙ P[c, q]
                    store(dot9(mixing + t * 9 * rowStride + l, stride: rowStride, p0, p1, p2, p3, p4, p5, p6, p7, p8),
                          out + t * rowStride)
                }
            }
        }
    }

    /// `mixBackward` for a full 3×3 M on the columns 0..<blockedColumns (a multiple of 8).
    private static func mixBackwardFull3x3(_ patches: UnsafePointer<Float>, mixing: UnsafePointer<Float>,
                                           outputGradient: UnsafePointer<Float>,
                                           inputGradient: UnsafeMutablePointer<Float>,
                                           mixingGradient: UnsafeMutablePointer<Float>,
                                           channels: Int, positions: Int, blockedColumns: Int) {
        let rowStride = positions
        for l in stride(from: 0, to: blockedColumns, by: 8) {
            // dM[t·9 + q] = Σ_c dP'[c, t] ⊙ P[c, q]: one row t of dM in registers at a time.
            for t in 0..<9 {
                var d0 = SIMD8<Float>(), d1 = SIMD8<Float>(), d2 = SIMD8<Float>()
                var d3 = SIMD8<Float>(), d4 = SIMD8<Float>(), d5 = SIMD8<Float>()
                var d6 = SIMD8<Float>(), d7 = SIMD8<Float>(), d8 = SIMD8<Float>()
                for c in 0..<channels {
                    let dq = load(outputGradient + (c * 9 + t) * rowStride + l)
                    let p = patches + c * 9 * rowStride + l
                    d0 = d0.addingProduct(dq, load(p))
                    d1 = d1.addingProduct(dq, load(p + rowStride))
                    d2 = d2.addingProduct(dq, load(p + 2 * rowStride))
                    d3 = d3.addingProduct(dq, load(p + 3 * rowStride))
                    d4 = d4.addingProduct(dq, load(p + 4 * rowStride))
                    d5 = d5.addingProduct(dq, load(p + 5 * rowStride))
                    d6 = d6.addingProduct(dq, load(p + 6 * rowStride))
                    d7 = d7.addingProduct(dq, load(p + 7 * rowStride))
                    d8 = d8.addingProduct(dq, load(p + 8 * rowStride))
                }
                let dm = mixingGradient + t * 9 * rowStride + l
                store(d0, dm); store(d1, dm + rowStride); store(d2, dm + 2 * rowStride)
                store(d3, dm + 3 * rowStride); store(d4, dm + 4 * rowStride); store(d5, dm + 5 * rowStride)
                store(d6, dm + 6 * rowStride); store(d7, dm + 7 * rowStride); store(d8, dm + 8 * rowStride)
            }
            // dP[c, q] = Σ_t M[t·9 + q] ⊙ dP'[c, t]: one channel's 9 rows of dP' in registers.
            for c in 0..<channels {
                let dq = outputGradient + c * 9 * rowStride + l
                let q0 = load(dq), q1 = load(dq + rowStride), q2 = load(dq + 2 * rowStride)
                let q3 = load(dq + 3 * rowStride), q4 = load(dq + 4 * rowStride), q5 = load(dq + 5 * rowStride)
                let q6 = load(dq + 6 * rowStride), q7 = load(dq + 7 * rowStride), q8 = load(dq + 8 * rowStride)
                let dp = inputGradient + c * 9 * rowStride + l
                for q in 0..<9 {
                    // column q of M: entries t·9 + q, rows 9·rowStride apart
                    store(dot9(mixing + q * rowStride + l, stride: 9 * rowStride, q0, q1, q2, q3, q4, q5, q6, q7, q8),
                          dp + q * rowStride)
                }
            }
        }
    }
}
