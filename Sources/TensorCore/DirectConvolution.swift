// Stride-1 convolutions with "same" padding (odd k, p = k/2), computed from a zero-padded
// copy of each image: no im2col, no column packing, no col2im.
//
// Legend: `C` input channels, `O` output channels, `k` kernel size, `K = k²` taps, `H`,`W`
// image size, `Wp = W + 2p`, `Hp = H + 2p`, `P = Hp·Wp` a padded plane. An output position
// (oh, ow) has the padded-flat index q = oh·Wp + ow; `Lp = (H − 1)·Wp + W` of them cover the
// image (those with ow ≥ W are gaps, computed and dropped): in vectors of 8 consecutive q,
// or, when rows are short (7×7: 7 of 9), one 8-wide vector per image row; forward and dx
// take three (or two) vectors per tile (GEMM+OffsetKernels.swift); dW tiles are 6 rows
// (c, t) × 16 output channels, over all q.
//
// In a padded image xp [C, Hp, Wp] the patch value of tap (c, kh, kw) at q is
// xp[c·P + kh·Wp + kw + q]: for a fixed tap, 16 consecutive q are 16 consecutive scalars.
// So the column matrix of im2col is never written: the micro-kernel reads its B rows
// straight from xp through a table of per-tap offsets, and the three products are
//
//   forward   Yq[O, q]      = Σ_(c,t) W[o, c·K + t] · xp[c·P + off(t) + q]
//   dx        dXq[C, q]     = Σ_(o,t) W[o, c·K + K−1−t] · dyp[o·P + off(t) + q]   (dy padded alike,
//                             the kernel flipped: the transposed convolution of a "same" one)
//   dW        dWᵀ[c·K + t, o] += Σ_q xp[c·P + off(t) + q] · dYq[o, q]            (dYq 0 in gaps)
//
// where off(t) = kh·Wp + kw. Each element is one FMA chain over its whole depth, in a
// fixed order: a per-image result does not depend on which tile computes it (the callers
// sum dW over images per thread chunk, so dW depends on the thread count, y and dx do not).

/// The per-image kernels of one stride-1 "same" convolution shape; see the file comment.
public struct DirectConvolution: Sendable {
    public let geometry: ConvolutionGeometry
    public let outputChannels: Int
    /// Wp.
    let paddedWidth: Int
    /// P = Hp·Wp.
    public let paddedPlane: Int
    /// Lp, padded-flat output positions.
    let span: Int
    /// The first q of each 8-wide vector the forward and dx compute: 0, 8, 16, … over Lp, or
    /// oh·Wp + 8j (j < ⌈W/8⌉) when that covers the image with fewer vectors.
    let vectorStarts: [Int]
    /// The columns of a product buffer: the last vector's end (at most Lp + 7).
    let spanRounded: Int
    /// off(c, t) = c·P + kh·Wp + kw for the C input planes (forward, dW) and the O output planes (dx).
    let inputOffsets: [Int]
    let outputOffsets: [Int]

    static let tileColumns = GEMM.microColumns
    static let tileRows = GEMM.microRows
    /// Rows of the forward and input-gradient tiles (`GEMM.offsetKernel4x24`).
    static let correlationRows = 4

    /// Stride 1, odd k, p = k/2 (the output has the input's size).
    public static func supports(_ g: ConvolutionGeometry) -> Bool {
        g.stride == 1 && g.kernel % 2 == 1 && g.padding == g.kernel / 2
    }

    public init(geometry g: ConvolutionGeometry, outputChannels: Int) {
        precondition(Self.supports(g), "DirectConvolution needs stride 1 and padding k/2 with odd k, got \(g)")
        precondition(outputChannels > 0, "DirectConvolution needs O > 0, got \(outputChannels)")
        geometry = g
        self.outputChannels = outputChannels
        paddedWidth = g.width + 2 * g.padding
        paddedPlane = (g.height + 2 * g.padding) * paddedWidth
        span = (g.height - 1) * paddedWidth + g.width
        let rowVectors = (g.width + 7) / 8, spanVectors = (span + 7) / 8
        vectorStarts = g.height * rowVectors < spanVectors
            ? (0..<g.height).flatMap { [paddedWidth] oh in (0..<rowVectors).map { oh * paddedWidth + 8 * $0 } }
            : (0..<spanVectors).map { 8 * $0 }
        spanRounded = vectorStarts.last! + 8
        let k = g.kernel, plane = paddedPlane, width = paddedWidth
        func offsets(_ channels: Int) -> [Int] {
            (0..<channels * k * k).map { row in
                let c = row / (k * k), tap = row % (k * k)
                return c * plane + (tap / k) * width + tap % k
            }
        }
        inputOffsets = offsets(g.channels)
        outputOffsets = offsets(outputChannels)
    }

    // MARK: - Scratch sizes

    /// Scalars of a padded buffer of `channels` planes (plus the zero tail the last tile reads).
    public func paddedCount(channels: Int) -> Int { channels * paddedPlane + Self.tileColumns }
    /// Scalars of a product buffer [⌈rows/4⌉·4, `spanRounded`].
    public func productCount(rows: Int) -> Int { GEMM.roundUp(rows, to: Self.correlationRows) * spanRounded }
    /// Scalars of the packed dYq panels [⌈O/16⌉ panels of Lp × 16].
    public var gradientPanelsCount: Int { GEMM.roundUp(outputChannels, to: Self.tileColumns) * span }
    /// Scalars of a transposed weight gradient dWᵀ [⌈C·K/6⌉·6, ⌈O/16⌉·16].
    public var transposedWeightGradientCount: Int {
        GEMM.roundUp(geometry.patchLength, to: Self.tileRows) * GEMM.roundUp(outputChannels, to: Self.tileColumns)
    }

    // MARK: - Weights

    /// W [O, C·K] as the left operand: panels of 4 rows, `packed[(panel·C·K + p)·4 + r] =
    /// W[panel·4 + r, p]`, rows past O zero.
    public func packWeights(_ weight: UnsafePointer<Float>) -> [Float] {
        let depth = geometry.patchLength
        return Self.packRows(outputChannels, depth: depth, panelRows: Self.correlationRows) { row, p in weight[row * depth + p] }
    }

    /// The flipped, channel-transposed kernel of the input gradient as the left operand:
    /// row c, depth o·K + t holds W[o, c·K + K − 1 − t].
    public func packFlippedWeights(_ weight: UnsafePointer<Float>) -> [Float] {
        let taps = geometry.taps, channels = geometry.channels
        return Self.packRows(channels, depth: outputChannels * taps, panelRows: Self.correlationRows) { c, p in
            let o = p / taps, t = p % taps
            return weight[(o * channels + c) * taps + taps - 1 - t]
        }
    }

    /// Panels of `panelRows` rows: `packed[(panel·depth + p)·panelRows + r] = value(panel·panelRows + r, p)`,
    /// rows past `rows` zero (the left operand of the offset kernels and their relatives).
    public static func packRows(_ rows: Int, depth: Int, panelRows mr: Int,
                                _ value: (Int, Int) -> Float) -> [Float] {
        let panels = (rows + mr - 1) / mr
        var packed = [Float](repeating: 0, count: max(1, panels * depth * mr))
        for panel in 0..<panels {
            for r in 0..<min(mr, rows - panel * mr) {
                for p in 0..<depth { packed[(panel * depth + p) * mr + r] = value(panel * mr + r, p) }
            }
        }
        return packed
    }

    // MARK: - Per image

    /// y [O, H, W] = W ⋆ x + bias.  x [C, H, W]; `padded` and `product` are scratch of
    /// `paddedCount(channels: C)` and `productCount(rows: O)` scalars (`padded` is left
    /// holding the padded image).
    public func forward(image x: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output y: UnsafeMutablePointer<Float>,
                        padded: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>) {
        pad(x, channels: geometry.channels, into: padded)
        inputOffsets.withUnsafeBufferPointer { offsets in
            correlate(padded, offsets: offsets.baseAddress!, depth: geometry.patchLength,
                      packed: packedWeights, rows: outputChannels, into: product)
        }
        unpad(product, rows: outputChannels, bias: bias, into: y)
    }

    /// dx [C, H, W] (overwritten) of y = W ⋆ x for dy [O, H, W]. `padded` and `product`
    /// are scratch of `paddedCount(channels: O)` and `productCount(rows: C)` scalars.
    public func inputGradient(outputGradient dy: UnsafePointer<Float>, flippedWeights: UnsafePointer<Float>,
                              inputGradient dx: UnsafeMutablePointer<Float>,
                              padded: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>) {
        pad(dy, channels: outputChannels, into: padded)
        outputOffsets.withUnsafeBufferPointer { offsets in
            correlate(padded, offsets: offsets.baseAddress!, depth: outputChannels * geometry.taps,
                      packed: flippedWeights, rows: geometry.channels, into: product)
        }
        unpad(product, rows: geometry.channels, bias: nil, into: dx)
    }

    /// dWᵀ [C·K, O] (row stride ⌈O/16⌉·16, `transposedWeightGradientCount` scalars) += the
    /// weight gradient of one image, x [C, H, W], dy [O, H, W]. `padded` holds
    /// `paddedCount(channels: C)` scalars, `panels` `gradientPanelsCount` (64-byte aligned).
    public func accumulateWeightGradient(image x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                         transposedGradient: UnsafeMutablePointer<Float>,
                                         padded: UnsafeMutablePointer<Float>, panels: UnsafeMutablePointer<Float>) {
        pad(x, channels: geometry.channels, into: padded)
        packGradientPanels(dy, into: panels)
        let nr = Self.tileColumns, mr = Self.tileRows
        let rows = geometry.patchLength, columnPanels = (outputChannels + nr - 1) / nr
        let ldc = columnPanels * nr
        // Rows past C·K read zeros (the padded image's tail is 16 zeros, but a row needs Lp).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: span) { zeros in
            zeros.initialize(repeating: 0)
            let zero = UnsafePointer(zeros.baseAddress!)
            inputOffsets.withUnsafeBufferPointer { offsets in
                func row(_ i: Int) -> UnsafePointer<Float> { i < rows ? UnsafePointer(padded + offsets[i]) : zero }
                for first in stride(from: 0, to: rows, by: mr) {
                    for panel in 0..<columnPanels {
                        GEMM.rowsKernel6x16(depth: span,
                                            rows: (row(first), row(first + 1), row(first + 2),
                                                   row(first + 3), row(first + 4), row(first + 5)),
                                            b: panels + panel * span * nr,
                                            c: transposedGradient + first * ldc + panel * nr, ldc: ldc)
                    }
                }
            }
        }
    }

    /// dW [O, C·K] += dWᵀ (as accumulated by `accumulateWeightGradient`).
    public func addTransposedGradient(_ transposed: UnsafePointer<Float>, into weightGradient: UnsafeMutablePointer<Float>) {
        let rows = geometry.patchLength, ldc = GEMM.roundUp(outputChannels, to: Self.tileColumns)
        for o in 0..<outputChannels {
            let target = weightGradient + o * rows
            for p in 0..<rows { target[p] += transposed[p * ldc + o] }
        }
    }

    /// out[i·W + j] = Σ_t plane[off(t) + i·Wp + j]: the sum over the k×k window at each
    /// output position of one padded plane (as filled by `pad`, `paddedCount(channels: 1)`
    /// scalars). A window sum is symmetric, so this is also its own adjoint.
    public func windowSum(_ plane: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let height = geometry.height, width = geometry.width, taps = geometry.taps
        out.update(repeating: 0, count: height * width)
        for t in 0..<taps {
            let source = plane + inputOffsets[t]
            for i in 0..<height {
                let from = source + i * paddedWidth, to = out + i * width
                for j in 0..<width { to[j] += from[j] }
            }
        }
    }

    // MARK: - Steps

    /// padded [channels, Hp, Wp] ← source [channels, H, W] with zero borders, plus a zero tail.
    public func pad(_ source: UnsafePointer<Float>, channels: Int, into padded: UnsafeMutablePointer<Float>) {
        let height = geometry.height, width = geometry.width, p = geometry.padding, wp = paddedWidth
        for c in 0..<channels {
            let plane = padded + c * paddedPlane, image = source + c * height * width
            plane.update(repeating: 0, count: p * wp + p)
            for h in 0..<height {
                let row = plane + (h + p) * wp + p
                Self.copyRow(image + h * width, to: row, count: width)
                // The right border of this row and the left border of the next one.
                for j in 0..<2 * p { row[width + j] = 0 }
            }
            let end = p * wp + p + height * wp
            (plane + end).update(repeating: 0, count: paddedPlane - end)
        }
        (padded + channels * paddedPlane).update(repeating: 0, count: Self.tileColumns)
    }

    /// product [rows (rounded to 4), spanRounded] = packed-A · (tap rows read at `offsets`),
    /// at the `vectorStarts`, three vectors per tile (two for the last two or four).
    func correlate(_ padded: UnsafePointer<Float>, offsets: UnsafePointer<Int>, depth: Int,
                   packed: UnsafePointer<Float>, rows: Int, into product: UnsafeMutablePointer<Float>) {
        let mr = Self.correlationRows, rowPanels = (rows + mr - 1) / mr
        vectorStarts.withUnsafeBufferPointer { starts in
            var i = 0
            while i < starts.count {
                let left = starts.count - i, three = left >= 3 && left != 4
                for panel in 0..<rowPanels {
                    let a = packed + panel * depth * mr, c = product + panel * mr * spanRounded
                    if three {
                        GEMM.offsetKernel4x24(depth: depth, a: a, base: padded, starts: (starts[i], starts[i + 1], starts[i + 2]),
                                              offsets: offsets, c: c, ldc: spanRounded)
                    } else {
                        // The last two vectors (or the only one, computed twice).
                        let second = starts[min(i + 1, starts.count - 1)]
                        GEMM.offsetKernel4x16(depth: depth, a: a, base: padded, starts: (starts[i], second),
                                              offsets: offsets, c: c, ldc: spanRounded)
                    }
                }
                i += three ? 3 : 2
            }
        }
    }

    /// target [rows, H, W] = product[row, oh·Wp + ow] (+ bias[row]).
    func unpad(_ product: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?,
               into target: UnsafeMutablePointer<Float>) {
        let height = geometry.height, width = geometry.width
        for r in 0..<rows {
            let source = product + r * spanRounded, plane = target + r * height * width
            if let bias {
                let value = bias[r]
                for h in 0..<height {
                    let from = source + h * paddedWidth, to = plane + h * width
                    for w in 0..<width { to[w] = from[w] + value }
                }
            } else {
                for h in 0..<height { Self.copyRow(source + h * paddedWidth, to: plane + h * width, count: width) }
            }
        }
    }

    /// to[0..<count] = from[0..<count], inline (rows of 7–28 scalars: a call to memmove
    /// costs more than the copy).
    @inline(__always)
    static func copyRow(_ from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>, count: Int) {
        let source = UnsafeRawPointer(from), target = UnsafeMutableRawPointer(to)
        var j = 0
        while j + 8 <= count {
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self),
                              toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count { to[j] = from[j]; j += 1 }
    }

    /// panels[panel][q·16 + j] = dYq[panel·16 + j, q] for q < Lp: dy at q = oh·Wp + ow
    /// (ow < W), 0 in the gaps and for channels past O. Written in order of q (16 channels
    /// gathered per position), so every store is contiguous.
    func packGradientPanels(_ dy: UnsafePointer<Float>, into panels: UnsafeMutablePointer<Float>) {
        let nr = Self.tileColumns, height = geometry.height, width = geometry.width, positions = geometry.positions
        let columnPanels = (outputChannels + nr - 1) / nr
        let gap = (paddedWidth - width) * nr
        for panel in 0..<columnPanels {
            let target = panels + panel * span * nr
            let channels = min(nr, outputChannels - panel * nr)
            let planes = dy + panel * nr * positions
            if channels < nr { target.update(repeating: 0, count: span * nr) }
            for h in 0..<height {
                var out = target + h * paddedWidth * nr
                let row = planes + h * width
                if channels == nr {
                    for w in 0..<width {
                        let source = row + w
                        for j in 0..<nr { out[j] = source[j * positions] }
                        out += nr
                    }
                } else {
                    for w in 0..<width {
                        let source = row + w
                        for j in 0..<channels { out[j] = source[j * positions] }
                        out += nr
                    }
                }
                if h + 1 < height { out.update(repeating: 0, count: gap) }
            }
        }
    }
}

extension GEMM {
    /// C[6×16] += Σ_p rows.r[p] · Bpanel[p·16 + j]: the micro-kernel with A's six rows read
    /// in place (each contiguous along the depth) instead of from a packed panel.
    @inline(never)
    public static func rowsKernel6x16(
        depth: Int,
        rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
               UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        let (a0, a1, a2, a3, a4, a5) = rows
        var bPointer = UnsafeRawPointer(b)
        for p in 0..<depth {
            let b0 = bPointer.loadUnaligned(as: SIMD8<Float>.self)
            let b1 = bPointer.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var broadcast = SIMD8<Float>(repeating: a0[p])
            c00 = c00.addingProduct(broadcast, b0); c01 = c01.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: a1[p])
            c10 = c10.addingProduct(broadcast, b0); c11 = c11.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: a2[p])
            c20 = c20.addingProduct(broadcast, b0); c21 = c21.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: a3[p])
            c30 = c30.addingProduct(broadcast, b0); c31 = c31.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: a4[p])
            c40 = c40.addingProduct(broadcast, b0); c41 = c41.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: a5[p])
            c50 = c50.addingProduct(broadcast, b0); c51 = c51.addingProduct(broadcast, b1)
            bPointer += 64
        }
        storeRow(c00, c01, to: c, alpha: 1, beta: 1)
        storeRow(c10, c11, to: c + ldc, alpha: 1, beta: 1)
        storeRow(c20, c21, to: c + 2 * ldc, alpha: 1, beta: 1)
        storeRow(c30, c31, to: c + 3 * ldc, alpha: 1, beta: 1)
        storeRow(c40, c41, to: c + 4 * ldc, alpha: 1, beta: 1)
        storeRow(c50, c51, to: c + 5 * ldc, alpha: 1, beta: 1)
    }
}
