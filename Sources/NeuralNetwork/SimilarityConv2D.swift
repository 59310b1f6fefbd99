import TensorCore

/// Neural-similarity convolution: the inner product wᵀx becomes the bilinear form wᵀMx,
///
///     y_o(i,j) = b_o + Σ_c w_{o,c}ᵀ · M · x_c(i,j)
///
/// with one M ∈ R^{K×K} per layer shared by all channels (static variants) or one per
/// sample and output position produced by a meta-network g (dynamic variants); see
/// `SimilarityVariant`.
///
/// Legend: `N` batch, `C` input channels, `O` output channels, `k` kernel size, `K = k²`
/// taps, `L = H_out·W_out`, `G` mixing entries per position (K diagonal, K² full).
/// Shapes: x [N, C, H, W], W [O, C, k, k], b [O], y [N, O, H_out, W_out];
/// static M [K, K] (full, row-major, entry t·K + p) or m [K] (diag).
///
/// Computation:
/// - static: fold once per call, W_eff[o, c, p] = Σ_t W[o, c, t]·M[t, p] (y = wᵀMx = (Mᵀw)ᵀx),
///   then a plain convolution; backward unfolds dW_eff into dW = dW_eff·Mᵀ, dM = Wᵀ·dW_eff.
/// - dynamic: mix the im2col patches per position, P'[c·K + t, l] = Σ_p M_l[t, p]·P[c·K + p, l],
///   then Y = W·P'; backward dM_l[t, p] = Σ_c dP'[c·K + t, l]·P[c·K + p, l], dP = M_lᵀ·dP',
///   and dg = dM flows back through g into the input (x feeds both paths).
///
/// Kernel shape (`KernelShape`): with a mask d [K] the layer uses M_shaped = M·D, D = diag(d)
/// (static: W_eff = W·M·D, a zero column per inactive tap; dynamic: M_l·D per position).
/// Backward: forward M' = M·D (column p scaled by d_p) → dM = dM'·D, dd_p = Σ dM'[·, p]·M[·, p];
/// a learned mask passes dd to its scores through the straight-through estimator.
/// `full` skips all of this, so an unshaped layer computes exactly what it did before.
public final class SimilarityConv2D: Layer {
    public let variant: SimilarityVariant
    public let weight: Parameter
    /// nil when built with `bias: false` (e.g. before a BatchNorm).
    public let bias: Parameter?
    /// static-full: M [K, K] initialised to I; static-diag: m [K] initialised to ones; else nil.
    /// No weight decay (static-full has its own penalty, `applyMixingPenalty`).
    public let mixing: Parameter?
    /// The meta-network g of the dynamic variants (nil otherwise).
    public let metaNetwork: MetaNetwork?
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let name: String
    /// Dynamic variants: the whole M (identity included) of the last forward, either mode:
    /// [N, K, H_out, W_out] (diag, the entries 1 + g) or [N, K², H_out, W_out] (full, I + g,
    /// entry t·K + p). nil for static variants and before the first forward.
    public private(set) var lastDynamicMixing: Tensor?
    /// Which taps exist (`KernelShape`): full (no mask), a fixed cross, or learned top-N.
    public let tapShape: KernelShape
    /// learned:N only: the scores s [K] whose top N taps are on. No weight decay.
    public let shapeScores: Parameter?
    /// Gradient checks only: forward with the relaxed mask d = σ(s) instead of top_N(s), so
    /// the estimator's backward is the exact gradient of the forward.
    public var relaxesShape = false
    /// Per tap: how often its hard mask value changed between training forwards since the
    /// last `takeTapFlips()` (all zero for fixed shapes).
    public private(set) var tapFlips: [Int]
    private var lastTrainingMask: [Float]?

    /// Kept by a training forward: the input (static: also the folded weight).
    private var cachedInput: Tensor?
    private var cachedEffectiveWeight: Tensor?
    /// Kept by a training forward of a shaped layer: the mask d [K] it used, and M before the
    /// mask (static: W·M [O, C, k, k]; dynamic: the entries of M [N, G, H_out, W_out]).
    private var cachedMask: [Float]?
    private var cachedUnshaped: Tensor?

    /// - Parameters:
    ///   - padding: defaults to k/2 ("same" at stride 1).
    ///   - metaHiddenChannels: width h of the meta-network (dynamic variants).
    ///   - metaInitialScale: initial γ of the meta-network's last BatchNorm (M ≈ I at start).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, stride: Int = 1,
                padding: Int? = nil, variant: SimilarityVariant, bias: Bool = true,
                metaHiddenChannels: Int = 8, metaInitialScale: Float = 1e-3, shape: KernelShape = .full,
                name: String = "similarity", generator: inout SeededGenerator) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0,
                     "SimilarityConv2D needs positive sizes, got \(inputChannels)→\(outputChannels) k=\(kernelSize) s=\(stride)")
        self.variant = variant
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding ?? kernelSize / 2
        self.name = name
        precondition(self.padding >= 0, "SimilarityConv2D padding must be ≥ 0, got \(self.padding)")
        let taps = kernelSize * kernelSize
        let std = (2 / Float(inputChannels * taps)).squareRoot()
        weight = Parameter(name: "\(name).weight",
                           value: .randomNormal(shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                                                standardDeviation: std, generator: &generator))
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(shape: [outputChannels]), decays: false) : nil
        switch variant {
        case .staticFull:
            var identity = Tensor(shape: [taps, taps])
            for t in 0..<taps { identity.scalars[t * taps + t] = 1 }
            mixing = Parameter(name: "\(name).mixing", value: identity, decays: false)
        case .staticDiag:
            mixing = Parameter(name: "\(name).mixing", value: Tensor(shape: [taps], repeating: 1), decays: false)
        default:
            mixing = nil
        }
        if variant.isDynamic {
            metaNetwork = MetaNetwork(inputChannels: inputChannels, hiddenChannels: metaHiddenChannels,
                                      outputChannels: variant.isDiagonal ? taps : taps * taps,
                                      kernelSize: kernelSize, stride: stride, padding: self.padding,
                                      initialScale: metaInitialScale, name: "\(name).meta", generator: &generator)
        } else {
            metaNetwork = nil
        }
        tapShape = shape
        tapFlips = [Int](repeating: 0, count: taps)
        if case .learned(let active) = shape {
            precondition(active >= 1 && active <= taps,
                         "SimilarityConv2D \(name): learned kernel shape needs 1...\(taps) active taps, got \(active)")
            // Small random scores: the first top-N is a random shape. Drawn from a derived
            // stream, so the layer's other parameters are those of the unshaped layer.
            var scoreGenerator = generator.derived(0x5C0E5)
            shapeScores = Parameter(name: "\(name).shapeScores",
                                    value: .randomNormal(shape: [taps], standardDeviation: 0.01, generator: &scoreGenerator),
                                    decays: false)
        } else {
            shapeScores = nil
        }
    }

    /// K = k².
    public var taps: Int { kernelSize * kernelSize }
    /// G: entries of M per position for the dynamic variants (K diag, K² full).
    public var mixingEntriesPerPosition: Int { variant.isDiagonal ? taps : taps * taps }

    public var parameters: [Parameter] {
        [weight] + (bias.map { [$0] } ?? []) + (mixing.map { [$0] } ?? []) + (metaNetwork?.parameters ?? [])
            + (shapeScores.map { [$0] } ?? [])
    }

    public var buffers: [Parameter] { metaNetwork?.buffers ?? [] }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - kernelSize) / stride + 1, (width + 2 * padding - kernelSize) / stride + 1)
    }

    func geometry(for input: Tensor) -> ConvolutionGeometry {
        ConvolutionEngine.geometry(for: input, channels: inputChannels, kernel: kernelSize, stride: stride,
                                   padding: padding,
                                   layer: "SimilarityConv2D[\(variant.rawValue)](\(inputChannels)→\(outputChannels), k=\(kernelSize))")
    }

    // MARK: - Forward / backward

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        let g = geometry(for: input)
        cachedInput = mode == .training ? input : nil
        let mask = forwardMask(mode: mode)
        cachedMask = mode == .training ? mask : nil
        guard let metaNetwork else {
            let unshaped = unshapedEffectiveWeight()
            let effective = mask.map { Self.scaleColumns(unshaped, by: $0) } ?? unshaped
            cachedEffectiveWeight = mode == .training ? effective : nil
            cachedUnshaped = mode == .training && mask != nil ? unshaped : nil
            return ConvolutionEngine.forward(input: input, weight: effective, bias: bias?.value,
                                             outputChannels: outputChannels, geometry: g, mixing: nil)
        }
        var mixingEntries = SectionTimer.measure("meta-network.forward") { metaNetwork.forward(input, mode: mode) }
        let entries = mixingEntriesPerPosition
        precondition(mixingEntries.shape == [input.shape[0], entries, g.outputHeight, g.outputWidth],
                     "meta-network output \(mixingEntries.shape) does not match [N, \(entries), \(g.outputHeight), \(g.outputWidth)] for \(g)")
        // M = I + g (full: identity entries t·K + t; diag: every entry)
        let positions = g.positions, taps = self.taps, diagonal = variant.isDiagonal
        mixingEntries.withUnsafeMutableBufferPointer { m in
            for n in 0..<input.shape[0] {
                for t in 0..<taps {
                    let entry = diagonal ? t : t * taps + t
                    let plane = m.baseAddress! + (n * entries + entry) * positions
                    for l in 0..<positions { plane[l] += 1 }
                }
            }
        }
        if let mask {
            // M' = M·D: entry (t, p) of every position scaled by d_p (diag: entry t by d_t).
            cachedUnshaped = mode == .training ? mixingEntries : nil
            scaleDynamicEntries(&mixingEntries, by: mask, batch: input.shape[0], positions: positions)
        } else {
            cachedUnshaped = nil
        }
        lastDynamicMixing = mixingEntries
        return mixingEntries.withUnsafeBufferPointer { m in
            ConvolutionEngine.forward(input: input, weight: weight.value, bias: bias?.value,
                                      outputChannels: outputChannels, geometry: g,
                                      mixing: .init(entries: m.baseAddress!, diagonal: diagonal))
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput else {
            preconditionFailure("SimilarityConv2D[\(variant.rawValue)].backward called without a training forward")
        }
        let g = geometry(for: input)
        if let metaNetwork {
            return dynamicBackward(outputGradient, input: input, geometry: g, metaNetwork: metaNetwork)
        }
        guard let effective = cachedEffectiveWeight else {
            preconditionFailure("SimilarityConv2D.backward: no folded weight kept by the forward")
        }
        if variant == .conv && cachedMask == nil {
            return convolutionBackward(outputGradient, input: input, geometry: g, weight: effective,
                                       weightGradient: &weight.gradient)
        }
        // forward: W_eff = W·M·D (per o, c), Y = W_eff ⋆ x + b
        var effectiveGradient = Tensor(shape: weight.value.shape)
        let inputGradient = convolutionBackward(outputGradient, input: input, geometry: g, weight: effective,
                                                weightGradient: &effectiveGradient)
        if let mask = cachedMask, let unshaped = cachedUnshaped {
            // forward: W_eff[oc, p] = (W·M)[oc, p]·d_p  →  dd_p = Σ_oc dW_eff·(W·M), d(W·M) = dW_eff·d_p
            accumulateMaskGradient(columnGradients(effectiveGradient, values: unshaped, taps: taps))
            effectiveGradient = Self.scaleColumns(effectiveGradient, by: mask)
        }
        if variant == .conv {
            weight.gradient.withUnsafeMutableBufferPointer { dw in
                effectiveGradient.withUnsafeBufferPointer { dEff in
                    for i in 0..<dw.count { dw[i] += dEff[i] }
                }
            }
        } else {
            unfoldGradient(effectiveGradient)
        }
        return inputGradient
    }

    private func convolutionBackward(_ outputGradient: Tensor, input: Tensor, geometry g: ConvolutionGeometry,
                                     weight: Tensor, weightGradient: inout Tensor) -> Tensor {
        if let bias {
            return bias.gradient.withUnsafeMutableBufferPointer { db in
                ConvolutionEngine.backward(input: input, outputGradient: outputGradient, weight: weight,
                                           outputChannels: outputChannels, geometry: g, mixing: nil,
                                           weightGradient: &weightGradient, biasGradient: db.baseAddress!,
                                           mixingGradient: nil)
            }
        }
        return ConvolutionEngine.backward(input: input, outputGradient: outputGradient, weight: weight,
                                          outputChannels: outputChannels, geometry: g, mixing: nil,
                                          weightGradient: &weightGradient, biasGradient: nil, mixingGradient: nil)
    }

    /// forward: W_eff[oc, p] = Σ_t W[oc, t]·M[t, p]  →  dW += dW_eff·Mᵀ, dM += Wᵀ·dW_eff
    /// (diag: W_eff[oc, p] = W[oc, p]·m[p]  →  dW[oc, p] += dW_eff[oc, p]·m[p], dm[p] += Σ_oc W·dW_eff).
    private func unfoldGradient(_ effectiveGradient: Tensor) {
        guard let mixing else { return }
        let rows = outputChannels * inputChannels, taps = self.taps
        effectiveGradient.withUnsafeBufferPointer { dEff in
            weight.value.withUnsafeBufferPointer { w in
                mixing.value.withUnsafeBufferPointer { m in
                    weight.gradient.withUnsafeMutableBufferPointer { dw in
                        mixing.gradient.withUnsafeMutableBufferPointer { dm in
                            if variant.isDiagonal {
                                for row in 0..<rows {
                                    for p in 0..<taps {
                                        let i = row * taps + p
                                        dw[i] += dEff[i] * m[p]
                                        dm[p] += w[i] * dEff[i]
                                    }
                                }
                            } else {
                                GEMM.multiply(transposeB: true, m: rows, n: taps, k: taps,
                                              a: dEff.baseAddress!, lda: taps, b: m.baseAddress!, ldb: taps,
                                              beta: 1, c: dw.baseAddress!, ldc: taps)
                                GEMM.multiply(transposeA: true, m: taps, n: taps, k: rows,
                                              a: w.baseAddress!, lda: taps, b: dEff.baseAddress!, ldb: taps,
                                              beta: 1, c: dm.baseAddress!, ldc: taps)
                            }
                        }
                    }
                }
            }
        }
    }

    private func dynamicBackward(_ outputGradient: Tensor, input: Tensor, geometry g: ConvolutionGeometry,
                                 metaNetwork: MetaNetwork) -> Tensor {
        guard let mixingEntries = lastDynamicMixing, mixingEntries.shape[0] == input.shape[0] else {
            preconditionFailure("SimilarityConv2D[\(variant.rawValue)].backward: no mixing kept by the forward")
        }
        // forward: Y = W·mix(M, P) + b, M = I + g(x)  →  dW, db, dM (= dg), dx (main path)
        var mixingGradient = Tensor(shape: mixingEntries.shape)
        var inputGradient = mixingEntries.withUnsafeBufferPointer { m in
            mixingGradient.withUnsafeMutableBufferPointer { dm in
                let mixing = ConvolutionEngine.Mixing(entries: m.baseAddress!, diagonal: variant.isDiagonal)
                if let bias {
                    return bias.gradient.withUnsafeMutableBufferPointer { db in
                        ConvolutionEngine.backward(input: input, outputGradient: outputGradient, weight: weight.value,
                                                   outputChannels: outputChannels, geometry: g, mixing: mixing,
                                                   weightGradient: &weight.gradient, biasGradient: db.baseAddress!,
                                                   mixingGradient: dm.baseAddress!)
                    }
                }
                return ConvolutionEngine.backward(input: input, outputGradient: outputGradient, weight: weight.value,
                                                  outputChannels: outputChannels, geometry: g, mixing: mixing,
                                                  weightGradient: &weight.gradient, biasGradient: nil,
                                                  mixingGradient: dm.baseAddress!)
            }
        }
        if let mask = cachedMask, let unshaped = cachedUnshaped {
            // forward: M'[n, (t, p), l] = M[n, (t, p), l]·d_p  →  dd_p = Σ dM'·M, dM = dM'·d_p
            accumulateMaskGradient(dynamicColumnGradients(mixingGradient, values: unshaped))
            scaleDynamicEntries(&mixingGradient, by: mask, batch: input.shape[0], positions: g.positions)
        }
        // forward: g = meta(x)  →  dx += meta.backward(dg)
        let metaInputGradient = SectionTimer.measure("meta-network.backward") { metaNetwork.backward(mixingGradient) }
        inputGradient.withUnsafeMutableBufferPointer { dx in
            metaInputGradient.withUnsafeBufferPointer { dxMeta in
                for i in 0..<dx.count { dx[i] += dxMeta[i] }
            }
        }
        return inputGradient
    }

    // MARK: - Static M: folding, penalty, shapes

    /// W_eff = W·M·D as [O, C, k, k] for conv and static variants with the hard mask
    /// (conv and full shape: W itself).
    func effectiveWeight() -> Tensor {
        let unshaped = unshapedEffectiveWeight()
        return tapShape == .full ? unshaped : Self.scaleColumns(unshaped, by: tapMask)
    }

    /// W·M, before the kernel shape's mask.
    func unshapedEffectiveWeight() -> Tensor {
        guard let mixing else { return weight.value }
        return Self.fold(weight: weight.value, mixing: variant.isDiagonal ? diagonalMatrix(mixing.value) : mixing.value)
    }

    /// W_eff[o, c, p] = Σ_t W[o, c, t]·M[t, p]. weight [O, C, k, k], mixing [K, K].
    static func fold(weight: Tensor, mixing: Tensor) -> Tensor {
        let taps = mixing.shape[0], rows = weight.count / taps
        precondition(mixing.shape == [taps, taps] && weight.count == rows * taps,
                     "fold: weight \(weight.shape) does not match mixing \(mixing.shape)")
        var output = Tensor(shape: weight.shape)
        weight.withUnsafeBufferPointer { w in
            mixing.withUnsafeBufferPointer { m in
                output.withUnsafeMutableBufferPointer { y in
                    GEMM.multiply(m: rows, n: taps, k: taps, a: w.baseAddress!, lda: taps,
                                  b: m.baseAddress!, ldb: taps, c: y.baseAddress!, ldc: taps)
                }
            }
        }
        return output
    }

    private func diagonalMatrix(_ diagonal: Tensor) -> Tensor {
        let taps = diagonal.count
        var matrix = Tensor(shape: [taps, taps])
        for t in 0..<taps { matrix.scalars[t * taps + t] = diagonal.scalars[t] }
        return matrix
    }

    /// M as a K×K matrix: the learned one (static), diag(m) (static-diag), I (conv); for the
    /// dynamic variants the mean of M over the samples and positions of the last forward
    /// (I before any forward).
    /// With a kernel shape, M·D with the hard mask (the dynamic mean is of M_l·D already).
    public var mixingMatrix: Tensor {
        let taps = self.taps
        func shaped(_ matrix: Tensor) -> Tensor {
            tapShape == .full ? matrix : Self.scaleColumns(matrix, by: tapMask)
        }
        if let mixing {
            return shaped(variant.isDiagonal ? diagonalMatrix(mixing.value) : mixing.value)
        }
        var identity = Tensor(shape: [taps, taps])
        for t in 0..<taps { identity.scalars[t * taps + t] = 1 }
        guard variant.isDynamic, let perSample = dynamicMixingPerSample() else { return shaped(identity) }
        let batch = perSample.shape[0], entries = perSample.shape[1]
        var mean = [Double](repeating: 0, count: entries)
        for n in 0..<batch {
            for e in 0..<entries { mean[e] += Double(perSample.scalars[n * entries + e]) }
        }
        let average = mean.map { Float($0 / Double(max(1, batch))) }
        return variant.isDiagonal ? diagonalMatrix(Tensor(shape: [taps], scalars: average))
                                  : Tensor(shape: [taps, taps], scalars: average)
    }

    /// The diagonal of `mixingMatrix` as a k×k map (the learned kernel shape).
    public var kernelShape: Tensor {
        let matrix = mixingMatrix, taps = self.taps
        return Tensor(shape: [kernelSize, kernelSize], scalars: (0..<taps).map { matrix.scalars[$0 * taps + $0] })
    }

    /// The effective kernels W·M [O, C, k, k] (dynamic variants: with the mean M of `mixingMatrix`).
    public func effectiveKernels() -> Tensor {
        Self.fold(weight: weight.value, mixing: mixingMatrix)
    }

    /// Dynamic variants: the last forward's M averaged over positions, [N, G]; nil otherwise.
    public func dynamicMixingPerSample() -> Tensor? {
        guard let mixing = lastDynamicMixing else { return nil }
        let batch = mixing.shape[0], entries = mixing.shape[1], positions = mixing.shape[2] * mixing.shape[3]
        var output = Tensor(shape: [batch, entries])
        mixing.withUnsafeBufferPointer { m in
            for plane in 0..<(batch * entries) {
                var sum: Float = 0
                for l in 0..<positions { sum += m[plane * positions + l] }
                output.scalars[plane] = sum / Float(positions)
            }
        }
        return output
    }

    /// For inference: a plain Conv2D with W_eff = W·M and the same bias (conv and static variants).
    public func folded() -> Conv2D {
        precondition(!variant.isDynamic, "folded(): \(variant.rawValue) has a per-position M and cannot fold into one kernel")
        var generator = SeededGenerator(seed: 0)
        let conv = Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                          stride: stride, padding: padding, bias: bias != nil, name: name, generator: &generator)
        conv.weight.value = effectiveWeight()
        if let bias, let convBias = conv.bias { convBias.value = bias.value }
        return conv
    }

    /// The L2 penalty on a static-full M: returns coefficient·‖M − T‖²/2 and ADDS its
    /// gradient coefficient·(M − T) into M's gradient, with T = 0 (the reference code) or
    /// T = I (`towardIdentity`). Other variants: returns 0 and adds nothing.
    @discardableResult
    public func applyMixingPenalty(coefficient: Float = 5e-3, towardIdentity: Bool = false) -> Float {
        guard variant == .staticFull, let mixing else { return 0 }
        let taps = self.taps
        var sum: Float = 0
        for i in 0..<mixing.value.count {
            let target: Float = towardIdentity && i / taps == i % taps ? 1 : 0
            let difference = mixing.value.scalars[i] - target
            sum += difference * difference
            mixing.gradient.scalars[i] += coefficient * difference
        }
        return coefficient * sum / 2
    }

    // MARK: - Kernel shape (Boolean mask D)

    /// The hard mask d [K] (1 = tap on): ones for `full`, the cross, or top_N(s).
    public var tapMask: [Float] {
        switch tapShape {
        case .full, .cross:
            return tapShape.fixedMask(kernelSize: kernelSize)!
        case .learned(let active):
            return KernelShape.topMask(scores: shapeScores!.value.scalars, count: active)
        }
    }

    /// Returns the flips counted since the last call and starts counting afresh.
    public func takeTapFlips() -> [Int] {
        defer { tapFlips = [Int](repeating: 0, count: taps) }
        return tapFlips
    }

    /// The mask a forward applies (nil for `full`): hard, or σ(s) when `relaxesShape`.
    /// A training forward of a learned shape counts the taps whose hard value changed.
    private func forwardMask(mode: ForwardMode) -> [Float]? {
        guard tapShape != .full else { return nil }
        let hard = tapMask
        if mode == .training, shapeScores != nil {
            if let last = lastTrainingMask {
                for t in 0..<taps where last[t] != hard[t] { tapFlips[t] += 1 }
            }
            lastTrainingMask = hard
        }
        if relaxesShape, let shapeScores { return shapeScores.value.scalars.map(KernelShape.sigmoid) }
        return hard
    }

    /// Straight-through estimator: ds_t += dd_t·σ(s_t)(1 − σ(s_t)) (fixed shapes: dropped).
    private func accumulateMaskGradient(_ maskGradient: [Double]) {
        guard let shapeScores else { return }
        for t in 0..<taps {
            let sigma = KernelShape.sigmoid(shapeScores.value.scalars[t])
            shapeScores.gradient.scalars[t] += Float(maskGradient[t]) * sigma * (1 - sigma)
        }
    }

    /// Column p of a [rows, K] tensor (any shape ending in K entries per row) times d_p.
    static func scaleColumns(_ tensor: Tensor, by mask: [Float]) -> Tensor {
        let taps = mask.count
        precondition(tensor.count % taps == 0, "scaleColumns: \(tensor.shape) is not rows of \(taps) taps")
        var output = tensor
        output.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] *= mask[i % taps] }
        }
        return output
    }

    /// dd_p = Σ_rows gradient[row, p]·values[row, p] for [rows, K] tensors.
    private func columnGradients(_ gradient: Tensor, values: Tensor, taps: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: taps)
        for i in 0..<gradient.count { sums[i % taps] += Double(gradient.scalars[i]) * Double(values.scalars[i]) }
        return sums
    }

    /// The tap p that mixing entry e multiplies (diag: e itself; full: e = t·K + p).
    private func maskedTap(ofEntry entry: Int) -> Int { variant.isDiagonal ? entry : entry % taps }

    /// Scales every plane (n, e) of [N, G, H_out, W_out] dynamic entries by d of its tap.
    private func scaleDynamicEntries(_ entries: inout Tensor, by mask: [Float], batch: Int, positions: Int) {
        let count = mixingEntriesPerPosition
        entries.withUnsafeMutableBufferPointer { m in
            for n in 0..<batch {
                for e in 0..<count {
                    let scale = mask[maskedTap(ofEntry: e)]
                    let plane = m.baseAddress! + (n * count + e) * positions
                    for l in 0..<positions { plane[l] *= scale }
                }
            }
        }
    }

    /// dd_p = Σ_{n, e of tap p, l} dM'[n, e, l]·M[n, e, l] over [N, G, H_out, W_out] entries.
    private func dynamicColumnGradients(_ gradient: Tensor, values: Tensor) -> [Double] {
        let count = mixingEntriesPerPosition, batch = gradient.shape[0]
        let positions = gradient.count / max(1, batch * count)
        var sums = [Double](repeating: 0, count: taps)
        gradient.withUnsafeBufferPointer { dm in
            values.withUnsafeBufferPointer { m in
                for n in 0..<batch {
                    for e in 0..<count {
                        let base = (n * count + e) * positions
                        var sum: Double = 0
                        for l in 0..<positions { sum += Double(dm[base + l]) * Double(m[base + l]) }
                        sums[maskedTap(ofEntry: e)] += sum
                    }
                }
            }
        }
        return sums
    }
}
