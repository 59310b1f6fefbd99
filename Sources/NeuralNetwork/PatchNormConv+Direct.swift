import TensorCore

// PatchNormConv on `DirectConvolution` (stride 1, "same" padding, as in the meta-network):
// u = W ⋆ x from the padded image, the patch norms as a k×k window sum of Σ_c x², and in
// backward the norm's term as a window sum of e = (Σ_o dy·y)·r² times x. The im2col path
// in PatchNormConv.swift is its twin. With O ≤ 8 outputs (the meta-network's 8) the convolution
// and its weight gradient run on `NarrowDirectConvolution`'s tiles; dx stays on `DirectConvolution`.
//
// Legend: `C` input channels, `O` output channels, `L = H·W`, `P` a padded plane.

extension PatchNormConv {
    /// y [N, O, H, W] = u·r, r[l] = 1/√(Σ_(c,t) x² + ε); also returns r [N·L].
    func directForward(_ input: Tensor, geometry g: ConvolutionGeometry) -> (Tensor, [Float]) {
        let batch = input.shape[0], positions = g.positions, outC = outputChannels, epsilon = self.epsilon
        let direct = DirectConvolution(geometry: g, outputChannels: outC)
        // O ≤ 8: 4-row tiles (`NarrowDirectConvolution`), no row of a 6-row panel wasted
        let narrow = NarrowDirectConvolution.supports(g, outputChannels: outC)
            ? NarrowDirectConvolution(geometry: g, outputChannels: outC) : nil
        let packed = weight.value.withUnsafeBufferPointer { w in
            narrow?.packWeights(w.baseAddress!) ?? direct.packWeights(w.baseAddress!)
        }
        var inverseNorm = [Float](repeating: 0, count: batch * positions)
        let output = input.withUnsafeBufferPointer { xBuffer in
            packed.withUnsafeBufferPointer { wBuffer in
                inverseNorm.withUnsafeMutableBufferPointer { rBuffer in
                    Tensor(shape: [batch, outC, g.outputHeight, g.outputWidth]) { yBuffer in
                        let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!
                        let y = yBuffer.baseAddress!, rAll = rBuffer.baseAddress!
                        ConvolutionEngine.forEachChunk(batch: batch) { images, _, _ in
                            let padded = UnsafeMutablePointer<Float>.allocate(
                                capacity: narrow?.paddedCount(planes: g.channels) ?? direct.paddedCount(channels: g.channels))
                            let product = UnsafeMutablePointer<Float>.allocate(
                                capacity: narrow?.productCount() ?? direct.productCount(rows: outC))
                            let squares = UnsafeMutablePointer<Float>.allocate(
                                capacity: narrow?.paddedCount(planes: 1) ?? direct.paddedCount(channels: 1))
                            defer { padded.deallocate(); product.deallocate(); squares.deallocate() }
                            let plane = narrow?.planeStride ?? direct.paddedPlane
                            for n in images {
                                let yImage = y + n * outC * positions, r = rAll + n * positions
                                // u = W ⋆ x (padded keeps x padded)
                                if let narrow {
                                    narrow.pad(x + n * g.imageSize, planes: g.channels, into: padded)
                                    narrow.forward(padded: padded, packedWeights: w, output: yImage, product: product)
                                } else {
                                    direct.forward(image: x + n * g.imageSize, packedWeights: w, bias: nil,
                                                   output: yImage, padded: padded, product: product)
                                }
                                // r[l] = 1/√(Σ_t Σ_c xp²[c, off(t) + q(l)] + ε)  (one plane: the same layout in both)
                                squares.update(repeating: 0, count: plane)
                                for c in 0..<g.channels {
                                    let source = padded + c * plane
                                    for i in 0..<plane { squares[i] += source[i] * source[i] }
                                }
                                direct.windowSum(squares, into: r)
                                for l in 0..<positions { r[l] = 1 / (r[l] + epsilon).squareRoot() }
                                for o in 0..<outC {
                                    let outPlane = yImage + o * positions
                                    for l in 0..<positions { outPlane[l] *= r[l] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (output, inverseNorm)
    }

    /// Backward of `directForward`: ADDS dW into the weight's gradient, returns dx.
    func directBackward(_ outputGradient: Tensor, input: Tensor, output: Tensor, inverseNorm: [Float],
                        geometry g: ConvolutionGeometry) -> Tensor {
        let batch = input.shape[0], positions = g.positions, outC = outputChannels
        let direct = DirectConvolution(geometry: g, outputChannels: outC)
        let flipped = weight.value.withUnsafeBufferPointer { direct.packFlippedWeights($0.baseAddress!) }
        let chunks = max(1, min(Parallel.threadCount, batch))
        // O ≤ 8: the weight gradient in 8-column tiles (`NarrowDirectConvolution`)
        let narrow = NarrowDirectConvolution.supports(g, outputChannels: outC)
            ? NarrowDirectConvolution(geometry: g, outputChannels: outC) : nil
        let transposedSize = narrow?.transposedWeightGradientCount ?? direct.transposedWeightGradientCount
        var transposed = [Float](repeating: 0, count: chunks * transposedSize)
        let inputGradient = input.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeBufferPointer { yBuffer in
                outputGradient.withUnsafeBufferPointer { dyBuffer in
                    flipped.withUnsafeBufferPointer { wBuffer in
                        inverseNorm.withUnsafeBufferPointer { rBuffer in
                            transposed.withUnsafeMutableBufferPointer { dwBuffer in
                                Tensor(shape: input.shape) { dxBuffer in
                                    let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!, dy = dyBuffer.baseAddress!
                                    let wFlipped = wBuffer.baseAddress!, rAll = rBuffer.baseAddress!
                                    let dwAll = dwBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                                    ConvolutionEngine.forEachChunk(batch: batch) { images, chunk, _ in
                                        let padded = UnsafeMutablePointer<Float>.allocate(
                                            capacity: max(direct.paddedCount(channels: max(g.channels, outC)),
                                                          narrow?.paddedCount(planes: g.channels) ?? 0))
                                        let product = UnsafeMutablePointer<Float>.allocate(capacity: direct.productCount(rows: g.channels))
                                        let panelsCount = narrow?.panelCount ?? direct.gradientPanelsCount
                                        let panels = UnsafeMutableRawPointer.allocate(
                                            byteCount: panelsCount * MemoryLayout<Float>.stride, alignment: 64)
                                            .bindMemory(to: Float.self, capacity: panelsCount)
                                        let zeros = UnsafeMutablePointer<Float>.allocate(capacity: narrow?.span ?? 1)
                                        zeros.initialize(repeating: 0, count: narrow?.span ?? 1)
                                        let scaled = UnsafeMutablePointer<Float>.allocate(capacity: outC * positions)
                                        let projection = UnsafeMutablePointer<Float>.allocate(capacity: positions)
                                        let projectionPlane = UnsafeMutablePointer<Float>.allocate(capacity: direct.paddedCount(channels: 1))
                                        defer {
                                            padded.deallocate(); product.deallocate(); panels.deallocate()
                                            scaled.deallocate(); projection.deallocate(); projectionPlane.deallocate()
                                            zeros.deallocate()
                                        }
                                        for n in images {
                                            let xImage = x + n * g.imageSize, dxImage = dx + n * g.imageSize
                                            let yImage = y + n * outC * positions, dyImage = dy + n * outC * positions
                                            let r = rAll + n * positions
                                            // forward: y = u·r  →  du = dy·r,  e = (Σ_o dy·y)·r²
                                            Self.normGradient(outputGradient: dyImage, output: yImage, inverseNorm: r,
                                                              channels: outC, positions: positions,
                                                              scaled: scaled, projection: projection)
                                            // forward: u = W ⋆ x  →  dW += du ⋆ x, dx = W̃ ⋆ du
                                            if let narrow {
                                                narrow.pad(xImage, planes: g.channels, into: padded)
                                                narrow.accumulateWeightGradient(padded: padded, outputGradient: scaled,
                                                                                transposedGradient: dwAll + chunk * transposedSize,
                                                                                panel: panels, zeros: zeros)
                                            } else {
                                                direct.accumulateWeightGradient(image: xImage, outputGradient: scaled,
                                                                                transposedGradient: dwAll + chunk * transposedSize,
                                                                                padded: padded, panels: panels)
                                            }
                                            direct.inputGradient(outputGradient: scaled, flippedWeights: wFlipped,
                                                                 inputGradient: dxImage, padded: padded, product: product)
                                            // forward: r = (Σ_window x² + ε)^(−½)  →  dx[c, i] −= x[c, i] · Σ_window e
                                            direct.pad(projection, channels: 1, into: projectionPlane)
                                            direct.windowSum(projectionPlane, into: projection)
                                            for c in 0..<g.channels {
                                                let xPlane = xImage + c * positions, dxPlane = dxImage + c * positions
                                                for i in 0..<positions { dxPlane[i] -= xPlane[i] * projection[i] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.gradient.withUnsafeMutableBufferPointer { dw in
            transposed.withUnsafeBufferPointer { t in
                for chunk in 0..<chunks {
                    if let narrow {
                        narrow.addTransposedGradient(t.baseAddress! + chunk * transposedSize, into: dw.baseAddress!)
                    } else {
                        direct.addTransposedGradient(t.baseAddress! + chunk * transposedSize, into: dw.baseAddress!)
                    }
                }
            }
        }
        return inputGradient
    }
}
