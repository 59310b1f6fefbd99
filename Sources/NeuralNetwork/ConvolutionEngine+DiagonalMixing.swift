import TensorCore

// The batch drivers of `DiagonalMixedConvolution` (stride-1 "same" convolutions with a
// per-position diagonal mixing: dynamic-diag). The batch is split into one contiguous chunk
// per thread as elsewhere; each chunk owns its scratch and its partial dWᵀ, summed in chunk
// order at the end. The im2col path (`mix` + GEMM) is the twin.
//
// Legend: `N` batch, `C` input channels, `O` output channels, `K = k²` taps, `L = H·W`.

extension ConvolutionEngine {
    static func usesDiagonalMixedDirect(_ g: ConvolutionGeometry, mixing: Mixing?) -> Bool {
        usesDirectConvolution && mixing?.diagonal == true && DiagonalMixedConvolution.supports(g)
    }

    /// y[n] = Σ_t m_t ⊙ (W_t ⋆ x[n]) + b.  input [N, C, H, W], weight [O, C·K], mixing [N, K, L].
    static func diagonalMixedForward(input: Tensor, weight: Tensor, bias: Tensor?, outputChannels: Int,
                                     geometry g: ConvolutionGeometry, mixing: Mixing) -> Tensor {
        let batch = input.shape[0], taps = g.taps, positions = g.positions
        let kernel = DiagonalMixedConvolution(geometry: g, outputChannels: outputChannels)
        let packed = weight.withUnsafeBufferPointer { kernel.packWeights($0.baseAddress!) }
        let biasValues = bias?.scalars ?? []
        let outputSize = outputChannels * positions
        return input.withUnsafeBufferPointer { xBuffer in
            packed.withUnsafeBufferPointer { wBuffer in
                biasValues.withUnsafeBufferPointer { biasBuffer in
                    Tensor(shape: [batch, outputChannels, g.outputHeight, g.outputWidth]) { yBuffer in
                        let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!, y = yBuffer.baseAddress!
                        let biasPointer = bias == nil ? nil : biasBuffer.baseAddress
                        forEachChunk(batch: batch) { images, _, _ in
                            let paddedInput = UnsafeMutablePointer<Float>.allocate(capacity: kernel.paddedCount(planes: g.channels))
                            let paddedMixing = UnsafeMutablePointer<Float>.allocate(capacity: kernel.paddedCount(planes: taps))
                            let product = UnsafeMutablePointer<Float>.allocate(capacity: kernel.productCount(rows: outputChannels))
                            defer { paddedInput.deallocate(); paddedMixing.deallocate(); product.deallocate() }
                            for n in images {
                                kernel.forward(image: x + n * g.imageSize, mixing: mixing.entries + n * taps * positions,
                                               packedWeights: w, bias: biasPointer, output: y + n * outputSize,
                                               paddedInput: paddedInput, paddedMixing: paddedMixing, product: product)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backward of `diagonalMixedForward`: ADDS dW into `weightGradient` [O, C·K] and db into
    /// `biasGradient` [O]; OVERWRITES `mixingGradient` [N, K, L]; returns dx.
    static func diagonalMixedBackward(input: Tensor, outputGradient: Tensor, weight: Tensor, outputChannels: Int,
                                      geometry g: ConvolutionGeometry, mixing: Mixing,
                                      weightGradient: inout Tensor, biasGradient: UnsafeMutablePointer<Float>?,
                                      mixingGradient: UnsafeMutablePointer<Float>) -> Tensor {
        let batch = input.shape[0], taps = g.taps, positions = g.positions, channels = g.channels
        let kernel = DiagonalMixedConvolution(geometry: g, outputChannels: outputChannels)
        let flipped = weight.withUnsafeBufferPointer { kernel.packFlippedWeights($0.baseAddress!) }
        let chunks = max(1, min(Parallel.threadCount, batch))
        let transposedSize = kernel.transposedWeightGradientCount
        let transposed = UnsafeMutablePointer<Float>.allocate(capacity: chunks * transposedSize)
        transposed.update(repeating: 0, count: chunks * transposedSize)
        defer { transposed.deallocate() }
        var biasPartials = [Float](repeating: 0, count: chunks * outputChannels)
        let outputSize = outputChannels * positions
        let columnPanels = (outputChannels + DiagonalMixedConvolution.tileColumns - 1) / DiagonalMixedConvolution.tileColumns
        let dx = input.withUnsafeBufferPointer { xBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                flipped.withUnsafeBufferPointer { flippedBuffer in
                    biasPartials.withUnsafeMutableBufferPointer { dbBuffer in
                        Tensor(shape: input.shape) { dxBuffer in
                            let x = xBuffer.baseAddress!, dy = dyBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                            let wFlipped = flippedBuffer.baseAddress!, dbAll = dbBuffer.baseAddress!
                            forEachChunk(batch: batch) { images, chunk, _ in
                                let paddedInput = UnsafeMutablePointer<Float>.allocate(capacity: kernel.paddedCount(planes: channels))
                                let paddedGradient = UnsafeMutablePointer<Float>.allocate(capacity: kernel.paddedCount(planes: outputChannels))
                                let paddedMixing = UnsafeMutablePointer<Float>.allocate(capacity: kernel.paddedCount(planes: taps))
                                let paddedMixingGradient = UnsafeMutablePointer<Float>.allocate(capacity: kernel.paddedCount(planes: taps))
                                let product = UnsafeMutablePointer<Float>.allocate(capacity: kernel.productCount(rows: channels))
                                let panels = UnsafeMutablePointer<Float>.allocate(capacity: (columnPanels + 1) * kernel.panelCount)
                                let zeros = UnsafeMutablePointer<Float>.allocate(capacity: kernel.spanRounded)
                                zeros.initialize(repeating: 0, count: kernel.spanRounded)
                                defer {
                                    paddedInput.deallocate(); paddedGradient.deallocate(); paddedMixing.deallocate()
                                    paddedMixingGradient.deallocate(); product.deallocate(); panels.deallocate()
                                    zeros.deallocate()
                                }
                                let dwT = transposed + chunk * transposedSize, db = dbAll + chunk * outputChannels
                                for n in images {
                                    let dyImage = dy + n * outputSize
                                    let mixingOffset = n * taps * positions
                                    // forward: y = Σ_t m_t ⊙ (W_t ⋆ x) + b  →  dx, dm, then dW (same padded x, m)
                                    kernel.inputAndMixingGradient(
                                        image: x + n * g.imageSize, mixing: mixing.entries + mixingOffset,
                                        outputGradient: dyImage, flippedWeights: wFlipped,
                                        inputGradient: dx + n * g.imageSize, mixingGradient: mixingGradient + mixingOffset,
                                        paddedInput: paddedInput, paddedGradient: paddedGradient,
                                        paddedMixing: paddedMixing, paddedMixingGradient: paddedMixingGradient,
                                        product: product, zeros: zeros)
                                    kernel.accumulateWeightGradient(outputGradient: dyImage, paddedInput: paddedInput,
                                                                    paddedMixing: paddedMixing, transposedGradient: dwT,
                                                                    panels: panels, zeros: zeros)
                                    if biasGradient != nil {
                                        for o in 0..<outputChannels {
                                            db[o] += Reductions.sum(dyImage + o * positions, count: positions)
                                        }
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
                kernel.addTransposedGradient(transposed + chunk * transposedSize, into: dw.baseAddress!)
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
