import TensorCore

// The stride-1 "same" convolutions without a mixing (every plain and static-variant layer of
// nsn-lite, and the meta-network's), computed by `DirectConvolution` from a zero-padded
// copy of each image: no im2col, packing or col2im. The batch is split into one
// contiguous chunk per thread as in the im2col path; each chunk owns its scratch and its
// partial weight gradient.
//
// Legend: `N` batch, `C` input channels, `O` output channels, `K = k²` taps.

/// The switch between the two ways of computing a stride-1 "same" convolution, for
/// benchmarks that compare them in one binary (`simlab bench train --im2col`).
public enum ConvolutionKernels {
    /// true (default): `DirectConvolution`; false: im2col + GEMM for every shape.
    public static var usesDirectConvolution: Bool {
        get { ConvolutionEngine.usesDirectConvolution }
        set { ConvolutionEngine.usesDirectConvolution = newValue }
    }
}

extension ConvolutionEngine {
    /// Whether `forward`/`backward` use `DirectConvolution` where it applies. Off, every
    /// shape takes the im2col + GEMM path (its twin in tests and benchmarks).
    nonisolated(unsafe) static var usesDirectConvolution = true

    static func usesDirect(_ g: ConvolutionGeometry, mixing: Mixing?) -> Bool {
        usesDirectConvolution && mixing == nil && DirectConvolution.supports(g)
    }

    /// y = W ⋆ x + b.  input [N, C, H, W], weight [O, C·K], bias [O] → [N, O, H, W].
    static func directForward(input: Tensor, weight: Tensor, bias: Tensor?, outputChannels: Int,
                              geometry g: ConvolutionGeometry) -> Tensor {
        let batch = input.shape[0]
        let direct = DirectConvolution(geometry: g, outputChannels: outputChannels)
        let packed = weight.withUnsafeBufferPointer { direct.packWeights($0.baseAddress!) }
        let biasValues = bias?.scalars
        let outputSize = outputChannels * g.positions
        return input.withUnsafeBufferPointer { xBuffer in
            packed.withUnsafeBufferPointer { wBuffer in
                Tensor(shape: [batch, outputChannels, g.outputHeight, g.outputWidth]) { yBuffer in
                    let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!, y = yBuffer.baseAddress!
                    forEachChunk(batch: batch) { images, _, _ in
                        let padded = UnsafeMutablePointer<Float>.allocate(capacity: direct.paddedCount(channels: g.channels))
                        let product = UnsafeMutablePointer<Float>.allocate(capacity: direct.productCount(rows: outputChannels))
                        defer { padded.deallocate(); product.deallocate() }
                        (biasValues ?? []).withUnsafeBufferPointer { biasBuffer in
                            for n in images {
                                direct.forward(image: x + n * g.imageSize, packedWeights: w,
                                               bias: biasValues == nil ? nil : biasBuffer.baseAddress,
                                               output: y + n * outputSize, padded: padded, product: product)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backward of `directForward`: ADDS dW into `weightGradient` [O, C·K] and db into
    /// `biasGradient` [O]; returns dx (zeros when `computesInputGradient` is false).
    static func directBackward(input: Tensor, outputGradient: Tensor, weight: Tensor, outputChannels: Int,
                               geometry g: ConvolutionGeometry, weightGradient: inout Tensor,
                               biasGradient: UnsafeMutablePointer<Float>?, computesInputGradient: Bool) -> Tensor {
        let batch = input.shape[0]
        let direct = DirectConvolution(geometry: g, outputChannels: outputChannels)
        let flipped = computesInputGradient
            ? weight.withUnsafeBufferPointer { direct.packFlippedWeights($0.baseAddress!) } : [0]
        let chunks = max(1, min(Parallel.threadCount, batch))
        // Per-chunk dWᵀ (each zeroed, summed in chunk order at the end) and db.
        let transposedSize = direct.transposedWeightGradientCount
        let transposed = UnsafeMutablePointer<Float>.allocate(capacity: chunks * transposedSize)
        transposed.update(repeating: 0, count: chunks * transposedSize)
        defer { transposed.deallocate() }
        var biasPartials = [Float](repeating: 0, count: chunks * outputChannels)
        let outputSize = outputChannels * g.positions
        let dx = input.withUnsafeBufferPointer { xBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                flipped.withUnsafeBufferPointer { flippedBuffer in
                    biasPartials.withUnsafeMutableBufferPointer { dbBuffer in
                        Tensor(shape: input.shape) { dxBuffer in
                            let x = xBuffer.baseAddress!, dy = dyBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                            let wFlipped = flippedBuffer.baseAddress!, dbAll = dbBuffer.baseAddress!
                            if !computesInputGradient { dxBuffer.update(repeating: 0) }
                            forEachChunk(batch: batch) { images, chunk, _ in
                                let paddedCount = direct.paddedCount(channels: max(g.channels, outputChannels))
                                let padded = UnsafeMutablePointer<Float>.allocate(capacity: paddedCount)
                                let product = UnsafeMutablePointer<Float>.allocate(capacity: direct.productCount(rows: g.channels))
                                let panels = UnsafeMutableRawPointer.allocate(
                                    byteCount: direct.gradientPanelsCount * MemoryLayout<Float>.stride, alignment: 64)
                                    .bindMemory(to: Float.self, capacity: direct.gradientPanelsCount)
                                defer { padded.deallocate(); product.deallocate(); panels.deallocate() }
                                let dwT = transposed + chunk * transposedSize
                                let db = dbAll + chunk * outputChannels
                                for n in images {
                                    let dyImage = dy + n * outputSize
                                    // forward: y = W ⋆ x + b  →  dW += dy ⋆ x, db += Σ dy, dx = W̃ ⋆ dy
                                    direct.accumulateWeightGradient(image: x + n * g.imageSize, outputGradient: dyImage,
                                                                    transposedGradient: dwT, padded: padded, panels: panels)
                                    if biasGradient != nil {
                                        for o in 0..<outputChannels {
                                            db[o] += Reductions.sum(dyImage + o * g.positions, count: g.positions)
                                        }
                                    }
                                    if computesInputGradient {
                                        direct.inputGradient(outputGradient: dyImage, flippedWeights: wFlipped,
                                                             inputGradient: dx + n * g.imageSize,
                                                             padded: padded, product: product)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weightGradient.withUnsafeMutableBufferPointer { dw in
            for chunk in 0..<chunks {
                direct.addTransposedGradient(transposed + chunk * transposedSize, into: dw.baseAddress!)
            }
        }
        if let biasGradient {
            for chunk in 0..<chunks {
                for o in 0..<outputChannels { biasGradient[o] += biasPartials[chunk * outputChannels + o] }
            }
        }
        return dx
    }
}
