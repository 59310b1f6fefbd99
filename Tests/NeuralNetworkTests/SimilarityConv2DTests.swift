import XCTest
import TensorCore
@testable import NeuralNetwork

final class SimilarityConv2DTests: XCTestCase {
    func makeLayer(_ variant: SimilarityVariant, inC: Int = 2, outC: Int = 3, kernel: Int = 3,
                   stride: Int = 1, padding: Int? = nil, hidden: Int = 4, seed: UInt64 = 1,
                   metaScale: Float = 1e-3, bias: Bool = true, shape: KernelShape = .full) -> SimilarityConv2D {
        var generator = SeededGenerator(seed: seed)
        let layer = SimilarityConv2D(inputChannels: inC, outputChannels: outC, kernelSize: kernel, stride: stride,
                                     padding: padding, variant: variant, bias: bias, metaHiddenChannels: hidden,
                                     metaInitialScale: metaScale, shape: shape, name: "sim", generator: &generator)
        layer.bias?.value = .randomNormal(shape: [outC], generator: &generator)
        return layer
    }

    /// The mixing M broadcast to every sample and position, [N, K², H_out, W_out].
    func broadcast(_ matrix: Tensor, batch: Int, height: Int, width: Int) -> Tensor {
        let entries = matrix.count, positions = height * width
        var output = Tensor(shape: [batch, entries, height, width])
        for n in 0..<batch {
            for e in 0..<entries {
                for l in 0..<positions { output.scalars[(n * entries + e) * positions + l] = matrix.scalars[e] }
            }
        }
        return output
    }

    /// [N, K, H, W] diagonal entries → [N, K², H, W] full matrices.
    private func diagonalToFull(_ diagonal: Tensor) -> Tensor {
        let (batch, taps, height, width) = (diagonal.shape[0], diagonal.shape[1], diagonal.shape[2], diagonal.shape[3])
        var output = Tensor(shape: [batch, taps * taps, height, width])
        for n in 0..<batch {
            for t in 0..<taps {
                for i in 0..<height {
                    for j in 0..<width { output[n, t * taps + t, i, j] = diagonal[n, t, i, j] }
                }
            }
        }
        return output
    }

    func testVariantNamesAreTheCommandLineNames() {
        XCTAssertEqual(SimilarityVariant.allCases.map(\.rawValue),
                       ["conv", "static-full", "static-diag", "dynamic-full", "dynamic-diag"])
        XCTAssertEqual(SimilarityVariant(rawValue: "dynamic-diag"), .dynamicDiag)
    }

    func testInitialStaticMixingEqualsPlainConvolution() {
        var generator = SeededGenerator(seed: 21)
        let input = Tensor.randomNormal(shape: [2, 2, 6, 5], generator: &generator)
        for variant in [SimilarityVariant.conv, .staticFull, .staticDiag] {
            for (kernel, stride) in [(3, 1), (5, 2)] {
                let layer = makeLayer(variant, kernel: kernel, stride: stride)
                let expected = ConvolutionReference.convolution(input: input, weight: layer.weight.value,
                                                                bias: layer.bias!.value, stride: stride, padding: kernel / 2)
                for mode in [ForwardMode.inference, .training] {
                    assertClose(layer.forward(input, mode: mode), expected, tolerance: 1e-5,
                                "\(variant.rawValue) at initialisation k=\(kernel) s=\(stride) \(mode) equals conv")
                }
            }
        }
    }

    func testStaticMixingMatchesDirectSimilarityAndFoldsExactly() {
        var generator = SeededGenerator(seed: 22)
        for variant in [SimilarityVariant.staticFull, .staticDiag] {
            for (kernel, stride, padding) in [(3, 1, 1), (3, 2, 0), (5, 1, 2)] {
                let label = "\(variant.rawValue) k=\(kernel) s=\(stride) p=\(padding)"
                let layer = makeLayer(variant, kernel: kernel, stride: stride, padding: padding, seed: 5)
                let taps = kernel * kernel
                layer.mixing!.value = .randomNormal(shape: layer.mixing!.value.shape, generator: &generator)
                let input = Tensor.randomNormal(shape: [2, 2, 7, 6], generator: &generator)
                let output = layer.forward(input, mode: .inference)
                // Independent oracle: y = Σ_c wᵀ M x_c evaluated directly with M at every position.
                var matrix = Tensor(shape: [taps, taps])
                for e in 0..<matrix.count {
                    matrix.scalars[e] = variant.isDiagonal ? (e / taps == e % taps ? layer.mixing!.value.scalars[e / taps] : 0)
                                                           : layer.mixing!.value.scalars[e]
                }
                let direct = ConvolutionReference.similarity(
                    input: input, weight: layer.weight.value, bias: layer.bias!.value, stride: stride, padding: padding,
                    mixing: broadcast(matrix, batch: 2, height: output.shape[2], width: output.shape[3]))
                assertClose(output, direct, tolerance: 1e-4, "\(label): layer vs direct wᵀMx")
                let folded = layer.folded()
                assertClose(folded.forward(input, mode: .inference), output, tolerance: 1e-4, "\(label): folded W·M vs unfolded")
                XCTAssertEqual(layer.mixingMatrix.scalars, matrix.scalars, "\(label): mixingMatrix")
                XCTAssertEqual(layer.kernelShape.shape, [kernel, kernel], "\(label): kernel shape is k×k")
                XCTAssertEqual(layer.kernelShape.scalars, (0..<taps).map { matrix.scalars[$0 * taps + $0] },
                               "\(label): kernel shape is the diagonal of M")
                assertClose(layer.effectiveKernels(), folded.weight.value, tolerance: 1e-6, "\(label): effective kernels")
            }
        }
    }

    func testDynamicForwardMatchesDirectSimilarityWithItsOwnMixing() {
        var generator = SeededGenerator(seed: 23)
        for variant in [SimilarityVariant.dynamicDiag, .dynamicFull] {
            for (kernel, stride) in [(3, 1), (3, 2), (5, 1)] {
                let label = "\(variant.rawValue) k=\(kernel) s=\(stride)"
                let layer = makeLayer(variant, kernel: kernel, stride: stride, seed: 6, metaScale: 0.5)
                let input = Tensor.randomNormal(shape: [2, 2, 6, 7], generator: &generator)
                for mode in [ForwardMode.training, .inference] {
                    let output = layer.forward(input, mode: mode)
                    guard let mixing = layer.lastDynamicMixing else { return XCTFail("\(label): no dynamic mixing kept") }
                    let entries = variant.isDiagonal ? kernel * kernel : kernel * kernel * kernel * kernel
                    XCTAssertEqual(mixing.shape, [2, entries, output.shape[2], output.shape[3]], "\(label) \(mode): mixing shape")
                    let full = variant.isDiagonal ? diagonalToFull(mixing) : mixing
                    let direct = ConvolutionReference.similarity(input: input, weight: layer.weight.value,
                                                                 bias: layer.bias!.value, stride: stride,
                                                                 padding: kernel / 2, mixing: full)
                    assertClose(output, direct, tolerance: 1e-4, "\(label) \(mode): layer vs direct wᵀM(x)x")
                    // With scale 0.5 the dynamic part is not negligible.
                    let deviation = mixing.scalars.enumerated().map { index, value -> Float in
                        let entry = (index / (output.shape[2] * output.shape[3])) % entries
                        let identity: Float = variant.isDiagonal || entry / (kernel * kernel) == entry % (kernel * kernel) ? 1 : 0
                        return abs(value - identity)
                    }.max()!
                    XCTAssertGreaterThan(deviation, 0.05, "\(label) \(mode): M should differ from I")
                }
                XCTAssertEqual(layer.dynamicMixingPerSample()?.shape, [2, entries(variant, kernel)], "\(label): per-sample mixing")
            }
        }
    }

    /// The dynamic layer against a Double computation from its raw parameters alone — the
    /// meta-network included, so the mixing M fed to the layer is never reused:
    ///
    ///     a = PatchNormConv: Σ w·x over the patch / √(Σ patch² + ε)     (k, stride, padding of the layer)
    ///     h = ReLU(BN(a)),  g = BN(Conv3×3(h)),  M = I + g   (diag: the K entries of the diagonal)
    ///     y[o,l] = b[o] + Σ_c Σ_t Σ_q W[o,c,t]·M[t,q,l]·P[c,q,l]
    ///
    /// BN uses the batch mean and biased variance in training, random running statistics
    /// (set here) in inference.
    func testDynamicForwardMatchesAnIndependentDoubleComputation() {
        var generator = SeededGenerator(seed: 25)
        for variant in [SimilarityVariant.dynamicDiag, .dynamicFull] {
            for (kernel, stride, padding, bias) in [(3, 1, 1, true), (3, 2, 1, false), (5, 1, 2, false), (3, 1, 0, true)] {
                do {
                    let label = "\(variant.rawValue) k=\(kernel) s=\(stride) p=\(padding) bias=\(bias)"
                    var layerGenerator = SeededGenerator(seed: 7)
                    let layer = SimilarityConv2D(inputChannels: 2, outputChannels: 3, kernelSize: kernel, stride: stride,
                                                 padding: padding, variant: variant, bias: bias, metaHiddenChannels: 3,
                                                 metaInitialScale: 0.5, name: "sim", generator: &layerGenerator)
                    layer.bias?.value = .randomNormal(shape: [3], generator: &generator)
                    let meta = layer.metaNetwork!
                    for norm in [meta.hiddenNorm, meta.outputNorm] {
                        norm.beta.value = .randomNormal(shape: norm.beta.value.shape, generator: &generator)
                    }
                    let input = Tensor.randomNormal(shape: [2, 2, 6, 5], generator: &generator)
                    for mode in [ForwardMode.training, .inference] {
                        if mode == .inference {
                            for norm in [meta.hiddenNorm, meta.outputNorm] {
                                norm.runningMean.value = .randomNormal(shape: norm.runningMean.value.shape, generator: &generator)
                                norm.runningVariance.value = Tensor(shape: norm.runningVariance.value.shape,
                                    scalars: (0..<norm.channels).map { _ in 0.5 + generator.nextFloat() })
                            }
                        }
                        let expected = dynamicOracle(layer, input: input, mode: mode)
                        assertClose(layer.forward(input, mode: mode), expected, tolerance: 1e-4, "\(label) \(mode)")
                    }
                }
            }
        }
    }

    private func dynamicOracle(_ layer: SimilarityConv2D, input: Tensor, mode: ForwardMode) -> Tensor {
        let meta = layer.metaNetwork!
        let (batch, inC, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let k = layer.kernelSize, s = layer.stride, pad = layer.padding, taps = k * k
        let outH = (height + 2 * pad - k) / s + 1, outW = (width + 2 * pad - k) / s + 1
        func x(_ n: Int, _ c: Int, _ i: Int, _ j: Int) -> Double {
            i < 0 || j < 0 || i >= height || j >= width ? 0 : Double(input[n, c, i, j])
        }
        /// P[n][c][t][i][j]: the input under tap t of output position (i, j).
        func patch(_ n: Int, _ c: Int, _ t: Int, _ i: Int, _ j: Int) -> Double {
            x(n, c, i * s + t / k - pad, j * s + t % k - pad)
        }
        func batchNorm(_ values: inout [[[[Double]]]], _ norm: BatchNorm2D) {
            let channels = values[0].count
            for c in 0..<channels {
                let all = values.flatMap { $0[c].flatMap { $0 } }
                let mean: Double, variance: Double
                if mode == .training {
                    mean = all.reduce(0, +) / Double(all.count)
                    variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)
                } else {
                    mean = Double(norm.runningMean.value.scalars[c])
                    variance = Double(norm.runningVariance.value.scalars[c])
                }
                let gamma = Double(norm.gamma.value.scalars[c]), beta = Double(norm.beta.value.scalars[c])
                for n in values.indices {
                    for i in values[n][c].indices {
                        for j in values[n][c][i].indices {
                            values[n][c][i][j] = gamma * (values[n][c][i][j] - mean) / (variance + Double(norm.epsilon)).squareRoot() + beta
                        }
                    }
                }
            }
        }
        let hidden = meta.hiddenChannels, entries = meta.outputChannels
        let pnWeight = meta.patchNormConv.weight.value, projection = meta.projection.weight.value
        var a = [[[[Double]]]](repeating: [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: outW),
                               count: outH), count: hidden), count: batch)
        for n in 0..<batch {
            for i in 0..<outH {
                for j in 0..<outW {
                    var norm2 = 0.0
                    for c in 0..<inC { for t in 0..<taps { norm2 += patch(n, c, t, i, j) * patch(n, c, t, i, j) } }
                    for o in 0..<hidden {
                        var u = 0.0
                        for c in 0..<inC {
                            for t in 0..<taps { u += Double(pnWeight[o, c, t / k, t % k]) * patch(n, c, t, i, j) }
                        }
                        a[n][o][i][j] = u / (norm2 + Double(meta.patchNormConv.epsilon)).squareRoot()
                    }
                }
            }
        }
        batchNorm(&a, meta.hiddenNorm)
        let h = a.map { $0.map { $0.map { $0.map { max(0, $0) } } } }
        var g = [[[[Double]]]](repeating: [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: outW),
                               count: outH), count: entries), count: batch)
        for n in 0..<batch {
            for e in 0..<entries {
                for i in 0..<outH {
                    for j in 0..<outW {
                        var sum = 0.0
                        for c in 0..<hidden {
                            for di in 0..<3 {
                                for dj in 0..<3 {
                                    let ii = i + di - 1, jj = j + dj - 1
                                    if ii >= 0, jj >= 0, ii < outH, jj < outW {
                                        sum += Double(projection[e, c, di, dj]) * h[n][c][ii][jj]
                                    }
                                }
                            }
                        }
                        g[n][e][i][j] = sum
                    }
                }
            }
        }
        batchNorm(&g, meta.outputNorm)
        let diagonal = layer.variant.isDiagonal
        func m(_ n: Int, _ t: Int, _ q: Int, _ i: Int, _ j: Int) -> Double {
            if diagonal { return t == q ? 1 + g[n][t][i][j] : 0 }
            return (t == q ? 1 : 0) + g[n][t * taps + q][i][j]
        }
        let weight = layer.weight.value
        var output = Tensor(shape: [batch, layer.outputChannels, outH, outW])
        for n in 0..<batch {
            for o in 0..<layer.outputChannels {
                for i in 0..<outH {
                    for j in 0..<outW {
                        var y = layer.bias.map { Double($0.value.scalars[o]) } ?? 0
                        for c in 0..<inC {
                            for t in 0..<taps {
                                for q in 0..<taps where !diagonal || q == t {
                                    y += Double(weight[o, c, t / k, t % k]) * m(n, t, q, i, j) * patch(n, c, q, i, j)
                                }
                            }
                        }
                        output[n, o, i, j] = Float(y)
                    }
                }
            }
        }
        return output
    }

    private func entries(_ variant: SimilarityVariant, _ kernel: Int) -> Int {
        variant.isDiagonal ? kernel * kernel : kernel * kernel * kernel * kernel
    }

    func testDynamicWithSilencedMetaNetworkEqualsConv() {
        var generator = SeededGenerator(seed: 24)
        let input = Tensor.randomNormal(shape: [3, 2, 5, 6], generator: &generator)
        for variant in [SimilarityVariant.dynamicDiag, .dynamicFull] {
            for (kernel, stride) in [(3, 1), (5, 2)] {
                let dynamic = makeLayer(variant, kernel: kernel, stride: stride, seed: 9, metaScale: 0.5)
                let plain = makeLayer(.conv, kernel: kernel, stride: stride, seed: 9)
                plain.weight.value = dynamic.weight.value
                plain.bias!.value = dynamic.bias!.value
                let norm = dynamic.metaNetwork!.outputNorm
                norm.gamma.value.zero()
                norm.beta.value.zero()
                for mode in [ForwardMode.training, .inference] {
                    let got = dynamic.forward(input, mode: mode), expected = plain.forward(input, mode: mode)
                    assertClose(got, expected, tolerance: 1e-6, "\(variant.rawValue) k=\(kernel) s=\(stride) \(mode) with g ≡ 0 vs conv")
                }
                XCTAssertEqual(dynamic.kernelShape.scalars, [Float](repeating: 1, count: kernel * kernel),
                               "\(variant.rawValue): mean mixing with g ≡ 0 is I")
            }
        }
    }

    /// With and without bias: nsn-lite builds its similarity layers with `bias: false`
    /// (a BatchNorm follows), a separate backward path.
    func testGradientsOfEveryVariant() {
        for variant in SimilarityVariant.allCases {
          for bias in [true, false] {
            for (kernel, stride, padding, height, width) in [(3, 1, 1, 5, 5), (3, 2, 1, 6, 5), (5, 1, 2, 5, 4)] {
                let label = "\(variant.rawValue) k=\(kernel) s=\(stride) p=\(padding) bias=\(bias)"
                var generator = SeededGenerator(seed: UInt64(kernel * 7 + stride))
                let layer = makeLayer(variant, kernel: kernel, stride: stride, padding: padding, hidden: 3,
                                      seed: 30, metaScale: 0.5, bias: bias)
                XCTAssertEqual(layer.bias == nil, !bias, label)
                if let mixing = layer.mixing {
                    // Away from the identity so every term of dM and dW matters.
                    mixing.value = .randomNormal(shape: mixing.value.shape, generator: &generator)
                }
                let input = inputAwayFromKinks(layer, shape: [2, 2, height, width], generator: &generator)
                assertGradientsMatch(layer, input: input, label: label, epsilon: variant.isDynamic ? 1e-3 : 1e-2,
                                     tolerance: 1e-2, samplesPerTensor: 30)
            }
          }
        }
    }

    /// A random input whose meta-network ReLU inputs all lie at least 0.02 from the kink,
    /// so central differences (ε ≤ 1e-3) see a smooth function.
    func inputAwayFromKinks(_ layer: SimilarityConv2D, shape: [Int],
                                    generator: inout SeededGenerator) -> Tensor {
        for _ in 0..<50 {
            let input = Tensor.randomNormal(shape: shape, generator: &generator)
            guard let meta = layer.metaNetwork else { return input }
            // hiddenNorm rectifies its output: the ReLU's input is that of a plain BatchNorm.
            let norm = BatchNorm2D(channels: meta.hiddenNorm.channels)
            norm.gamma.value = meta.hiddenNorm.gamma.value
            norm.beta.value = meta.hiddenNorm.beta.value
            let hidden = norm.forward(meta.patchNormConv.forward(input, mode: .training), mode: .training)
            if hidden.scalars.allSatisfy({ abs($0) > 0.02 }) { return input }
        }
        XCTFail("no input away from the ReLU kinks for \(layer.variant.rawValue) \(shape)")
        return Tensor.randomNormal(shape: shape, generator: &generator)
    }

    func testPatchNormConvScaleInvarianceAndGradients() {
        var generator = SeededGenerator(seed: 40)
        let layer = PatchNormConv(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 0,
                                  epsilon: 1e-6, generator: &generator)
        let input = Tensor.randomNormal(shape: [2, 2, 5, 5], generator: &generator)
        let output = layer.forward(input, mode: .inference)
        // Each output is a cosine-like response: |y| ≤ ‖w_o‖ (Cauchy–Schwarz), and scaling x leaves y unchanged.
        let scaled = Tensor(shape: input.shape, scalars: input.scalars.map { $0 * 7 })
        assertClose(layer.forward(scaled, mode: .inference), output, tolerance: 1e-4, "PatchNormConv scale invariance")
        let expectedFirst: Float = {
            let u = ConvolutionReference.convolution(input: input, weight: layer.weight.value, bias: nil, stride: 1, padding: 0)
            var norm: Float = 0
            for c in 0..<2 { for i in 0..<3 { for j in 0..<3 { norm += input[0, c, i, j] * input[0, c, i, j] } } }
            return u[0, 0, 0, 0] / (norm + 1e-6).squareRoot()
        }()
        XCTAssertEqual(output[0, 0, 0, 0], expectedFirst, accuracy: 1e-5, "PatchNormConv first output by hand")
        let strided = PatchNormConv(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1,
                                    generator: &generator)
        assertGradientsMatch(layer, input: input, label: "PatchNormConv k3 s1 p0", epsilon: 2e-3, tolerance: 2e-2)
        assertGradientsMatch(strided, input: input, label: "PatchNormConv k3 s2 p1", epsilon: 2e-3, tolerance: 2e-2)
    }

    func testMetaNetworkGradients() {
        var generator = SeededGenerator(seed: 41)
        let meta = MetaNetwork(inputChannels: 2, hiddenChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2,
                               padding: 1, initialScale: 0.5, generator: &generator)
        let input = Tensor.randomNormal(shape: [3, 2, 5, 5], generator: &generator)
        XCTAssertEqual(meta.forward(input, mode: .inference).shape, [3, 4, 3, 3], "meta-network output at the conv's resolution")
        assertGradientsMatch(meta, input: input, label: "MetaNetwork", epsilon: 2e-3, tolerance: 2e-2)
    }

    func testMixingPenalty() {
        let layer = makeLayer(.staticFull)
        var generator = SeededGenerator(seed: 42)
        layer.mixing!.value = .randomNormal(shape: [9, 9], generator: &generator)
        let m = layer.mixing!.value.scalars
        layer.mixing!.zeroGradient()
        let penalty = layer.applyMixingPenalty(coefficient: 0.1)
        XCTAssertEqual(penalty, 0.05 * m.map { $0 * $0 }.reduce(0, +), accuracy: 1e-4, "0.1·‖M‖²/2")
        XCTAssertEqual(layer.mixing!.gradient.scalars, m.map { 0.1 * $0 }, "gradient 0.1·M")
        layer.mixing!.zeroGradient()
        let towardIdentity = layer.applyMixingPenalty(coefficient: 0.1, towardIdentity: true)
        let expected = (0..<81).map { i -> Float in let d = m[i] - (i / 9 == i % 9 ? 1 : 0); return d * d }.reduce(0, +) * 0.05
        XCTAssertEqual(towardIdentity, expected, accuracy: 1e-4, "0.1·‖M − I‖²/2")
        XCTAssertEqual(layer.mixing!.gradient.scalars[10], 0.1 * (m[10] - 1), accuracy: 1e-7, "diagonal gradient 0.1·(M − I)")
        XCTAssertEqual(makeLayer(.staticDiag).applyMixingPenalty(), 0, "no penalty for static-diag")
    }

    func testParameterNamesAndShapes() {
        XCTAssertEqual(makeLayer(.conv).parameters.map(\.name), ["sim.weight", "sim.bias"])
        XCTAssertEqual(makeLayer(.staticFull).mixing?.value.shape, [9, 9])
        XCTAssertEqual(makeLayer(.staticDiag, kernel: 5).mixing?.value.scalars, [Float](repeating: 1, count: 25))
        let dynamic = makeLayer(.dynamicFull)
        XCTAssertEqual(dynamic.metaNetwork?.outputChannels, 81)
        XCTAssertEqual(dynamic.buffers.count, 4, "two BatchNorms' running statistics")
        XCTAssertTrue(dynamic.parameters.map(\.name).contains("sim.meta.outputNorm.gamma"))
        XCTAssertEqual(dynamic.metaNetwork?.outputNorm.gamma.value.scalars.first, 1e-3)
    }
}
