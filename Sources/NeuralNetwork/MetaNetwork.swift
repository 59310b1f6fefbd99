import TensorCore

/// The meta-network g of a dynamic similarity convolution: for every sample and output
/// position, the entries of that position's mixing M − I.
///
///     PatchNormConv(C → h, k×k, the main conv's stride and padding) → BN → ReLU (one layer)
///     → Conv2D(h → G, 3×3, stride 1, padding 1, no bias) → BN (γ initialised to `initialScale`)
///
/// The first convolution uses the main convolution's k, stride and padding, so it sees
/// exactly the patches x(i,j) whose norm it divides by and its output has the main
/// convolution's resolution; the 3×3 "same" second convolution keeps it.
/// Legend: `C` input channels, `h` hidden channels, `G` outputs per position (K or K²).
/// Shapes: x [N, C, H, W] → g [N, G, H_out, W_out].
public final class MetaNetwork: Layer {
    public let patchNormConv: PatchNormConv
    public let hiddenNorm: BatchNorm2D
    public let projection: Conv2D
    /// The last BatchNorm; its γ sets the scale of g (tiny at start so M ≈ I).
    public let outputNorm: BatchNorm2D
    public let hiddenChannels: Int
    public let outputChannels: Int
    private let body: Sequential

    public init(inputChannels: Int, hiddenChannels: Int, outputChannels: Int, kernelSize: Int,
                stride: Int, padding: Int, initialScale: Float = 1e-3, name: String = "meta",
                generator: inout SeededGenerator) {
        precondition(hiddenChannels > 0 && outputChannels > 0,
                     "MetaNetwork needs positive widths, got hidden \(hiddenChannels), output \(outputChannels)")
        self.hiddenChannels = hiddenChannels
        self.outputChannels = outputChannels
        patchNormConv = PatchNormConv(inputChannels: inputChannels, outputChannels: hiddenChannels,
                                      kernelSize: kernelSize, stride: stride, padding: padding,
                                      name: "\(name).patchNormConv", generator: &generator)
        hiddenNorm = BatchNorm2D(channels: hiddenChannels, name: "\(name).hiddenNorm", rectifiesOutput: true)
        projection = Conv2D(inputChannels: hiddenChannels, outputChannels: outputChannels, kernelSize: 3,
                            stride: 1, padding: 1, bias: false, name: "\(name).projection", generator: &generator)
        outputNorm = BatchNorm2D(channels: outputChannels, name: "\(name).outputNorm")
        outputNorm.gamma.value = Tensor(shape: [outputChannels], repeating: initialScale)
        body = Sequential([patchNormConv, hiddenNorm, projection, outputNorm])   // hiddenNorm: BN-ReLU
    }

    public var parameters: [Parameter] { body.parameters }
    public var buffers: [Parameter] { body.buffers }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        body.forward(input, mode: mode)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let projectionGradient = outputNorm.backward(outputGradient)
        // The projection's dx has h ≤ 8 rows: `NarrowDirectConvolution`'s 4-row tiles, the
        // transposed convolution computed as a "same" convolution of dz with the flipped kernel.
        let g = ConvolutionGeometry(channels: outputChannels, height: projectionGradient.shape[2],
                                    width: projectionGradient.shape[3], kernel: 3, stride: 1, padding: 1)
        let narrow = ConvolutionEngine.usesDirectConvolution
            && NarrowDirectConvolution.supports(g, outputChannels: hiddenChannels)
        projection.computesInputGradient = !narrow
        var hiddenGradient = projection.backward(projectionGradient)
        if narrow { hiddenGradient = projectionInputGradient(projectionGradient, geometry: g) }
        return patchNormConv.backward(hiddenNorm.backward(hiddenGradient))
    }

    /// dh [N, h, H, W] of z = V ⋆ h (V [G, h, 3, 3], "same"): dh = Ṽ ⋆ dz with Ṽ[c, o, t] = V[o, c, 8 − t].
    /// g: the geometry of dz (G channels).
    private func projectionInputGradient(_ dz: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        let batch = dz.shape[0], hidden = hiddenChannels, outC = outputChannels, taps = g.taps
        let narrow = NarrowDirectConvolution(geometry: g, outputChannels: hidden)
        let flipped = projection.weight.value.withUnsafeBufferPointer { v in
            (0..<hidden * outC * taps).map { i -> Float in
                let c = i / (outC * taps), o = i / taps % outC, t = i % taps
                return v[(o * hidden + c) * taps + taps - 1 - t]
            }
        }
        let packed = flipped.withUnsafeBufferPointer { narrow.packWeights($0.baseAddress!) }
        let imageSize = g.imageSize, outputSize = hidden * g.positions
        return dz.withUnsafeBufferPointer { dzBuffer in
            packed.withUnsafeBufferPointer { wBuffer in
                Tensor(shape: [batch, hidden, g.height, g.width]) { dhBuffer in
                    let dzBase = dzBuffer.baseAddress!, w = wBuffer.baseAddress!, dh = dhBuffer.baseAddress!
                    ConvolutionEngine.forEachChunk(batch: batch) { images, _, _ in
                        let padded = UnsafeMutablePointer<Float>.allocate(capacity: narrow.paddedCount(planes: outC))
                        let product = UnsafeMutablePointer<Float>.allocate(capacity: narrow.productCount())
                        defer { padded.deallocate(); product.deallocate() }
                        for n in images {
                            narrow.pad(dzBase + n * imageSize, planes: outC, into: padded)
                            narrow.forward(padded: padded, packedWeights: w, output: dh + n * outputSize, product: product)
                        }
                    }
                }
            }
        }
    }
}
