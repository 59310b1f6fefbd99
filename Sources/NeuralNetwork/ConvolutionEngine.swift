import TensorCore

/// The shared kernels of Conv2D, SimilarityConv2D and PatchNormConv: im2col + GEMM, the
/// batch split into one contiguous chunk per thread (each chunk owns its scratch and its
/// partial weight gradient, so nothing is allocated per image or per element).
///
/// Within a chunk, images go through the GEMMs in groups of B: their column matrices sit
/// side by side in one [C·K, B·L] matrix, so each weight matrix is packed once per group
/// and the GEMMs are wide (B·L columns) rather than one small product per image. B is 1
/// with a per-position mixing (it acts on one image's columns).
///
/// Legend: `N` batch, `C` input channels, `O` output channels, `K = k²` taps,
/// `L = H_out·W_out` output positions, `B` images per group, `T = B·L` group columns,
/// `G` mixing entries per position (K for a diagonal M, K² for a full one).
/// Per group: P = cols [C·K, T], P' = mixed cols [C·K, T] (B = 1), Y' [O, T]
/// (image b's NCHW block is Y'[:, b·L ..< (b+1)·L]).
enum ConvolutionEngine {
    /// A per-position tap mixing M(n, l): entries [N, G, L], row-major M (entry t·K + p)
    /// when full, the diagonal when `diagonal`. Entries are the whole M (identity included).
    struct Mixing {
        let entries: UnsafePointer<Float>
        let diagonal: Bool
    }

    /// Runs `body(images, threadsForGEMM)` over contiguous chunks of the batch in parallel.
    static func forEachChunk(batch: Int, _ body: (Range<Int>, Int, Int?) -> Void) {
        let chunks = max(1, min(Parallel.threadCount, batch))
        let ranges = Parallel.ranges(batch, parts: chunks)
        let gemmThreads: Int? = ranges.count > 1 ? 1 : nil
        Parallel.forEach(ranges.count) { chunk in body(ranges[chunk], chunk, gemmThreads) }
    }

    /// Scalars of a group's column matrix [C·K, B·L] aimed at: about 1 MiB, so that the
    /// columns stay in L2 between im2col and the GEMM.
    static let groupColumnsTarget = 1 << 18

    /// Output positions from which one image alone makes a wide enough GEMM (≥ 8 column
    /// tiles): such images go one by one, straight into y and from dy, which saves the copies
    /// between the group matrices and the NCHW tensors (≈ 9 % of small-cnn's training time).
    static let wideImagePositions = 128

    /// B, the images per GEMM group for a chunk of `images` images.
    static func groupSize(_ g: ConvolutionGeometry, images: Int, mixing: Mixing?) -> Int {
        if mixing != nil || g.positions >= wideImagePositions { return 1 }
        return max(1, min(images, groupColumnsTarget / max(1, g.columnsSize)))
    }

    static func checkInput(_ input: Tensor, _ g: ConvolutionGeometry, _ layer: String) {
        precondition(input.rank == 4 && input.shape[1] == g.channels,
                     "\(layer) expects input [N, \(g.channels), H, W], got \(input.shape)")
    }

    static func geometry(for input: Tensor, channels: Int, kernel: Int, stride: Int, padding: Int,
                         layer: String) -> ConvolutionGeometry {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "\(layer) expects input [N, \(channels), H, W], got \(input.shape)")
        return ConvolutionGeometry(channels: channels, height: input.shape[2], width: input.shape[3],
                                   kernel: kernel, stride: stride, padding: padding)
    }

    // MARK: - Convolution (optionally with a per-position mixing)

    /// y[n] = W · mix(P[n]) + b.  input [N, C, H, W], weight [O, C·K], bias [O] → [N, O, H_out, W_out].
    static func forward(input: Tensor, weight: Tensor, bias: Tensor?, outputChannels: Int,
                        geometry g: ConvolutionGeometry, mixing: Mixing?) -> Tensor {
        let batch = input.shape[0]
        let rows = g.patchLength, positions = g.positions
        precondition(weight.count == outputChannels * rows,
                     "convolution weight \(weight.shape) does not match [\(outputChannels), \(g.channels), \(g.kernel), \(g.kernel)]")
        let outputShape = [batch, outputChannels, g.outputHeight, g.outputWidth]
        if batch == 0 || positions == 0 { return Tensor(shape: outputShape) }
        if usesDirect(g, mixing: mixing) {
            return directForward(input: input, weight: weight, bias: bias, outputChannels: outputChannels, geometry: g)
        }
        if let mixing, usesDiagonalMixedDirect(g, mixing: mixing) {
            return diagonalMixedForward(input: input, weight: weight, bias: bias, outputChannels: outputChannels,
                                        geometry: g, mixing: mixing)
        }
        let biasValues = bias?.scalars
        return input.withUnsafeBufferPointer { xBuffer in
            weight.withUnsafeBufferPointer { wBuffer in
                Tensor(shape: outputShape) { yBuffer in
                    let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!, y = yBuffer.baseAddress!
                    forEachChunk(batch: batch) { images, _, threads in
                        let group = groupSize(g, images: images.count, mixing: mixing)
                        let width = group * positions                    // T
                        let columns = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
                        let product = group > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: outputChannels * width) : nil
                        let mixed = mixing == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.columnsSize)
                        defer { columns.deallocate(); product?.deallocate(); mixed?.deallocate() }
                        for first in stride(from: images.lowerBound, to: images.upperBound, by: group) {
                            let count = min(group, images.upperBound - first)
                            for b in 0..<count {
                                Im2col.columns(of: x + (first + b) * g.imageSize, geometry: g,
                                               into: columns + b * positions, rowStride: width)
                            }
                            var patches = UnsafePointer(columns)
                            if let mixing, let mixed {
                                mix(columns, mixing: mixing.entries + first * mixingSize(mixing, g) * positions,
                                    diagonal: mixing.diagonal, into: mixed, channels: g.channels,
                                    taps: g.taps, positions: positions)
                                patches = UnsafePointer(mixed)
                            }
                            let yFirst = y + first * outputChannels * positions
                            // Y'[O, T] = W[O, C·K] · P'[C·K, T]   (B = 1: straight into y)
                            GEMM.multiply(m: outputChannels, n: count * positions, k: rows,
                                          a: w, lda: rows, b: patches, ldb: width,
                                          c: product ?? yFirst, ldc: width, threads: threads)
                            // y[first + b, o, l] = Y'[o, b·L + l] + bias[o]
                            for b in 0..<count {
                                for o in 0..<outputChannels {
                                    let plane = yFirst + (b * outputChannels + o) * positions
                                    if let product { plane.update(from: product + o * width + b * positions, count: positions) }
                                    if let biasValues {
                                        let value = biasValues[o]
                                        for l in 0..<positions { plane[l] += value }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backward of `forward`. ADDS dW into `weightGradient` [O, C·K] and db into
    /// `biasGradient` [O]; OVERWRITES `mixingGradient` [N, G, L] with dM; returns dx (all
    /// zeros, without the dP GEMM and col2im, when `computesInputGradient` is false and
    /// there is no mixing, whose dM needs dP').
    static func backward(input: Tensor, outputGradient: Tensor, weight: Tensor, outputChannels: Int,
                         geometry g: ConvolutionGeometry, mixing: Mixing?,
                         weightGradient: inout Tensor, biasGradient: UnsafeMutablePointer<Float>?,
                         mixingGradient: UnsafeMutablePointer<Float>?,
                         computesInputGradient: Bool = true) -> Tensor {
        let batch = input.shape[0]
        let rows = g.patchLength, positions = g.positions
        precondition(outputGradient.shape == [batch, outputChannels, g.outputHeight, g.outputWidth],
                     "convolution backward expects gradient [\(batch), \(outputChannels), \(g.outputHeight), \(g.outputWidth)], got \(outputGradient.shape)")
        precondition(mixing == nil || mixingGradient != nil, "a mixed convolution needs a mixing gradient buffer")
        if batch == 0 || positions == 0 { return Tensor(shape: input.shape) }
        if usesDirect(g, mixing: mixing) {
            return directBackward(input: input, outputGradient: outputGradient, weight: weight,
                                  outputChannels: outputChannels, geometry: g, weightGradient: &weightGradient,
                                  biasGradient: biasGradient, computesInputGradient: computesInputGradient)
        }
        if let mixing, let mixingGradient, usesDiagonalMixedDirect(g, mixing: mixing) {
            return diagonalMixedBackward(input: input, outputGradient: outputGradient, weight: weight,
                                         outputChannels: outputChannels, geometry: g, mixing: mixing,
                                         weightGradient: &weightGradient, biasGradient: biasGradient,
                                         mixingGradient: mixingGradient)
        }
        let chunks = max(1, min(Parallel.threadCount, batch))
        // Per-chunk partial dW (first chunk writes straight into weightGradient).
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: max(0, chunks - 1) * outputChannels * rows + 1)
        partials.update(repeating: 0, count: max(0, chunks - 1) * outputChannels * rows + 1)
        defer { partials.deallocate() }
        var biasPartials = [Float](repeating: 0, count: chunks * outputChannels)
        return input.withUnsafeBufferPointer { xBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                weight.withUnsafeBufferPointer { wBuffer in
                    weightGradient.withUnsafeMutableBufferPointer { dwBuffer in
                        biasPartials.withUnsafeMutableBufferPointer { dbBuffer in
                            Tensor(shape: input.shape) { dxBuffer in
                                let x = xBuffer.baseAddress!, dy = dyBuffer.baseAddress!, w = wBuffer.baseAddress!
                                let dx = dxBuffer.baseAddress!, dbAll = dbBuffer.baseAddress!
                                let dwMain = dwBuffer.baseAddress!
                                forEachChunk(batch: batch) { images, chunk, threads in
                                    let dw = chunk == 0 ? dwMain : partials + (chunk - 1) * outputChannels * rows
                                    let db = dbAll + chunk * outputChannels
                                    let group = groupSize(g, images: images.count, mixing: mixing)
                                    let width = group * positions                // T
                                    let columns = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
                                    let columnsGradient = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
                                    let gathered = group > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: outputChannels * width) : nil
                                    let mixed = mixing == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.columnsSize)
                                    let mixedGradient = mixing == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.columnsSize)
                                    defer {
                                        columns.deallocate(); columnsGradient.deallocate(); gathered?.deallocate()
                                        mixed?.deallocate(); mixedGradient?.deallocate()
                                    }
                                    (dx + images.lowerBound * g.imageSize).update(repeating: 0, count: images.count * g.imageSize)
                                    for first in stride(from: images.lowerBound, to: images.upperBound, by: group) {
                                        let count = min(group, images.upperBound - first)
                                        let dyFirst = dy + first * outputChannels * positions
                                        for b in 0..<count {
                                            Im2col.columns(of: x + (first + b) * g.imageSize, geometry: g,
                                                           into: columns + b * positions, rowStride: width)
                                        }
                                        var patches = UnsafePointer(columns)
                                        var mixingEntries: UnsafePointer<Float>? = nil
                                        if let mixing, let mixed {
                                            let entries = mixing.entries + first * mixingSize(mixing, g) * positions
                                            mix(columns, mixing: entries, diagonal: mixing.diagonal, into: mixed,
                                                channels: g.channels, taps: g.taps, positions: positions)
                                            patches = UnsafePointer(mixed)
                                            mixingEntries = entries
                                        }
                                        // dY'[o, b·L + l] = dy[first + b, o, l]   (B = 1: dy itself)
                                        if let gathered {
                                            for b in 0..<count {
                                                for o in 0..<outputChannels {
                                                    (gathered + o * width + b * positions)
                                                        .update(from: dyFirst + (b * outputChannels + o) * positions, count: positions)
                                                }
                                            }
                                        }
                                        let dYGroup = gathered.map { UnsafePointer($0) } ?? dyFirst
                                        // forward: Y' = W · P' + b  →  dW += dY' · P'ᵀ, db += Σ_l dY', dP' = Wᵀ · dY'
                                        GEMM.multiply(transposeB: true, m: outputChannels, n: rows, k: count * positions,
                                                      a: dYGroup, lda: width, b: patches, ldb: width,
                                                      beta: 1, c: dw, ldc: rows, threads: threads)
                                        if biasGradient != nil {
                                            for b in 0..<count {
                                                for o in 0..<outputChannels {
                                                    db[o] += Reductions.sum(dyFirst + (b * outputChannels + o) * positions,
                                                                            count: positions)
                                                }
                                            }
                                        }
                                        if !computesInputGradient && mixing == nil { continue }
                                        let dPatches = mixedGradient ?? columnsGradient
                                        GEMM.multiply(transposeA: true, m: rows, n: count * positions, k: outputChannels,
                                                      a: w, lda: rows, b: dYGroup, ldb: width,
                                                      c: dPatches, ldc: width, threads: threads)
                                        if let mixing, let mixingEntries, let mixedGradient, let mixingGradient {
                                            // forward: P' = mix(M, P)  →  dM, dP
                                            mixBackward(columns, mixing: mixingEntries, diagonal: mixing.diagonal,
                                                        outputGradient: mixedGradient, inputGradient: columnsGradient,
                                                        mixingGradient: mixingGradient + first * mixingSize(mixing, g) * positions,
                                                        channels: g.channels, taps: g.taps, positions: positions)
                                        }
                                        // forward: P = im2col(x)  →  dx += col2im(dP)
                                        if !computesInputGradient { continue }
                                        for b in 0..<count {
                                            Im2col.accumulateImage(columns: columnsGradient + b * positions, geometry: g,
                                                                   into: dx + (first + b) * g.imageSize, rowStride: width)
                                        }
                                    }
                                }
                                for chunk in 1..<max(1, chunks) {
                                    let partial = partials + (chunk - 1) * outputChannels * rows
                                    for i in 0..<(outputChannels * rows) { dwMain[i] += partial[i] }
                                }
                                if let biasGradient {
                                    for chunk in 0..<chunks {
                                        for o in 0..<outputChannels { biasGradient[o] += dbAll[chunk * outputChannels + o] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func mixingSize(_ mixing: Mixing, _ g: ConvolutionGeometry) -> Int {
        mixing.diagonal ? g.taps : g.taps * g.taps
    }
}
