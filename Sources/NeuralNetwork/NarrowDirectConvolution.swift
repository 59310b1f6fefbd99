import TensorCore

// Stride-1 "same" convolutions with few output channels (the meta-network's first layer,
// O = 8), computed from zero-padded planes like `DirectConvolution` but with tiles shaped for
// O ≤ 8: the forward in 4-row × 16-position tiles (O = 8 is two panels, not 12 rows of 6-row
// panels), the weight gradient in 8-row × 8-column tiles (its columns are the O outputs: 8,
// not 16 with half of them zero). `DirectConvolution` (and the im2col path) is the twin.
//
// Legend as in `DiagonalMixedConvolution`: `C` input channels, `O` output channels, `K = k²`,
// `S = Hp·Wp + 16` the padded plane stride, q = oh·Wp + ow, `Lp` positions in tiles of 16,
// off(c, t) = c·S + kh·Wp + kw.
//
//   forward  Yq[O, q]        = Σ_(c,t) W[o, c·K + t] · xp[off(c, t) + q]
//   dW       dWᵀ[c·K + t, o] += Σ_q xp[off(c, t) + q] · dYq[o, q]        (dYq 0 in gaps)

/// The per-image kernels of one narrow stride-1 "same" convolution; see above.
struct NarrowDirectConvolution {
    let geometry: ConvolutionGeometry
    let outputChannels: Int
    let paddedWidth: Int
    /// S, the stride between padded planes.
    let planeStride: Int
    let span: Int
    let spanRounded: Int
    let centre: Int
    /// off(c, t) for the C·K rows.
    let offsets: [Int]

    static let forwardRows = 4
    static let gradientRows = 8
    static let gradientColumns = 8

    /// Stride 1, "same" padding, and O ≤ 8 with O a multiple of 4 (no row wasted).
    static func supports(_ g: ConvolutionGeometry, outputChannels: Int) -> Bool {
        DirectConvolution.supports(g) && outputChannels <= gradientColumns && outputChannels % forwardRows == 0
    }

    init(geometry g: ConvolutionGeometry, outputChannels: Int) {
        precondition(Self.supports(g, outputChannels: outputChannels),
                     "NarrowDirectConvolution needs stride 1, padding k/2, odd k and O ∈ {4, 8}, got \(g), O = \(outputChannels)")
        geometry = g
        self.outputChannels = outputChannels
        paddedWidth = g.width + 2 * g.padding
        planeStride = (g.height + 2 * g.padding) * paddedWidth + 16
        span = (g.height - 1) * paddedWidth + g.width
        spanRounded = (span + 15) / 16 * 16
        centre = g.padding * paddedWidth + g.padding
        let k = g.kernel, width = paddedWidth, stride = planeStride
        offsets = (0..<g.channels * k * k).map { row in
            let tap = row % (k * k)
            return row / (k * k) * stride + (tap / k) * width + tap % k
        }
    }

    func paddedCount(planes: Int) -> Int { planes * planeStride }
    func productCount() -> Int { outputChannels * spanRounded }
    /// The dY panel [Lp, 8].
    var panelCount: Int { span * Self.gradientColumns }
    /// dWᵀ [⌈C·K/8⌉·8, 8].
    var transposedWeightGradientCount: Int { (geometry.patchLength + 7) / 8 * 8 * Self.gradientColumns }

    /// W [O, C·K] in panels of 4 rows: `packed[(panel·C·K + p)·4 + r] = W[panel·4 + r, p]`.
    func packWeights(_ weight: UnsafePointer<Float>) -> [Float] {
        let depth = geometry.patchLength
        return DirectConvolution.packRows(outputChannels, depth: depth, panelRows: Self.forwardRows) { o, p in
            weight[o * depth + p]
        }
    }

    /// padded [planes, S] ← source [planes, H, W] with zero borders and tails.
    func pad(_ source: UnsafePointer<Float>, planes: Int, into padded: UnsafeMutablePointer<Float>) {
        let height = geometry.height, width = geometry.width, p = geometry.padding, wp = paddedWidth
        padded.update(repeating: 0, count: planes * planeStride)
        for c in 0..<planes {
            let plane = padded + c * planeStride, image = source + c * height * width
            for h in 0..<height { (plane + (h + p) * wp + p).update(from: image + h * width, count: width) }
        }
    }

    /// y [O, H, W] = W ⋆ x for the image padded in `padded`; `product` holds `productCount()`.
    func forward(padded: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                 output y: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>) {
        let mr = Self.forwardRows, depth = geometry.patchLength
        offsets.withUnsafeBufferPointer { offsets in
            for panel in 0..<outputChannels / mr {
                for q in stride(from: 0, to: span, by: 16) {
                    Self.offsetKernel4x16(depth: depth, a: packedWeights + panel * depth * mr, base: padded + q,
                                          offsets: offsets.baseAddress!, c: product + panel * mr * spanRounded + q,
                                          ldc: spanRounded)
                }
            }
        }
        let height = geometry.height, width = geometry.width
        for o in 0..<outputChannels {
            for h in 0..<height {
                (y + (o * height + h) * width).update(from: product + o * spanRounded + h * paddedWidth, count: width)
            }
        }
    }

    /// dWᵀ += the weight gradient for the image padded in `padded` and dy [O, H, W];
    /// `panel` holds `panelCount` scalars, `zeros` ≥ Lp zeros.
    func accumulateWeightGradient(padded: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                  transposedGradient: UnsafeMutablePointer<Float>,
                                  panel: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>) {
        let nr = Self.gradientColumns, height = geometry.height, width = geometry.width
        panel.update(repeating: 0, count: panelCount)
        for o in 0..<outputChannels {
            let plane = dy + o * height * width
            for h in 0..<height {
                for w in 0..<width { panel[(h * paddedWidth + w) * nr + o] = plane[h * width + w] }
            }
        }
        let rows = geometry.patchLength
        offsets.withUnsafeBufferPointer { offsets in
            func row(_ i: Int) -> UnsafePointer<Float> { i < rows ? padded + offsets[i] : zeros }
            for first in stride(from: 0, to: rows, by: Self.gradientRows) {
                Self.rowsKernel8x8(depth: span,
                                   rows: (row(first), row(first + 1), row(first + 2), row(first + 3),
                                          row(first + 4), row(first + 5), row(first + 6), row(first + 7)),
                                   b: panel, c: transposedGradient + first * nr)
            }
        }
    }

    /// dW [O, C·K] += dWᵀ.
    func addTransposedGradient(_ transposed: UnsafePointer<Float>, into weightGradient: UnsafeMutablePointer<Float>) {
        let rows = geometry.patchLength, nr = Self.gradientColumns
        for o in 0..<outputChannels {
            for p in 0..<rows { weightGradient[o * rows + p] += transposed[p * nr + o] }
        }
    }

    // MARK: - Micro-kernels

    /// C[4×16] = Σ_p A[p·4 + r] · base[offsets[p] + j] (overwritten).
    @inline(never)
    static func offsetKernel4x16(depth: Int, a: UnsafePointer<Float>, base: UnsafePointer<Float>,
                                 offsets: UnsafePointer<Int>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var aPointer = a
        let bBase = UnsafeRawPointer(base)
        for p in 0..<depth {
            let bPointer = bBase + offsets[p] &* MemoryLayout<Float>.stride
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
            aPointer += 4
        }
        func store(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(row).storeBytes(of: v0, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(row).storeBytes(of: v1, toByteOffset: 32, as: SIMD8<Float>.self)
        }
        store(c00, c01, c); store(c10, c11, c + ldc); store(c20, c21, c + 2 * ldc); store(c30, c31, c + 3 * ldc)
    }

    /// C[8×8] (row stride 8) += Σ_p rows.r[p] · B[p·8 + j].
    @inline(never)
    static func rowsKernel8x8(
        depth: Int,
        rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
               UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
        var c4 = SIMD8<Float>(), c5 = SIMD8<Float>(), c6 = SIMD8<Float>(), c7 = SIMD8<Float>()
        let (a0, a1, a2, a3, a4, a5, a6, a7) = rows
        var bPointer = UnsafeRawPointer(b)
        for p in 0..<depth {
            let b0 = bPointer.loadUnaligned(as: SIMD8<Float>.self)
            c0 = c0.addingProduct(SIMD8<Float>(repeating: a0[p]), b0)
            c1 = c1.addingProduct(SIMD8<Float>(repeating: a1[p]), b0)
            c2 = c2.addingProduct(SIMD8<Float>(repeating: a2[p]), b0)
            c3 = c3.addingProduct(SIMD8<Float>(repeating: a3[p]), b0)
            c4 = c4.addingProduct(SIMD8<Float>(repeating: a4[p]), b0)
            c5 = c5.addingProduct(SIMD8<Float>(repeating: a5[p]), b0)
            c6 = c6.addingProduct(SIMD8<Float>(repeating: a6[p]), b0)
            c7 = c7.addingProduct(SIMD8<Float>(repeating: a7[p]), b0)
            bPointer += 32
        }
        func add(_ v: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>) {
            let raw = UnsafeMutableRawPointer(row)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + v, as: SIMD8<Float>.self)
        }
        add(c0, c); add(c1, c + 8); add(c2, c + 16); add(c3, c + 24)
        add(c4, c + 32); add(c5, c + 40); add(c6, c + 48); add(c7, c + 56)
    }
}
