import XCTest
import TensorCore
@testable import NeuralNetwork

/// The Boolean kernel shape D of `SimilarityConv2D` (M_shaped = M·D): masks, the relaxed
/// estimator's gradients, and the invariants the mask must keep.
extension SimilarityConv2DTests {
    func testCrossIsTheCentreRowAndColumn() {
        XCTAssertEqual(KernelShape.cross.fixedMask(kernelSize: 3), [0, 1, 0,
                                                                     1, 1, 1,
                                                                     0, 1, 0])
        let five = KernelShape.cross.fixedMask(kernelSize: 5)!
        XCTAssertEqual(five.reduce(0, +), 9)
        for t in 0..<25 { XCTAssertEqual(five[t], t / 5 == 2 || t % 5 == 2 ? 1 : 0, "k=5 tap \(t)") }
        XCTAssertEqual(KernelShape.full.fixedMask(kernelSize: 3), [Float](repeating: 1, count: 9))
        XCTAssertNil(KernelShape.learned(activeTaps: 5).fixedMask(kernelSize: 3))
        XCTAssertEqual(KernelShape.learned(activeTaps: 5).description, "learned:5")
    }

    func testTopMaskKeepsTheLargestScoresAndBreaksTiesByIndex() {
        XCTAssertEqual(KernelShape.topMask(scores: [0.1, 3, -1, 2, 0.5], count: 2), [0, 1, 0, 1, 0])
        XCTAssertEqual(KernelShape.topMask(scores: [1, 1, 1, 1], count: 3), [1, 1, 1, 0])
        XCTAssertEqual(KernelShape.topMask(scores: [-5, 2, 7], count: 3), [1, 1, 1])
    }

    /// learned:N with the relaxed forward d = σ(s) (so the estimator's backward is the exact
    /// gradient), and the fixed cross (a constant mask): every parameter, the scores included.
    func testShapedGradientsOfEveryVariant() {
        for variant in SimilarityVariant.allCases {
            for shape in [KernelShape.learned(activeTaps: 5), .cross] {
                for (kernel, stride, padding, height, width) in [(3, 1, 1, 5, 5), (5, 2, 2, 6, 5)] {
                    let label = "\(variant.rawValue) \(shape) k=\(kernel) s=\(stride)"
                    var generator = SeededGenerator(seed: UInt64(kernel * 11 + stride))
                    let layer = makeLayer(variant, kernel: kernel, stride: stride, padding: padding, hidden: 3,
                                          seed: 31, metaScale: 0.5, shape: shape)
                    if let mixing = layer.mixing {
                        mixing.value = .randomNormal(shape: mixing.value.shape, generator: &generator)
                    }
                    if let scores = layer.shapeScores {
                        // Spread scores: σ' differs per tap, so a wrong chain rule shows.
                        scores.value = .randomNormal(shape: scores.value.shape, generator: &generator)
                        layer.relaxesShape = true
                    }
                    let input = inputAwayFromKinks(layer, shape: [2, 2, height, width], generator: &generator)
                    assertGradientsMatch(layer, input: input, label: label, epsilon: variant.isDynamic ? 1e-3 : 1e-2,
                                         tolerance: 1e-2, samplesPerTensor: 30)
                }
            }
        }
    }

    /// learned:K (every tap on) computes bit for bit what the unshaped layer computes, forward
    /// and backward; the scores come from their own stream, so the other parameters agree.
    func testAllTapsOnReproducesTheUnshapedVariantExactly() {
        var generator = SeededGenerator(seed: 32)
        for variant in SimilarityVariant.allCases {
            for kernel in [3, 5] {
                let label = "\(variant.rawValue) k=\(kernel)"
                let plain = makeLayer(variant, kernel: kernel, seed: 12, metaScale: 0.5)
                let shaped = makeLayer(variant, kernel: kernel, seed: 12, metaScale: 0.5,
                                       shape: .learned(activeTaps: kernel * kernel))
                XCTAssertEqual(shaped.tapMask, [Float](repeating: 1, count: kernel * kernel), label)
                XCTAssertEqual(shaped.parameters.count, plain.parameters.count + 1, label)
                for (a, b) in zip(plain.parameters, shaped.parameters) {
                    XCTAssertEqual(a.value, b.value, "\(label): \(a.name) initialised alike")
                }
                if let mixing = plain.mixing {
                    mixing.value = .randomNormal(shape: mixing.value.shape, generator: &generator)
                    shaped.mixing!.value = mixing.value
                }
                let input = Tensor.randomNormal(shape: [2, 2, 6, 5], generator: &generator)
                XCTAssertEqual(shaped.forward(input, mode: .inference), plain.forward(input, mode: .inference),
                               "\(label): inference")
                let out = plain.forward(input, mode: .training)
                XCTAssertEqual(shaped.forward(input, mode: .training), out, "\(label): training")
                let upstream = Tensor.randomNormal(shape: out.shape, generator: &generator)
                XCTAssertEqual(shaped.backward(upstream), plain.backward(upstream), "\(label): input gradient")
                for (a, b) in zip(plain.parameters, shaped.parameters) {
                    XCTAssertEqual(a.gradient, b.gradient, "\(label): gradient of \(a.name)")
                }
                XCTAssertEqual(shaped.mixingMatrix, plain.mixingMatrix, "\(label): M")
            }
        }
    }

    /// An inactive tap p is a zero column of M·D: the patch entry at p never reaches the output
    /// (static: change it and nothing changes; dynamic: every position's M has a zero column),
    /// and the folded kernel has a zero there.
    func testAnInactiveTapReceivesNoForwardContribution() {
        var generator = SeededGenerator(seed: 33)
        for variant in SimilarityVariant.allCases {
            for shape in [KernelShape.cross, .learned(activeTaps: 3)] {
                let label = "\(variant.rawValue) \(shape)"
                // One output position: the input is exactly one 3×3 patch.
                let layer = makeLayer(variant, kernel: 3, padding: 0, seed: 14, metaScale: 0.5, shape: shape)
                if let mixing = layer.mixing {
                    mixing.value = .randomNormal(shape: mixing.value.shape, generator: &generator)
                }
                if let scores = layer.shapeScores {
                    scores.value = .randomNormal(shape: scores.value.shape, generator: &generator)
                }
                let mask = layer.tapMask
                let inactive = (0..<9).filter { mask[$0] == 0 }
                XCTAssertEqual(inactive.count, shape == .cross ? 4 : 6, label)
                var input = Tensor.randomNormal(shape: [2, 2, 3, 3], generator: &generator)
                if variant.isDynamic {
                    let before = layer.forward(input, mode: .inference)
                    let entries = layer.lastDynamicMixing!
                    for n in 0..<2 {
                        for e in 0..<entries.shape[1] where inactive.contains(variant.isDiagonal ? e : e % 9) {
                            XCTAssertEqual(entries[n, e, 0, 0], 0, "\(label): M entry \(e) of sample \(n)")
                        }
                    }
                    // With g silenced (M = I·D whatever x), x_p at an inactive tap is not seen.
                    layer.metaNetwork!.outputNorm.gamma.value.zero()
                    layer.metaNetwork!.outputNorm.beta.value.zero()
                    let silenced = layer.forward(input, mode: .inference)
                    for p in inactive { for n in 0..<2 { for c in 0..<2 { input[n, c, p / 3, p % 3] += 10 } } }
                    XCTAssertEqual(layer.forward(input, mode: .inference), silenced, "\(label): silenced g")
                    XCTAssertNotEqual(before, silenced, "\(label): g mattered before it was silenced")
                } else {
                    let before = layer.forward(input, mode: .inference)
                    for p in inactive { for n in 0..<2 { for c in 0..<2 { input[n, c, p / 3, p % 3] += 10 } } }
                    XCTAssertEqual(layer.forward(input, mode: .inference), before, "\(label): inactive input changed")
                    let active = (0..<9).first { mask[$0] == 1 }!
                    input[0, 0, active / 3, active % 3] += 10
                    XCTAssertNotEqual(layer.forward(input, mode: .inference), before, "\(label): active input ignored")
                    let folded = layer.folded().weight.value
                    for i in 0..<folded.count where inactive.contains(i % 9) {
                        XCTAssertEqual(folded.scalars[i], 0, "\(label): folded weight \(i)")
                    }
                }
            }
        }
    }

    /// Shaped static layers against the direct oracle y = Σ_c wᵀ(M·D)x_c, and their folding.
    func testShapedStaticLayerMatchesDirectSimilarityAndFolds() {
        var generator = SeededGenerator(seed: 34)
        for variant in [SimilarityVariant.conv, .staticFull, .staticDiag] {
            for shape in [KernelShape.cross, .learned(activeTaps: 4)] {
                let label = "\(variant.rawValue) \(shape)"
                let layer = makeLayer(variant, kernel: 3, seed: 15, shape: shape)
                if let mixing = layer.mixing {
                    mixing.value = .randomNormal(shape: mixing.value.shape, generator: &generator)
                }
                let mask = layer.tapMask
                var matrix = Tensor(shape: [9, 9])
                for t in 0..<9 {
                    for p in 0..<9 {
                        let m: Float
                        switch variant {
                        case .staticFull: m = layer.mixing!.value.scalars[t * 9 + p]
                        case .staticDiag: m = t == p ? layer.mixing!.value.scalars[t] : 0
                        default: m = t == p ? 1 : 0
                        }
                        matrix.scalars[t * 9 + p] = m * mask[p]
                    }
                }
                let input = Tensor.randomNormal(shape: [2, 2, 6, 5], generator: &generator)
                let output = layer.forward(input, mode: .inference)
                let direct = ConvolutionReference.similarity(
                    input: input, weight: layer.weight.value, bias: layer.bias!.value, stride: 1, padding: 1,
                    mixing: broadcast(matrix, batch: 2, height: 6, width: 5))
                assertClose(output, direct, tolerance: 1e-4, "\(label): layer vs direct wᵀ(M·D)x")
                assertClose(layer.folded().forward(input, mode: .inference), output, tolerance: 1e-4, "\(label): folded")
                XCTAssertEqual(layer.mixingMatrix.scalars, matrix.scalars, "\(label): mixingMatrix is M·D")
            }
        }
    }

    func testTapFlipsCountChangesOfTheHardMaskDuringTraining() {
        let layer = makeLayer(.staticDiag, kernel: 3, shape: .learned(activeTaps: 2))
        var generator = SeededGenerator(seed: 35)
        let input = Tensor.randomNormal(shape: [1, 2, 4, 4], generator: &generator)
        layer.shapeScores!.value = Tensor(shape: [9], scalars: [5, 4, 0, 0, 0, 0, 0, 0, 0])
        _ = layer.forward(input, mode: .training)
        _ = layer.forward(input, mode: .training)
        XCTAssertEqual(layer.tapFlips, [Int](repeating: 0, count: 9))
        layer.shapeScores!.value.scalars[8] = 6        // tap 8 in, tap 1 out
        _ = layer.forward(input, mode: .inference)      // inference does not count
        XCTAssertEqual(layer.tapFlips.reduce(0, +), 0)
        _ = layer.forward(input, mode: .training)
        XCTAssertEqual(layer.takeTapFlips(), [0, 1, 0, 0, 0, 0, 0, 0, 1])
        XCTAssertEqual(layer.tapFlips, [Int](repeating: 0, count: 9), "taken flips start afresh")
    }

    func testShapeScoresAreANamedParameterWithoutDecay() {
        let layer = makeLayer(.dynamicDiag, kernel: 5, shape: .learned(activeTaps: 7))
        let scores = try! XCTUnwrap(layer.shapeScores)
        XCTAssertEqual(scores.name, "sim.shapeScores")
        XCTAssertEqual(scores.value.shape, [25])
        XCTAssertFalse(scores.decays)
        XCTAssertEqual(layer.tapMask.reduce(0, +), 7)
        XCTAssertNil(makeLayer(.dynamicDiag, shape: .cross).shapeScores, "a fixed shape has no parameter")
    }
}
