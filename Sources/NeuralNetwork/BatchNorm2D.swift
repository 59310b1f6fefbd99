import TensorCore

/// Batch normalisation over the channels of [N, C, H, W] (also [N, C]: H·W = 1).
///
///     training:  μ_c, σ²_c = mean and biased variance over (N, H, W)
///                x̂ = (x − μ_c) / √(σ²_c + ε),  y = γ_c · x̂ + β_c
///                running ← (1 − momentum)·running + momentum·batch   (variance unbiased, ×S/(S−1))
///     inference: the same with the running mean and variance.
///     rectifying: y = max(γ_c · x̂ + β_c, 0)   (BatchNorm then ReLU in one pass, NaN → 0)
///
/// Legend: `S = N·H·W` samples per channel. γ, β: Parameters [C] without weight decay.
/// Running statistics are buffers [C] (saved with the model, never trained).
public final class BatchNorm2D: Layer {
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    /// Whether a ReLU follows inside this layer (`rectifying` above): the same values and
    /// gradients as BatchNorm2D then ReLU, without the ReLU's full-size output and passes.
    public let rectifiesOutput: Bool
    /// Kept by a training forward: the input x [N, C, H, W] (x̂ is recomputed from it, which
    /// saves writing a second full-size tensor), μ and 1/√(σ² + ε) [C], and when rectifying
    /// the output y (its sign is the ReLU's mask).
    private var cachedInput: Tensor?
    private var cachedOutput: Tensor?
    private var cachedMean: [Float] = []
    private var cachedInverseStd: [Float] = []

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, name: String = "bn",
                rectifiesOutput: Bool = false) {
        precondition(channels > 0, "BatchNorm2D needs a positive channel count, got \(channels)")
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        self.rectifiesOutput = rectifiesOutput
        gamma = Parameter(name: "\(name).gamma", value: Tensor(shape: [channels], repeating: 1), decays: false)
        beta = Parameter(name: "\(name).beta", value: Tensor(shape: [channels]), decays: false)
        runningMean = Parameter(name: "\(name).runningMean", value: Tensor(shape: [channels]), decays: false)
        runningVariance = Parameter(name: "\(name).runningVariance",
                                    value: Tensor(shape: [channels], repeating: 1), decays: false)
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == channels,
                     "BatchNorm2D(\(channels)) expects input [N, \(channels), …], got \(input.shape)")
        let batch = input.shape[0]
        let spatial = input.shape.dropFirst(2).reduce(1, *)
        let samples = batch * spatial
        let gammaValues = gamma.value.scalars, betaValues = beta.value.scalars
        let rectifies = rectifiesOutput
        if mode == .inference {
            let mean = runningMean.value.scalars, variance = runningVariance.value.scalars
            // Every element is written below: no zero-fill first.
            let output = input.withUnsafeBufferPointer { xBuffer in
                Tensor(shape: input.shape) { yBuffer in
                    let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!
                    for c in 0..<channels {
                        let scale = gammaValues[c] / (variance[c] + epsilon).squareRoot()
                        let shift = betaValues[c] - mean[c] * scale
                        for n in 0..<batch {
                            let offset = (n * channels + c) * spatial
                            for i in 0..<spatial { y[offset + i] = x[offset + i] * scale + shift }
                            if rectifies { rectify(y + offset, count: spatial) }
                        }
                    }
                }
            }
            cachedInput = nil
            cachedOutput = nil
            return output
        }
        precondition(samples > 1, "BatchNorm2D training needs more than one value per channel, got input \(input.shape)")
        var means = [Float](repeating: 0, count: channels)
        var variances = [Float](repeating: 0, count: channels)
        var inverseStd = [Float](repeating: 0, count: channels)
        // y is written element by element below: no zero-fill first.
        let output = input.withUnsafeBufferPointer { xBuffer in
            Tensor(shape: input.shape) { yBuffer in
                    means.withUnsafeMutableBufferPointer { meanBuffer in
                        variances.withUnsafeMutableBufferPointer { varianceBuffer in
                            inverseStd.withUnsafeMutableBufferPointer { inverseBuffer in
                                let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!
                                let meanOut = meanBuffer.baseAddress!, varianceOut = varianceBuffer.baseAddress!
                                let inverseOut = inverseBuffer.baseAddress!
                                Parallel.forEach(channels) { c in
                                    var sum: Double = 0
                                    for n in 0..<batch {
                                        sum += Double(Reductions.sum(x + (n * channels + c) * spatial, count: spatial))
                                    }
                                    let mean = Float(sum / Double(samples))
                                    var squares: Double = 0
                                    for n in 0..<batch {
                                        squares += Double(Reductions.squaredDeviation(
                                            x + (n * channels + c) * spatial, count: spatial, from: mean))
                                    }
                                    let variance = Float(squares / Double(samples))
                                    let inverse = 1 / (variance + epsilon).squareRoot()
                                    let g = gammaValues[c], b = betaValues[c]
                                    for n in 0..<batch {
                                        let offset = (n * channels + c) * spatial
                                        for i in 0..<spatial {
                                            let h = (x[offset + i] - mean) * inverse
                                            y[offset + i] = g * h + b
                                        }
                                        if rectifies { rectify(y + offset, count: spatial) }
                                    }
                                    meanOut[c] = mean
                                    varianceOut[c] = variance
                                    inverseOut[c] = inverse
                                }
                            }
                        }
                    }
            }
        }
        let unbiased = Float(samples) / Float(samples - 1)
        for c in 0..<channels {
            runningMean.value.scalars[c] = (1 - momentum) * runningMean.value.scalars[c] + momentum * means[c]
            runningVariance.value.scalars[c] = (1 - momentum) * runningVariance.value.scalars[c]
                + momentum * variances[c] * unbiased
        }
        cachedInput = input
        cachedOutput = rectifies ? output : nil
        cachedMean = means
        cachedInverseStd = inverseStd
        return output
    }

    /// y = max(y, 0) in place (NaN → 0, like ReLU).
    @inline(__always)
    private func rectify(_ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = y[i] > 0 ? y[i] : 0 }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput else {
            preconditionFailure("BatchNorm2D.backward called without a training forward")
        }
        precondition(outputGradient.shape == input.shape,
                     "BatchNorm2D.backward expects gradient \(input.shape), got \(outputGradient.shape)")
        precondition(!rectifiesOutput || cachedOutput?.shape == input.shape,
                     "BatchNorm2D.backward (rectifying) has no cached output for input \(input.shape)")
        let batch = input.shape[0]
        let spatial = input.shape.dropFirst(2).reduce(1, *)
        let samples = Float(batch * spatial)
        let gammaValues = gamma.value.scalars, inverseStd = cachedInverseStd, means = cachedMean
        var gammaGradient = [Float](repeating: 0, count: channels)
        var betaGradient = [Float](repeating: 0, count: channels)
        let mask = rectifiesOutput ? cachedOutput : nil
        // dx is written element by element below: no zero-fill first.
        let inputGradient = outputGradient.withUnsafeBufferPointer { dyBuffer in
            input.withUnsafeBufferPointer { xBuffer in
                (mask ?? input).withUnsafeBufferPointer { maskBuffer in
                    Tensor(shape: input.shape) { dxBuffer in
                        gammaGradient.withUnsafeMutableBufferPointer { dgBuffer in
                            betaGradient.withUnsafeMutableBufferPointer { dbBuffer in
                                let dy = dyBuffer.baseAddress!, x = xBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                                let y = mask == nil ? nil : maskBuffer.baseAddress!
                                let dgOut = dgBuffer.baseAddress!, dbOut = dbBuffer.baseAddress!
                                Parallel.forEach(channels) { c in
                                    // rectifying: forward z = max(y, 0)  →  dy_eff = dz · [z > 0]
                                    // forward: y = γ·x̂ + β, x̂ = (x − μ)·r  →  dγ = Σ dy·x̂ = r·Σ dy·(x − μ), dβ = Σ dy
                                    let mean = means[c], inverse = inverseStd[c]
                                    var sumDy: Double = 0, sumDyCentred: Double = 0
                                    for n in 0..<batch {
                                        let offset = (n * channels + c) * spatial
                                        let (plainSum, centredSum) = Reductions.gradientSums(
                                            dy + offset, x + offset, shift: mean, mask: y.map { $0 + offset }, count: spatial)
                                        sumDy += Double(plainSum)
                                        sumDyCentred += Double(centredSum)
                                    }
                                    let sumDyHat = sumDyCentred * Double(inverse)
                                    dgOut[c] = Float(sumDyHat)
                                    dbOut[c] = Float(sumDy)
                                    // forward: x̂ = (x − μ)/√(σ² + ε) with batch μ, σ²  →
                                    // dx = γ/√(σ² + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂))
                                    let scale = gammaValues[c] * inverse
                                    let meanDy = Float(sumDy) / samples
                                    let hatScale = inverse * Float(sumDyHat) / samples   // r · mean(dy·x̂)
                                    for n in 0..<batch {
                                        let offset = (n * channels + c) * spatial
                                        if let y {
                                            for i in 0..<spatial {
                                                let d = y[offset + i] > 0 ? dy[offset + i] : 0
                                                dx[offset + i] = scale * (d - meanDy - (x[offset + i] - mean) * hatScale)
                                            }
                                        } else {
                                            for i in 0..<spatial {
                                                dx[offset + i] = scale * (dy[offset + i] - meanDy - (x[offset + i] - mean) * hatScale)
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
        for c in 0..<channels {
            gamma.gradient.scalars[c] += gammaGradient[c]
            beta.gradient.scalars[c] += betaGradient[c]
        }
        return inputGradient
    }
}
