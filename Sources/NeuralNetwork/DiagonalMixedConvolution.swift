import TensorCore

// The stride-1 "same" convolution with a per-position diagonal tap mixing (dynamic-diag),
// computed from zero-padded planes like `DirectConvolution`: no im2col, no mixed columns,
// no col2im. Its twin is the im2col path of `ConvolutionEngine` (mix + GEMM).
//
// Legend: `C` input channels, `O` output channels, `k` kernel size, `K = k²` taps, `p = k/2`,
// `Wp = W + 2p`, `Hp = H + 2p`, `S = Hp·Wp + 16` the stride between padded planes (the 16
// zeros past each plane are read by the last tile of a row), `off(t) = kh·Wp + kw`,
// `off0 = p·Wp + p` (the centre tap). Positions are padded-flat: q = oh·Wp + ow, `Lp = (H − 1)·Wp + W`
// of them cover the image (ow ≥ W are gaps, computed and dropped), in tiles of 16.
// m_t[q] is the mixing entry of tap t (1 + g_t, masked) at output position q.
//
//   forward  y[o, q]   = Σ_t m_t[q] · Σ_c W[o, c, t] · xp[c, q + off(t)]
//   dx       dx[c, i]  = Σ_t' mp_(K−1−t')[i + off(t')] · Σ_o W[o, c, K−1−t'] · dyp[o, i + off(t')]
//   dm       dm_t[q]   = Σ_c x[c, q + off(t) − off0] · Σ_o W[o, c, t] · dy[o, q]
//   dW       dW[o, c, t] = Σ_q (m_t[q] · dy[o, q]) · xp[c, q + off(t)]
//
// with the depth ordered tap-major, so a kernel keeps one tap's partial sum over c (or o)
// in registers and adds it, scaled by the tap's mixing plane, into a 6×16 output tile in L1
// (one multiply per tap and output, not one per B element). dx and dm share the partial
// V_t[c, i] = Σ_o W[o, c, t]·dy[o, i − off(t) + off0]: dx adds m·V, dm adds Σ_c x·V at the
// shifted position (padded dm planes, the same layout as the padded m). Every element is
// summed in a fixed order: y, dx and dm do not depend on threads or tiles; dW is summed
// per thread chunk, so it depends on the thread count (not on the run).

/// The per-image kernels of one stride-1 "same" diagonally mixed convolution; see above.
struct DiagonalMixedConvolution {
    let geometry: ConvolutionGeometry
    let outputChannels: Int
    /// Wp.
    let paddedWidth: Int
    /// S, the stride between padded planes.
    let planeStride: Int
    /// Lp and Lp rounded up to 16.
    let span: Int
    let spanRounded: Int
    /// off0, the centre tap's offset.
    let centre: Int
    /// off(t) for t < K.
    let tapOffsets: [Int]

    static let tileRows = 6
    static let tileColumns = 16

    static func supports(_ g: ConvolutionGeometry) -> Bool { DirectConvolution.supports(g) }

    init(geometry g: ConvolutionGeometry, outputChannels: Int) {
        precondition(Self.supports(g), "DiagonalMixedConvolution needs stride 1 and padding k/2 with odd k, got \(g)")
        geometry = g
        self.outputChannels = outputChannels
        paddedWidth = g.width + 2 * g.padding
        planeStride = (g.height + 2 * g.padding) * paddedWidth + Self.tileColumns
        span = (g.height - 1) * paddedWidth + g.width
        spanRounded = GEMM.roundUp(span, to: Self.tileColumns)
        centre = g.padding * paddedWidth + g.padding
        let k = g.kernel, width = paddedWidth
        tapOffsets = (0..<k * k).map { ($0 / k) * width + $0 % k }
    }

    var taps: Int { geometry.taps }

    /// Scalars of a buffer of `planes` padded planes.
    func paddedCount(planes: Int) -> Int { planes * planeStride }
    /// Scalars of a product buffer [⌈rows/6⌉·6, Lp rounded to 16].
    func productCount(rows: Int) -> Int { GEMM.roundUp(rows, to: Self.tileRows) * spanRounded }
    /// Scalars of one panel of 16 output channels [Lp, 16].
    var panelCount: Int { span * Self.tileColumns }
    /// dWᵀ [K·⌈C/6⌉·6, ⌈O/16⌉·16], row t·⌈C/6⌉·6 + c.
    var transposedWeightGradientCount: Int {
        taps * GEMM.roundUp(geometry.channels, to: Self.tileRows) * GEMM.roundUp(outputChannels, to: Self.tileColumns)
    }

    // MARK: - Weights (W [O, C, K])

    /// Left operand of the forward: row o, depth t·C + c holds W[o, c, t] (panels of 6 rows).
    func packWeights(_ weight: UnsafePointer<Float>) -> [Float] {
        let channels = geometry.channels, taps = self.taps
        return DirectConvolution.packRows(outputChannels, depth: taps * channels, panelRows: Self.tileRows) { o, p in
            weight[(o * channels + p % channels) * taps + p / channels]
        }
    }

    /// Left operand of dx: row c, depth t'·O + o holds W[o, c, K − 1 − t'].
    func packFlippedWeights(_ weight: UnsafePointer<Float>) -> [Float] {
        let channels = geometry.channels, taps = self.taps, outC = outputChannels
        return DirectConvolution.packRows(channels, depth: taps * outC, panelRows: Self.tileRows) { c, p in
            weight[((p % outC) * channels + c) * taps + taps - 1 - p / outC]
        }
    }

    /// dW [O, C, K] += dWᵀ.
    func addTransposedGradient(_ transposed: UnsafePointer<Float>, into weightGradient: UnsafeMutablePointer<Float>) {
        let channels = geometry.channels, taps = self.taps
        let rowsPerTap = GEMM.roundUp(channels, to: Self.tileRows)
        let ldc = GEMM.roundUp(outputChannels, to: Self.tileColumns)
        for o in 0..<outputChannels {
            for c in 0..<channels {
                for t in 0..<taps { weightGradient[(o * channels + c) * taps + t] += transposed[(t * rowsPerTap + c) * ldc + o] }
            }
        }
    }

    // MARK: - Per image

    /// padded [planes, S] ← source [planes, H, W] with zero borders and tails.
    func pad(_ source: UnsafePointer<Float>, planes: Int, into padded: UnsafeMutablePointer<Float>) {
        let height = geometry.height, width = geometry.width, p = geometry.padding, wp = paddedWidth
        // Rows of 7–28 scalars: element loops (vectorised), not a memmove call per row.
        for c in 0..<planes {
            let plane = padded + c * planeStride, image = source + c * height * width
            for i in 0..<(p * wp + p) { plane[i] = 0 }
            for h in 0..<height {
                let row = plane + (h + p) * wp + p, from = image + h * width
                for w in 0..<width { row[w] = from[w] }
                // the right border of this row and the left border of the next one
                for w in width..<(width + 2 * p) { row[w] = 0 }
            }
            for i in ((height + p) * wp + p)..<planeStride { plane[i] = 0 }
        }
    }

    /// target [rows, H, W] = product[row, oh·Wp + ow] (+ bias[row]).
    func unpad(_ product: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?,
               into target: UnsafeMutablePointer<Float>) {
        let height = geometry.height, width = geometry.width
        for r in 0..<rows {
            let source = product + r * spanRounded, plane = target + r * height * width
            let value = bias?[r] ?? 0
            for h in 0..<height {
                let from = source + h * paddedWidth, to = plane + h * width
                for w in 0..<width { to[w] = from[w] + value }
            }
        }
    }

    /// y [O, H, W] = Σ_t m_t ⊙ (W_t ⋆ x) (+ bias). x [C, H, W], m [K, H, W]; `paddedInput`
    /// holds `paddedCount(planes: C)`, `paddedMixing` `paddedCount(planes: K)`, `product`
    /// `productCount(rows: O)` scalars.
    func forward(image x: UnsafePointer<Float>, mixing m: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>?, output y: UnsafeMutablePointer<Float>,
                 paddedInput: UnsafeMutablePointer<Float>, paddedMixing: UnsafeMutablePointer<Float>,
                 product: UnsafeMutablePointer<Float>) {
        let channels = geometry.channels, taps = self.taps, planes = planeStride
        pad(x, planes: channels, into: paddedInput)
        pad(m, planes: taps, into: paddedMixing)
        let offsets = (0..<taps * channels).map { $0 % channels * planes + tapOffsets[$0 / channels] }
        let mixingOffsets = (0..<taps).map { $0 * planes + centre }
        let mr = Self.tileRows, nr = Self.tileColumns, depth = taps * channels
        offsets.withUnsafeBufferPointer { offsets in
            mixingOffsets.withUnsafeBufferPointer { mixingOffsets in
                for panel in 0..<(outputChannels + mr - 1) / mr {
                    for q in stride(from: 0, to: span, by: nr) {
                        Self.tapMixedKernel6x16(taps: taps, depthPerTap: channels, a: packedWeights + panel * depth * mr,
                                                base: paddedInput + q, offsets: offsets.baseAddress!,
                                                mixing: paddedMixing + q, mixingOffsets: mixingOffsets.baseAddress!,
                                                c: product + panel * mr * spanRounded + q, ldc: spanRounded)
                    }
                }
            }
        }
        unpad(product, rows: outputChannels, bias: bias, into: y)
    }

    /// dx [C, H, W] (overwritten) and dm [K, H, W] (overwritten) of `forward` for dy [O, H, W].
    /// Scratch: `paddedInput` `paddedCount(planes: C)`, `paddedGradient` `paddedCount(planes: O)`,
    /// `paddedMixing` and `paddedMixingGradient` `paddedCount(planes: K)`, `product`
    /// `productCount(rows: C)`, `zeros` at least `spanRounded` scalars of zeros.
    func inputAndMixingGradient(image x: UnsafePointer<Float>, mixing m: UnsafePointer<Float>,
                                outputGradient dy: UnsafePointer<Float>, flippedWeights: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>,
                                mixingGradient dm: UnsafeMutablePointer<Float>,
                                paddedInput: UnsafeMutablePointer<Float>, paddedGradient: UnsafeMutablePointer<Float>,
                                paddedMixing: UnsafeMutablePointer<Float>,
                                paddedMixingGradient: UnsafeMutablePointer<Float>,
                                product: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>) {
        let channels = geometry.channels, taps = self.taps, outC = outputChannels, planes = planeStride
        pad(x, planes: channels, into: paddedInput)
        pad(dy, planes: outC, into: paddedGradient)
        pad(m, planes: taps, into: paddedMixing)
        paddedMixingGradient.update(repeating: 0, count: taps * planes)
        // depth t'·O + o: dyp[o, i + off(t')]; tap t' mixes with plane K−1−t' read at off(t')
        let offsets = (0..<taps * outC).map { $0 % outC * planes + tapOffsets[$0 / outC] }
        let mixingOffsets = (0..<taps).map { (taps - 1 - $0) * planes + tapOffsets[$0] }
        let mr = Self.tileRows, nr = Self.tileColumns, depth = taps * outC
        offsets.withUnsafeBufferPointer { offsets in
            mixingOffsets.withUnsafeBufferPointer { mixingOffsets in
                for panel in 0..<(channels + mr - 1) / mr {
                    // x[c, i] = xp[c, i + off0]; rows past C read zeros
                    func row(_ r: Int) -> UnsafePointer<Float> {
                        let c = panel * mr + r
                        return c < channels ? UnsafePointer(paddedInput + c * planes + centre) : zeros
                    }
                    let rows = (row(0), row(1), row(2), row(3), row(4), row(5))
                    for i in stride(from: 0, to: span, by: nr) {
                        Self.tapMixedGradientKernel6x16(
                            taps: taps, depthPerTap: outC, a: flippedWeights + panel * depth * mr,
                            base: paddedGradient + i, offsets: offsets.baseAddress!,
                            mixing: paddedMixing + i, mixingOffsets: mixingOffsets.baseAddress!,
                            inputRows: rows, column: i, mixingGradient: paddedMixingGradient + i,
                            c: product + panel * mr * spanRounded + i, ldc: spanRounded)
                    }
                }
            }
        }
        unpad(product, rows: channels, bias: nil, into: dx)
        // dm_t[oh, ow] = dmp_t[(oh + p)·Wp + ow + p]
        let height = geometry.height, width = geometry.width
        for t in 0..<taps {
            let source = paddedMixingGradient + t * planes + centre, plane = dm + t * height * width
            for h in 0..<height {
                let from = source + h * paddedWidth, to = plane + h * width
                for w in 0..<width { to[w] = from[w] }
            }
        }
    }

    /// dWᵀ (`transposedWeightGradientCount` scalars) += the weight gradient of one image.
    /// `paddedInput` and `paddedMixing` as left by `inputAndMixingGradient` or `forward` for
    /// this image; `panels` holds ⌈O/16⌉ + 1 panels of `panelCount` scalars; `zeros` ≥ Lp zeros.
    func accumulateWeightGradient(outputGradient dy: UnsafePointer<Float>, paddedInput: UnsafePointer<Float>,
                                  paddedMixing: UnsafePointer<Float>, transposedGradient: UnsafeMutablePointer<Float>,
                                  panels: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>) {
        let nr = Self.tileColumns, mr = Self.tileRows, channels = geometry.channels
        let columnPanels = (outputChannels + nr - 1) / nr, ldc = columnPanels * nr
        let rowsPerTap = GEMM.roundUp(channels, to: mr)
        let height = geometry.height, width = geometry.width
        // panels[panel][q·16 + j] = dy[panel·16 + j, q] (0 in gaps and past O)
        for panel in 0..<columnPanels {
            let target = panels + panel * panelCount
            target.update(repeating: 0, count: panelCount)
            for j in 0..<min(nr, outputChannels - panel * nr) {
                let plane = dy + (panel * nr + j) * height * width
                for h in 0..<height {
                    for w in 0..<width { target[(h * paddedWidth + w) * nr + j] = plane[h * width + w] }
                }
            }
        }
        let scaled = panels + columnPanels * panelCount
        for t in 0..<taps {
            let m = paddedMixing + t * planeStride + centre
            for panel in 0..<columnPanels {
                // (m_t · dy) for this tap
                let source = panels + panel * panelCount
                for q in 0..<span {
                    let factor = SIMD8<Float>(repeating: m[q])
                    let from = UnsafeRawPointer(source + q * nr), to = UnsafeMutableRawPointer(scaled + q * nr)
                    to.storeBytes(of: from.loadUnaligned(as: SIMD8<Float>.self) * factor, as: SIMD8<Float>.self)
                    to.storeBytes(of: from.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) * factor,
                                  toByteOffset: 32, as: SIMD8<Float>.self)
                }
                for first in stride(from: 0, to: channels, by: mr) {
                    func row(_ r: Int) -> UnsafePointer<Float> {
                        let c = first + r
                        return c < channels ? paddedInput + c * planeStride + tapOffsets[t] : zeros
                    }
                    GEMM.rowsKernel6x16(depth: span, rows: (row(0), row(1), row(2), row(3), row(4), row(5)),
                                        b: scaled,
                                        c: transposedGradient + (t * rowsPerTap + first) * ldc + panel * nr, ldc: ldc)
                }
            }
        }
    }
}

// MARK: - Micro-kernels

extension DiagonalMixedConvolution {
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// c[r, 0..<16] (+)= m0‖m1 ⊙ (v0‖v1): the first tap writes, later taps add.
    @inline(__always)
    static func mixInto(_ c: UnsafeMutablePointer<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>,
                        _ m0: SIMD8<Float>, _ m1: SIMD8<Float>, first: Bool) {
        if first {
            store(m0 * v0, c); store(m1 * v1, c + 8)
        } else {
            store(load(c).addingProduct(m0, v0), c); store(load(c + 8).addingProduct(m1, v1), c + 8)
        }
    }

    /// C[6×16] = Σ_t mixing[mixingOffsets[t] + j] · Σ_(p < depthPerTap) A[(t·D + p)·6 + r] ·
    /// base[offsets[t·D + p] + j]: one tap's partial in registers, then scaled into C.
    @inline(never)
    static func tapMixedKernel6x16(taps: Int, depthPerTap: Int, a: UnsafePointer<Float>, base: UnsafePointer<Float>,
                                   offsets: UnsafePointer<Int>, mixing: UnsafePointer<Float>,
                                   mixingOffsets: UnsafePointer<Int>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var aPointer = a, offsetPointer = offsets
        let bBase = UnsafeRawPointer(base)
        for t in 0..<taps {
            var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
            var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
            var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
            var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
            var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
            var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
            for _ in 0..<depthPerTap {
                let bPointer = bBase + offsetPointer[0] &* MemoryLayout<Float>.stride
                let b0 = bPointer.loadUnaligned(as: SIMD8<Float>.self)
                let b1 = bPointer.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                var broadcast = SIMD8<Float>(repeating: aPointer[0])
                c00 = c00.addingProduct(broadcast, b0); c01 = c01.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[1])
                c10 = c10.addingProduct(broadcast, b0); c11 = c11.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[2])
                c20 = c20.addingProduct(broadcast, b0); c21 = c21.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[3])
                c30 = c30.addingProduct(broadcast, b0); c31 = c31.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[4])
                c40 = c40.addingProduct(broadcast, b0); c41 = c41.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[5])
                c50 = c50.addingProduct(broadcast, b0); c51 = c51.addingProduct(broadcast, b1)
                aPointer += 6; offsetPointer += 1
            }
            let m = mixing + mixingOffsets[t]
            let m0 = load(m), m1 = load(m + 8), first = t == 0
            mixInto(c, c00, c01, m0, m1, first: first)
            mixInto(c + ldc, c10, c11, m0, m1, first: first)
            mixInto(c + 2 * ldc, c20, c21, m0, m1, first: first)
            mixInto(c + 3 * ldc, c30, c31, m0, m1, first: first)
            mixInto(c + 4 * ldc, c40, c41, m0, m1, first: first)
            mixInto(c + 5 * ldc, c50, c51, m0, m1, first: first)
        }
    }

    /// `tapMixedKernel6x16` (the dx of a tile of 6 input channels × 16 positions i) that also
    /// adds, per tap, Σ_r inputRows.r[i..<i+16] ⊙ partial_r into mixingGradient[mixingOffsets[t] ..< +16]
    /// (the same offsets as the mixing planes: dm of tap K−1−t' lies where its m lies).
    @inline(never)
    static func tapMixedGradientKernel6x16(
        taps: Int, depthPerTap: Int, a: UnsafePointer<Float>, base: UnsafePointer<Float>,
        offsets: UnsafePointer<Int>, mixing: UnsafePointer<Float>, mixingOffsets: UnsafePointer<Int>,
        inputRows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                    UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        column: Int, mixingGradient: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var aPointer = a, offsetPointer = offsets
        let bBase = UnsafeRawPointer(base)
        let (x0, x1, x2, x3, x4, x5) = inputRows
        for t in 0..<taps {
            var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
            var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
            var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
            var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
            var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
            var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
            for _ in 0..<depthPerTap {
                let bPointer = bBase + offsetPointer[0] &* MemoryLayout<Float>.stride
                let b0 = bPointer.loadUnaligned(as: SIMD8<Float>.self)
                let b1 = bPointer.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                var broadcast = SIMD8<Float>(repeating: aPointer[0])
                c00 = c00.addingProduct(broadcast, b0); c01 = c01.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[1])
                c10 = c10.addingProduct(broadcast, b0); c11 = c11.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[2])
                c20 = c20.addingProduct(broadcast, b0); c21 = c21.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[3])
                c30 = c30.addingProduct(broadcast, b0); c31 = c31.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[4])
                c40 = c40.addingProduct(broadcast, b0); c41 = c41.addingProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: aPointer[5])
                c50 = c50.addingProduct(broadcast, b0); c51 = c51.addingProduct(broadcast, b1)
                aPointer += 6; offsetPointer += 1
            }
            let offset = mixingOffsets[t]
            // dm: Σ_r x_r ⊙ V_r, added at the tap's shifted position
            var s0 = load(x0 + column) * c00, s1 = load(x0 + column + 8) * c01
            s0 = s0.addingProduct(load(x1 + column), c10); s1 = s1.addingProduct(load(x1 + column + 8), c11)
            s0 = s0.addingProduct(load(x2 + column), c20); s1 = s1.addingProduct(load(x2 + column + 8), c21)
            s0 = s0.addingProduct(load(x3 + column), c30); s1 = s1.addingProduct(load(x3 + column + 8), c31)
            s0 = s0.addingProduct(load(x4 + column), c40); s1 = s1.addingProduct(load(x4 + column + 8), c41)
            s0 = s0.addingProduct(load(x5 + column), c50); s1 = s1.addingProduct(load(x5 + column + 8), c51)
            let dm = mixingGradient + offset
            store(load(dm) + s0, dm); store(load(dm + 8) + s1, dm + 8)
            // dx: m ⊙ V
            let m = mixing + offset
            let m0 = load(m), m1 = load(m + 8), first = t == 0
            mixInto(c, c00, c01, m0, m1, first: first)
            mixInto(c + ldc, c10, c11, m0, m1, first: first)
            mixInto(c + 2 * ldc, c20, c21, m0, m1, first: first)
            mixInto(c + 3 * ldc, c30, c31, m0, m1, first: first)
            mixInto(c + 4 * ldc, c40, c41, m0, m1, first: first)
            mixInto(c + 5 * ldc, c50, c51, m0, m1, first: first)
        }
    }
}
