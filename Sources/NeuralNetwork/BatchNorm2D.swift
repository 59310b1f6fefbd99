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
///
/// Every pass runs over whole images (work items of C contiguous planes, so it streams
/// through memory and splits evenly over threads); sums over the batch are then taken per
/// channel in image order, in Double, so results do not depend on the thread count. The
/// batch statistics take one memory pass: each plane's sum and squared deviation from its
/// own mean (two passes over a plane in L1), merged exactly per channel (`mergedMoments`).
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
    /// Kept by a training forward: the input x [N, C, H, W] (x̂, and when rectifying the
    /// output's sign — the ReLU's mask — are recomputed from it, which saves writing and
    /// reading full-size tensors) and per channel μ, 1/√(σ² + ε), γ and β [C].
    private var cachedInput: Tensor?
    private var cachedAffine: [BatchNormKernels.Affine] = []

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
        let batch = input.shape[0], channels = channels
        let spatial = input.shape.dropFirst(2).reduce(1, *)
        let samples = batch * spatial
        let gammaValues = gamma.value.scalars, betaValues = beta.value.scalars
        let rectifies = rectifiesOutput
        if mode == .inference {
            let mean = runningMean.value.scalars, variance = runningVariance.value.scalars
            let scales = (0..<channels).map { gammaValues[$0] / (variance[$0] + epsilon).squareRoot() }
            let shifts = (0..<channels).map { betaValues[$0] - mean[$0] * scales[$0] }
            cachedInput = nil
            // Every element is written below: no zero-fill first.
            return input.withUnsafeBufferPointer { xBuffer in
                Tensor(shape: input.shape) { yBuffer in
                    let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!
                    Parallel.forEach(batch) { n in
                        for c in 0..<channels {
                            let offset = (n * channels + c) * spatial
                            let scale = scales[c], shift = shifts[c]
                            for i in 0..<spatial { y[offset + i] = x[offset + i] * scale + shift }
                            if rectifies { Self.rectify(y + offset, count: spatial) }
                        }
                    }
                }
            }
        }
        precondition(samples > 1, "BatchNorm2D training needs more than one value per channel, got input \(input.shape)")
        // Pass 1, per plane (n, c): Σ x, its own mean m and Σ (x − m)²  [N·C] each.
        var planeSums = [Float](repeating: 0, count: batch * channels)
        var planeShifts = planeSums, planeSquares = planeSums
        input.withUnsafeBufferPointer { xBuffer in
            planeSums.withUnsafeMutableBufferPointer { sums in
                planeShifts.withUnsafeMutableBufferPointer { shifts in
                    planeSquares.withUnsafeMutableBufferPointer { squares in
                        let x = xBuffer.baseAddress!
                        Parallel.forEach(batch) { n in
                            for plane in n * channels..<(n + 1) * channels {
                                (sums[plane], shifts[plane], squares[plane])
                                    = BatchNormKernels.planeMoments(x + plane * spatial, count: spatial)
                            }
                        }
                    }
                }
            }
        }
        var affine: [BatchNormKernels.Affine] = []
        affine.reserveCapacity(channels)
        let unbiased = Float(samples) / Float(samples - 1)
        for c in 0..<channels {
            let (mean, variance) = Self.mergedMoments(channel: c, channels: channels, batch: batch, spatial: spatial,
                                                      sums: planeSums, shifts: planeShifts, squares: planeSquares)
            affine.append(.init(mean: mean, inverseStd: 1 / (variance + epsilon).squareRoot(),
                                gamma: gammaValues[c], beta: betaValues[c]))
            runningMean.value.scalars[c] = (1 - momentum) * runningMean.value.scalars[c] + momentum * mean
            runningVariance.value.scalars[c] = (1 - momentum) * runningVariance.value.scalars[c]
                + momentum * variance * unbiased
        }
        // Pass 2: y = γ·x̂ + β (rectified), written element by element: no zero-fill first.
        let output = input.withUnsafeBufferPointer { xBuffer in
            Tensor(shape: input.shape) { yBuffer in
                let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!
                Parallel.forEach(batch) { n in
                    for c in 0..<channels {
                        let offset = (n * channels + c) * spatial
                        BatchNormKernels.normalize(x + offset, into: y + offset, count: spatial, affine[c], rectifies: rectifies)
                    }
                }
            }
        }
        cachedInput = input
        cachedAffine = affine
        return output
    }

    /// The batch mean and biased variance of channel c from its planes' moments (sum s_p,
    /// shift m_p, q_p = Σ (x − m_p)² over `spatial` values each), in Double, in image order:
    ///     μ = Σ s_p / S,   Σ (x − μ)² = Σ_p [q_p + 2·(m_p − μ)·(s_p − spatial·m_p) + spatial·(m_p − μ)²]
    /// (exact for any m_p; the middle term is the rounding of m_p).
    static func mergedMoments(channel c: Int, channels: Int, batch: Int, spatial: Int,
                              sums: [Float], shifts: [Float], squares: [Float]) -> (mean: Float, variance: Float) {
        let samples = Double(batch * spatial), count = Double(spatial)
        var total: Double = 0
        for n in 0..<batch { total += Double(sums[n * channels + c]) }
        let mean = total / samples
        var deviations: Double = 0
        for n in 0..<batch {
            let plane = n * channels + c
            let shift = Double(shifts[plane]), offset = shift - mean
            deviations += Double(squares[plane]) + 2 * offset * (Double(sums[plane]) - count * shift) + count * offset * offset
        }
        return (Float(mean), Float(max(deviations, 0) / samples))
    }

    /// y = max(y, 0) in place (NaN → 0, like ReLU).
    @inline(__always)
    private static func rectify(_ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = y[i] > 0 ? y[i] : 0 }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput else {
            preconditionFailure("BatchNorm2D.backward called without a training forward")
        }
        precondition(outputGradient.shape == input.shape,
                     "BatchNorm2D.backward expects gradient \(input.shape), got \(outputGradient.shape)")
        let batch = input.shape[0], channels = channels
        let spatial = input.shape.dropFirst(2).reduce(1, *)
        let samples = Float(batch * spatial)
        let affine = cachedAffine, rectifies = rectifiesOutput
        // rectifying: forward z = max(y, 0)  →  dy_eff = dz · [y > 0]
        // forward: y = γ·x̂ + β, x̂ = (x − μ)·r  →  dγ = Σ dy·x̂ = r·Σ dy·(x − μ), dβ = Σ dy
        // Pass 1, per plane: (Σ dy_eff, Σ dy_eff·(x − μ))  [N·C] each.
        var planePlain = [Float](repeating: 0, count: batch * channels)
        var planeCentred = planePlain
        outputGradient.withUnsafeBufferPointer { dyBuffer in
            input.withUnsafeBufferPointer { xBuffer in
                planePlain.withUnsafeMutableBufferPointer { plain in
                    planeCentred.withUnsafeMutableBufferPointer { centred in
                        let dy = dyBuffer.baseAddress!, x = xBuffer.baseAddress!
                        Parallel.forEach(batch) { n in
                            for c in 0..<channels {
                                let plane = n * channels + c, offset = plane * spatial
                                (plain[plane], centred[plane]) = BatchNormKernels.gradientSums(
                                    dy + offset, x + offset, count: spatial, affine[c], rectifies: rectifies)
                            }
                        }
                    }
                }
            }
        }
        // Per channel, in image order: the sums, dγ, dβ, and dx's constants:
        // forward: x̂ = (x − μ)/√(σ² + ε) with batch μ, σ²  →
        // dx = γ/√(σ² + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂))
        var scales = [Float](repeating: 0, count: channels)
        var meanDys = scales, hatScales = scales
        for c in 0..<channels {
            var sumDy: Double = 0, sumDyCentred: Double = 0
            for n in 0..<batch {
                sumDy += Double(planePlain[n * channels + c])
                sumDyCentred += Double(planeCentred[n * channels + c])
            }
            let inverse = affine[c].inverseStd
            let sumDyHat = sumDyCentred * Double(inverse)
            gamma.gradient.scalars[c] += Float(sumDyHat)
            beta.gradient.scalars[c] += Float(sumDy)
            scales[c] = affine[c].gamma * inverse
            meanDys[c] = Float(sumDy) / samples
            hatScales[c] = inverse * Float(sumDyHat) / samples   // r · mean(dy·x̂)
        }
        // Pass 2: dx, written element by element: no zero-fill first.
        return outputGradient.withUnsafeBufferPointer { dyBuffer in
            input.withUnsafeBufferPointer { xBuffer in
                Tensor(shape: input.shape) { dxBuffer in
                    let dy = dyBuffer.baseAddress!, x = xBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                    Parallel.forEach(batch) { n in
                        for c in 0..<channels {
                            let offset = (n * channels + c) * spatial
                            BatchNormKernels.inputGradient(dy + offset, x + offset, into: dx + offset, count: spatial,
                                                           affine[c], rectifies: rectifies, scale: scales[c],
                                                           meanDy: meanDys[c], hatScale: hatScales[c])
                        }
                    }
                }
            }
        }
    }
}
