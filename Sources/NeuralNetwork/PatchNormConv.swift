import TensorCore

/// A bias-free convolution whose output at each position is divided by the norm of the
/// input patch it saw (a cosine-like response; first layer of the meta-network):
///
///     u[o, l] = Σ_{c,t} w[o, c, t] · P[c·K + t, l]          (P = im2col(x), one image)
///     r[l]    = 1 / √(Σ_{c,t} P[c·K + t, l]² + ε)
///     y[o, l] = u[o, l] · r[l]
///
/// Legend: `C` input channels, `O` output channels, `K = k²`, `L = H_out·W_out`.
/// Shapes: x [N, C, H, W], W [O, C, k, k], y [N, O, H_out, W_out]. ε guards all-zero patches.
public final class PatchNormConv: Layer {
    public let weight: Parameter
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let epsilon: Float
    /// Kept by a training forward: the input, the output y and r [N, L].
    private var cachedInput: Tensor?
    private var cachedOutput: Tensor?
    private var cachedInverseNorm: [Float] = []

    /// Kaiming-normal weights, std √(2/(C·k²)). `padding` defaults to k/2.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, stride: Int = 1,
                padding: Int? = nil, epsilon: Float = 1e-4, name: String = "patchNormConv",
                generator: inout SeededGenerator) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && epsilon > 0,
                     "PatchNormConv needs positive sizes and ε, got \(inputChannels)→\(outputChannels) k=\(kernelSize) s=\(stride) ε=\(epsilon)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding ?? kernelSize / 2
        self.epsilon = epsilon
        let std = (2 / Float(inputChannels * kernelSize * kernelSize)).squareRoot()
        weight = Parameter(name: "\(name).weight",
                           value: .randomNormal(shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                                                standardDeviation: std, generator: &generator))
    }

    public var parameters: [Parameter] { [weight] }

    func geometry(for input: Tensor) -> ConvolutionGeometry {
        ConvolutionEngine.geometry(for: input, channels: inputChannels, kernel: kernelSize, stride: stride,
                                   padding: padding, layer: "PatchNormConv(\(inputChannels)→\(outputChannels), k=\(kernelSize))")
    }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        let g = geometry(for: input)
        if ConvolutionEngine.usesDirect(g, mixing: nil) {
            let (output, inverseNorm) = directForward(input, geometry: g)
            cachedInput = mode == .training ? input : nil
            cachedOutput = mode == .training ? output : nil
            cachedInverseNorm = mode == .training ? inverseNorm : []
            return output
        }
        let batch = input.shape[0], rows = g.patchLength, positions = g.positions, outC = outputChannels
        var output = Tensor(shape: [batch, outC, g.outputHeight, g.outputWidth])
        var inverseNorm = [Float](repeating: 0, count: batch * positions)
        let epsilon = self.epsilon
        input.withUnsafeBufferPointer { xBuffer in
            weight.value.withUnsafeBufferPointer { wBuffer in
                output.withUnsafeMutableBufferPointer { yBuffer in
                    inverseNorm.withUnsafeMutableBufferPointer { rBuffer in
                        let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!
                        let y = yBuffer.baseAddress!, rAll = rBuffer.baseAddress!
                        ConvolutionEngine.forEachChunk(batch: batch) { images, _, threads in
                            let columns = UnsafeMutablePointer<Float>.allocate(capacity: g.columnsSize)
                            defer { columns.deallocate() }
                            for n in images {
                                Im2col.columns(of: x + n * g.imageSize, geometry: g, into: columns)
                                let yImage = y + n * outC * positions, r = rAll + n * positions
                                // u[O, L] = W[O, C·K] · P[C·K, L]
                                GEMM.multiply(m: outC, n: positions, k: rows, a: w, lda: rows,
                                              b: columns, ldb: positions, c: yImage, ldc: positions, threads: threads)
                                // r[l] = 1/√(Σ P² + ε)
                                r.update(repeating: 0, count: positions)
                                for row in 0..<rows {
                                    let p = columns + row * positions
                                    for l in 0..<positions { r[l] += p[l] * p[l] }
                                }
                                for l in 0..<positions { r[l] = 1 / (r[l] + epsilon).squareRoot() }
                                for o in 0..<outC {
                                    let plane = yImage + o * positions
                                    for l in 0..<positions { plane[l] *= r[l] }
                                }
                            }
                        }
                    }
                }
            }
        }
        if mode == .training {
            cachedInput = input
            cachedOutput = output
            cachedInverseNorm = inverseNorm
        } else {
            cachedInput = nil
            cachedOutput = nil
        }
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput, let output = cachedOutput else {
            preconditionFailure("PatchNormConv.backward called without a training forward")
        }
        precondition(outputGradient.shape == output.shape,
                     "PatchNormConv.backward expects gradient \(output.shape), got \(outputGradient.shape)")
        let g = geometry(for: input)
        if ConvolutionEngine.usesDirect(g, mixing: nil) {
            return directBackward(outputGradient, input: input, output: output, inverseNorm: cachedInverseNorm, geometry: g)
        }
        let batch = input.shape[0], rows = g.patchLength, positions = g.positions, outC = outputChannels
        let chunks = max(1, min(Parallel.threadCount, batch))
        var partialGradients = [Float](repeating: 0, count: chunks * outC * rows)
        var inputGradient = Tensor(shape: input.shape)
        input.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeBufferPointer { yBuffer in
                outputGradient.withUnsafeBufferPointer { dyBuffer in
                    weight.value.withUnsafeBufferPointer { wBuffer in
                        cachedInverseNorm.withUnsafeBufferPointer { rBuffer in
                            partialGradients.withUnsafeMutableBufferPointer { dwBuffer in
                                inputGradient.withUnsafeMutableBufferPointer { dxBuffer in
                                    let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!, dy = dyBuffer.baseAddress!
                                    let w = wBuffer.baseAddress!, rAll = rBuffer.baseAddress!
                                    let dwAll = dwBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                                    ConvolutionEngine.forEachChunk(batch: batch) { images, chunk, threads in
                                        let dw = dwAll + chunk * outC * rows
                                        let columns = UnsafeMutablePointer<Float>.allocate(capacity: g.columnsSize)
                                        let columnsGradient = UnsafeMutablePointer<Float>.allocate(capacity: g.columnsSize)
                                        let scaled = UnsafeMutablePointer<Float>.allocate(capacity: outC * positions)
                                        let projection = UnsafeMutablePointer<Float>.allocate(capacity: positions)
                                        defer {
                                            columns.deallocate(); columnsGradient.deallocate()
                                            scaled.deallocate(); projection.deallocate()
                                        }
                                        for n in images {
                                            Im2col.columns(of: x + n * g.imageSize, geometry: g, into: columns)
                                            let yImage = y + n * outC * positions, dyImage = dy + n * outC * positions
                                            let r = rAll + n * positions
                                            // forward: y = u·r  →  du = dy·r;  r = (Σ P² + ε)^(−½)  →  dP −= (Σ_o dy·y)·r²·P
                                            Self.normGradient(outputGradient: dyImage, output: yImage, inverseNorm: r,
                                                              channels: outC, positions: positions,
                                                              scaled: scaled, projection: projection)
                                            // forward: u = W · P  →  dW += du · Pᵀ, dP = Wᵀ · du
                                            GEMM.multiply(transposeB: true, m: outC, n: rows, k: positions,
                                                          a: scaled, lda: positions, b: columns, ldb: positions,
                                                          beta: 1, c: dw, ldc: rows, threads: threads)
                                            GEMM.multiply(transposeA: true, m: rows, n: positions, k: outC,
                                                          a: w, lda: rows, b: scaled, ldb: positions,
                                                          c: columnsGradient, ldc: positions, threads: threads)
                                            for row in 0..<rows {
                                                let p = columns + row * positions, dp = columnsGradient + row * positions
                                                for l in 0..<positions { dp[l] -= projection[l] * p[l] }
                                            }
                                            Im2col.accumulateImage(columns: columnsGradient, geometry: g,
                                                                   into: dx + n * g.imageSize)
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
            for chunk in 0..<chunks {
                for i in 0..<(outC * rows) { dw[i] += partialGradients[chunk * outC * rows + i] }
            }
        }
        return inputGradient
    }

    /// forward: y = u·r  →  du = dy·r (`scaled` [O, L]), dr = Σ_o dy·u = Σ_o dy·y / r;
    /// forward: r = (Σ x² + ε)^(−½)  →  the patch's share e = dr·r³ = (Σ_o dy·y)·r² as `projection` [L]
    /// (both paths then subtract e·x from the patch gradient). One image; dy, y [O, L], r [L].
    static func normGradient(outputGradient dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             inverseNorm r: UnsafePointer<Float>, channels: Int, positions: Int,
                             scaled: UnsafeMutablePointer<Float>, projection: UnsafeMutablePointer<Float>) {
        projection.update(repeating: 0, count: positions)
        for o in 0..<channels {
            let dyPlane = dy + o * positions, yPlane = y + o * positions, duPlane = scaled + o * positions
            for l in 0..<positions {
                duPlane[l] = dyPlane[l] * r[l]
                projection[l] += dyPlane[l] * yPlane[l]
            }
        }
        for l in 0..<positions { projection[l] *= r[l] * r[l] }
    }
}
