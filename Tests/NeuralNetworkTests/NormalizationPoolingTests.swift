import XCTest
import TensorCore
@testable import NeuralNetwork

final class NormalizationPoolingTests: XCTestCase {
    func testBatchNormTrainingNormalizesAndUpdatesRunningStatistics() {
        let bn = BatchNorm2D(channels: 1)
        bn.gamma.value = Tensor(shape: [1], scalars: [2])
        bn.beta.value = Tensor(shape: [1], scalars: [1])
        // Values 1, 2, 3, 6: mean 3, biased variance 14/4 = 3.5, unbiased 14/3.
        let input = Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 6])
        let output = bn.forward(input, mode: .training)
        let std = (3.5 + 1e-5).squareRoot()
        let expected: [Float] = [1, 2, 3, 6].map { 2 * ($0 - 3) / Float(std) + 1 }
        for i in 0..<4 { XCTAssertEqual(output.scalars[i], expected[i], accuracy: 1e-5, "BN training output \(i)") }
        XCTAssertEqual(bn.runningMean.value.scalars[0], 0.3, accuracy: 1e-6, "running mean 0.9·0 + 0.1·3")
        XCTAssertEqual(bn.runningVariance.value.scalars[0], 0.9 + 0.1 * 14 / 3, accuracy: 1e-6,
                       "running variance 0.9·1 + 0.1·(14/3), unbiased")
        XCTAssertEqual(bn.buffers.map(\.name), ["bn.runningMean", "bn.runningVariance"])
        XCTAssertFalse(bn.gamma.decays || bn.beta.decays)
    }

    func testBatchNormInferenceUsesRunningStatistics() {
        let bn = BatchNorm2D(channels: 2)
        bn.runningMean.value = Tensor(shape: [2], scalars: [1, -2])
        bn.runningVariance.value = Tensor(shape: [2], scalars: [4, 0.25])
        bn.gamma.value = Tensor(shape: [2], scalars: [3, 1])
        bn.beta.value = Tensor(shape: [2], scalars: [0, 0.5])
        // [N=1, C=2, 1, 2]: channel 0 values 5, 1; channel 1 values -2, -1.5
        let output = bn.forward(Tensor(shape: [1, 2, 1, 2], scalars: [5, 1, -2, -1.5]), mode: .inference)
        let s0 = Float((4 + 1e-5).squareRoot()), s1 = Float((0.25 + 1e-5).squareRoot())
        let expected: [Float] = [3 * 4 / s0, 0, 0.5, 0.5 / s1 + 0.5]
        for i in 0..<4 { XCTAssertEqual(output.scalars[i], expected[i], accuracy: 1e-5, "BN inference output \(i)") }
        XCTAssertEqual(bn.runningMean.value.scalars, [1, -2], "inference leaves running statistics alone")
    }

    func testBatchNormGradients() {
        var generator = SeededGenerator(seed: 11)
        let bn = BatchNorm2D(channels: 3)
        bn.gamma.value = .randomUniform(shape: [3], low: 0.5, high: 1.5, generator: &generator)
        bn.beta.value = .randomNormal(shape: [3], generator: &generator)
        let input = Tensor.randomNormal(shape: [3, 3, 2, 3], generator: &generator)
        assertGradientsMatch(bn, input: input, label: "BatchNorm2D [3,3,2,3]", epsilon: 1e-2)
        let wide = Tensor.randomNormal(shape: [2, 3, 4, 5], generator: &generator)
        assertGradientsMatch(bn, input: wide, label: "BatchNorm2D [2,3,4,5] (vector lanes + tail)", epsilon: 1e-2)
        let flat = Tensor.randomNormal(shape: [5, 3], generator: &generator)
        assertGradientsMatch(bn, input: flat, label: "BatchNorm2D [5,3]", epsilon: 1e-2)
    }

    func testRectifyingBatchNormMatchesBatchNormThenReLU() {
        // BN-ReLU in one layer against the two layers: values, dx, dγ, dβ, in both modes.
        for (shape, threads) in [([3, 2, 4, 5], 1), ([4, 3, 7, 7], 2), ([6, 4], 2)] {
            var generator = SeededGenerator(seed: UInt64(shape.reduce(0, +)))
            let fused = BatchNorm2D(channels: shape[1], rectifiesOutput: true)
            let plain = BatchNorm2D(channels: shape[1])
            let relu = ReLU()
            let gamma = Tensor.randomUniform(shape: [shape[1]], low: 0.5, high: 1.5, generator: &generator)
            let beta = Tensor.randomNormal(shape: [shape[1]], generator: &generator)
            for bn in [fused, plain] { bn.gamma.value = gamma; bn.beta.value = beta }
            let input = Tensor.randomNormal(shape: shape, generator: &generator)
            let outputGradient = Tensor.randomNormal(shape: shape, generator: &generator)
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            Parallel.threadCount = threads
            let label = "\(shape) threads=\(threads)"
            let fusedOutput = fused.forward(input, mode: .training)
            let plainOutput = relu.forward(plain.forward(input, mode: .training), mode: .training)
            XCTAssertEqual(fusedOutput.scalars, plainOutput.scalars, "\(label): training output")
            XCTAssertTrue(fusedOutput.scalars.contains(0), "\(label): nothing was rectified, the case tests nothing")
            let fusedGradient = fused.backward(outputGradient)
            let plainGradient = plain.backward(relu.backward(outputGradient))
            assertClose(fusedGradient, plainGradient, tolerance: 1e-5, "\(label): input gradient")
            assertClose(fused.gamma.gradient, plain.gamma.gradient, tolerance: 1e-5, "\(label): γ gradient")
            assertClose(fused.beta.gradient, plain.beta.gradient, tolerance: 1e-5, "\(label): β gradient")
            XCTAssertEqual(fused.forward(input, mode: .inference).scalars,
                           relu.forward(plain.forward(input, mode: .inference), mode: .inference).scalars,
                           "\(label): inference output")
        }
        var generator = SeededGenerator(seed: 12)
        let bn = BatchNorm2D(channels: 3, rectifiesOutput: true)
        bn.beta.value = .randomNormal(shape: [3], generator: &generator)
        assertGradientsMatch(bn, input: .randomNormal(shape: [2, 3, 4, 5], generator: &generator),
                             label: "rectifying BatchNorm2D [2,3,4,5]", epsilon: 1e-3)
    }

    /// The naive twin: batch statistics, output and gradients per channel in Double, straight
    /// from the formulas (no per-plane moments, no recomputed mask).
    private func naiveBatchNorm(_ x: Tensor, dy: Tensor, gamma: [Float], beta: [Float], rectifies: Bool,
                                epsilon: Double = 1e-5) -> (y: [Double], dx: [Double], dGamma: [Double], dBeta: [Double],
                                                             mean: [Double], variance: [Double]) {
        let batch = x.shape[0], channels = x.shape[1], spatial = x.count / (batch * channels)
        var y = [Double](repeating: 0, count: x.count), dx = y
        var dGamma = [Double](repeating: 0, count: channels), dBeta = dGamma, means = dGamma, variances = dGamma
        for c in 0..<channels {
            let indices = (0..<batch).flatMap { n in (0..<spatial).map { (n * channels + c) * spatial + $0 } }
            let count = Double(indices.count)
            let mean = indices.reduce(0) { $0 + Double(x.scalars[$1]) } / count
            let variance = indices.reduce(0) { $0 + (Double(x.scalars[$1]) - mean) * (Double(x.scalars[$1]) - mean) } / count
            let inverse = 1 / (variance + epsilon).squareRoot()
            var d = [Double](), hat = [Double]()
            for i in indices {
                let h = (Double(x.scalars[i]) - mean) * inverse, pre = Double(gamma[c]) * h + Double(beta[c])
                y[i] = rectifies ? max(pre, 0) : pre
                d.append(!rectifies || pre > 0 ? Double(dy.scalars[i]) : 0)
                hat.append(h)
            }
            let meanD = d.reduce(0, +) / count
            let meanDHat = zip(d, hat).reduce(0) { $0 + $1.0 * $1.1 } / count
            for (k, i) in indices.enumerated() {
                dx[i] = Double(gamma[c]) * inverse * (d[k] - meanD - hat[k] * meanDHat)
            }
            dGamma[c] = meanDHat * count
            dBeta[c] = meanD * count
            means[c] = mean
            variances[c] = variance
        }
        return (y, dx, dGamma, dBeta, means, variances)
    }

    func testBatchNormMatchesNaiveTwinAndIgnoresThreadCount() {
        // Shapes with vector lanes and tails, planes of one value ([N, C]), and a large offset
        // (per-plane moments merged exactly must keep the variance of 1000 + noise).
        let cases: [(shape: [Int], offset: Float)] = [([5, 3, 9, 11], 0), ([4, 2, 28, 28], 0), ([7, 4], 0),
                                                      ([3, 2, 7, 7], 1000), ([6, 5, 1, 3], -3)]
        for (shape, offset) in cases {
            for rectifies in [false, true] {
                var generator = SeededGenerator(seed: UInt64(shape.reduce(1, *)) + (rectifies ? 1 : 0))
                let channels = shape[1]
                let gamma = Tensor.randomUniform(shape: [channels], low: 0.5, high: 1.5, generator: &generator)
                let beta = Tensor.randomNormal(shape: [channels], generator: &generator)
                var input = Tensor.randomNormal(shape: shape, generator: &generator)
                input.scalars = input.scalars.map { $0 + offset }
                let outputGradient = Tensor.randomNormal(shape: shape, generator: &generator)
                let label = "\(shape) offset \(offset) rectifying \(rectifies)"
                var results: [(y: Tensor, dx: Tensor, dGamma: Tensor, dBeta: Tensor, running: [Float])] = []
                let saved = Parallel.threadCount
                defer { Parallel.threadCount = saved }
                for threads in [1, 2, 3] {
                    Parallel.threadCount = threads
                    let bn = BatchNorm2D(channels: channels, rectifiesOutput: rectifies)
                    bn.gamma.value = gamma
                    bn.beta.value = beta
                    let y = bn.forward(input, mode: .training)
                    let dx = bn.backward(outputGradient)
                    results.append((y, dx, bn.gamma.gradient, bn.beta.gradient,
                                    bn.runningMean.value.scalars + bn.runningVariance.value.scalars))
                }
                for other in results.dropFirst() {
                    XCTAssertEqual(other.y.scalars, results[0].y.scalars, "\(label): output depends on the thread count")
                    XCTAssertEqual(other.dx.scalars, results[0].dx.scalars, "\(label): dx depends on the thread count")
                    XCTAssertEqual(other.dGamma.scalars, results[0].dGamma.scalars, "\(label): dγ depends on the thread count")
                    XCTAssertEqual(other.dBeta.scalars, results[0].dBeta.scalars, "\(label): dβ depends on the thread count")
                    XCTAssertEqual(other.running, results[0].running, "\(label): running statistics depend on the thread count")
                }
                let naive = naiveBatchNorm(input, dy: outputGradient, gamma: gamma.scalars, beta: beta.scalars, rectifies: rectifies)
                let float = { (values: [Double], shape: [Int]) in Tensor(shape: shape, scalars: values.map { Float($0) }) }
                // μ is a Float: at an offset of 1000 its rounding (≈ 3e-5) shifts every x − μ, and dγ = Σ dy·x̂ by Σ dy times that.
                let tolerance: Float = offset.magnitude < 100 ? 2e-5 : 5e-4
                assertClose(results[0].y, float(naive.y, shape), tolerance: tolerance, "\(label): output")
                assertClose(results[0].dx, float(naive.dx, shape), tolerance: tolerance, "\(label): dx")
                assertClose(results[0].dGamma, float(naive.dGamma, [channels]), tolerance: tolerance, "\(label): dγ")
                assertClose(results[0].dBeta, float(naive.dBeta, [channels]), tolerance: tolerance, "\(label): dβ")
                let samples = Double(input.count / channels)
                for c in 0..<channels {
                    XCTAssertEqual(Double(results[0].running[c]), 0.1 * naive.mean[c], accuracy: 1e-6 * max(1, abs(naive.mean[c])),
                                   "\(label): running mean \(c)")
                    XCTAssertEqual(Double(results[0].running[channels + c]),
                                   0.9 + 0.1 * naive.variance[c] * samples / (samples - 1), accuracy: 1e-5,
                                   "\(label): running variance \(c)")
                }
            }
        }
    }

    func testMaxPoolFloorsAndPicksMaxima() {
        let pool = MaxPool2D()
        let input = Tensor(shape: [1, 1, 7, 7], scalars: (0..<49).map { Float(($0 * 17) % 49) })
        let output = pool.forward(input, mode: .inference)
        XCTAssertEqual(output.shape, [1, 1, 3, 3], "7 → 3 with kernel 2 stride 2")
        for i in 0..<3 {
            for j in 0..<3 {
                let window = [input[0, 0, 2 * i, 2 * j], input[0, 0, 2 * i, 2 * j + 1],
                              input[0, 0, 2 * i + 1, 2 * j], input[0, 0, 2 * i + 1, 2 * j + 1]]
                XCTAssertEqual(output[0, 0, i, j], window.max()!, "window (\(i), \(j))")
            }
        }
    }

    func testMaxPoolGradientsWithoutTies() {
        var generator = SeededGenerator(seed: 12)
        let count = 2 * 3 * 6 * 5
        var values = (0..<count).map { Float($0) * 0.05 }
        values.shuffle(using: &generator)
        let input = Tensor(shape: [2, 3, 6, 5], scalars: values)
        assertGradientsMatch(MaxPool2D(), input: input, label: "MaxPool2D [2,3,6,5]", epsilon: 1e-3)
        assertGradientsMatch(MaxPool2D(kernelSize: 3, stride: 2), input: input, label: "MaxPool2D k3 s2", epsilon: 1e-3)
    }

    func testMaxPoolGradientsOnEvenPlanes() {
        // Even planes (every input in exactly one window); distinct values, no ties.
        var generator = SeededGenerator(seed: 14)
        // Spaced 0.05 apart and at least 0.025 from the ReLU's kink at 0.
        var values = (0..<144).map { (i: Int) -> Float in Float(i) * 0.05 - 3.025 }
        values.shuffle(using: &generator)
        let input = Tensor(shape: [2, 3, 6, 4], scalars: values)
        assertGradientsMatch(MaxPool2D(), input: input, label: "MaxPool2D [2,3,6,4]", epsilon: 1e-3)
        assertGradientsMatch(MaxPool2D(rectifiesInput: true), input: input,
                             label: "rectifying MaxPool2D [2,3,6,4]", epsilon: 1e-3)
        assertGradientsMatch(MaxPool2D(kernelSize: 3, stride: 2, rectifiesInput: true), input: input,
                             label: "rectifying MaxPool2D k3 s2 [2,3,6,4]", epsilon: 1e-3)
    }

    func testRectifyingMaxPoolEqualsReLUThenMaxPool() {
        var generator = SeededGenerator(seed: 15)
        // Even planes (tiling backward), odd planes (floor, general backward), overlapping
        // windows; most inputs negative, some windows entirely negative, and ties
        // at zero after the ReLU.
        let cases: [(shape: [Int], k: Int, s: Int)] = [([3, 4, 8, 6], 2, 2), ([2, 3, 7, 7], 2, 2), ([2, 2, 7, 6], 3, 2)]
        for (shape, k, s) in cases {
            let count = shape.reduce(1, *)
            var values = [Float]()
            for _ in 0..<count { values.append(generator.nextFloat(in: -1..<0.25)) }
            for i in stride(from: 0, to: values.count, by: 5) { values[i] = 0 }
            let input = Tensor(shape: shape, scalars: values)
            let gradient = Tensor.randomNormal(shape: MaxPool2D(kernelSize: k, stride: s)
                .forward(input, mode: .inference).shape, generator: &generator)
            let relu = ReLU(), pool = MaxPool2D(kernelSize: k, stride: s)
            let expected = pool.forward(relu.forward(input, mode: .training), mode: .training)
            let expectedGradient = relu.backward(pool.backward(gradient))
            let fused = MaxPool2D(kernelSize: k, stride: s, rectifiesInput: true)
            let output = fused.forward(input, mode: .training)
            XCTAssertEqual(output.shape, expected.shape, "\(shape) k=\(k) s=\(s)")
            XCTAssertEqual(output.scalars, expected.scalars, "forward \(shape) k=\(k) s=\(s)")
            XCTAssertEqual(fused.backward(gradient).scalars, expectedGradient.scalars,
                           "backward \(shape) k=\(k) s=\(s)")
            XCTAssertTrue(output.scalars.contains(0), "\(shape): no window was rectified, the case tests nothing")
        }
    }

    func testGlobalAveragePool() {
        let pool = GlobalAveragePool()
        let output = pool.forward(Tensor(shape: [1, 2, 1, 3], scalars: [1, 2, 6, -1, 0, 4]), mode: .inference)
        XCTAssertEqual(output.shape, [1, 2])
        XCTAssertEqual(output.scalars, [3, 1])
        var generator = SeededGenerator(seed: 13)
        let input = Tensor.randomNormal(shape: [2, 3, 3, 4], generator: &generator)
        assertGradientsMatch(pool, input: input, label: "GlobalAveragePool [2,3,3,4]")
    }
}
