import XCTest
import TensorCore
@testable import NeuralNetwork

final class Conv2DTests: XCTestCase {
    func testForwardMatchesDirectConvolutionOverSweep() {
        for kernel in [3, 5] {
            for stride in [1, 2] {
                for padding in [0, 1, 2] {
                    for (height, width) in [(5, 7), (9, 6), (13, 12)] where min(height, width) + 2 * padding >= kernel {
                        for (batch, inC, outC) in [(1, 1, 2), (3, 3, 4)] {
                            let label = "Conv2D N=\(batch) \(inC)→\(outC) \(height)×\(width) k=\(kernel) s=\(stride) p=\(padding)"
                            var generator = SeededGenerator(seed: UInt64(kernel * 97 + stride * 13 + padding + height))
                            let layer = Conv2D(inputChannels: inC, outputChannels: outC, kernelSize: kernel,
                                               stride: stride, padding: padding, generator: &generator)
                            layer.bias!.value = .randomNormal(shape: [outC], generator: &generator)
                            let input = Tensor.randomNormal(shape: [batch, inC, height, width], generator: &generator)
                            let output = layer.forward(input, mode: .inference)
                            let expected = ConvolutionReference.convolution(input: input, weight: layer.weight.value,
                                                                            bias: layer.bias!.value, stride: stride, padding: padding)
                            assertClose(output, expected, tolerance: 1e-5, label)
                        }
                    }
                }
            }
        }
    }

    func testWithoutBiasHasOnlyWeightParameter() {
        var generator = SeededGenerator(seed: 3)
        let layer = Conv2D(inputChannels: 2, outputChannels: 3, bias: false, name: "c1", generator: &generator)
        XCTAssertEqual(layer.parameters.map(\.name), ["c1.weight"])
        let input = Tensor.randomNormal(shape: [2, 2, 4, 4], generator: &generator)
        let expected = ConvolutionReference.convolution(input: input, weight: layer.weight.value, bias: nil, stride: 1, padding: 1)
        assertClose(layer.forward(input, mode: .inference), expected, tolerance: 1e-5, "Conv2D without bias")
    }

    func testKaimingInitialisationScale() {
        var generator = SeededGenerator(seed: 4)
        let layer = Conv2D(inputChannels: 16, outputChannels: 32, kernelSize: 3, generator: &generator)
        let values = layer.weight.value.scalars
        let variance = values.map { Double($0 * $0) }.reduce(0, +) / Double(values.count)
        XCTAssertEqual(variance, 2.0 / 144, accuracy: 0.15 * 2.0 / 144, "Kaiming normal variance 2/(C·k²)")
        XCTAssertEqual(layer.bias!.value.scalars, [Float](repeating: 0, count: 32))
    }

    func testGradients() {
        // 12×12 at stride 1 has ≥ 128 output positions: images go through the GEMMs one by one.
        for (kernel, stride, padding, height, width) in [(3, 1, 1, 5, 5), (3, 1, 1, 12, 12), (3, 2, 1, 6, 5), (5, 2, 2, 7, 6), (5, 1, 0, 6, 7), (3, 2, 0, 5, 5)] {
            var generator = SeededGenerator(seed: UInt64(kernel + 10 * stride + 100 * padding))
            let layer = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: kernel, stride: stride,
                               padding: padding, generator: &generator)
            let input = Tensor.randomNormal(shape: [2, 2, height, width], generator: &generator)
            assertGradientsMatch(layer, input: input, label: "Conv2D k=\(kernel) s=\(stride) p=\(padding) \(height)×\(width)")
        }
    }

    func testSkippingTheInputGradientKeepsParameterGradientsAndReturnsZeros() {
        // A first layer's input gradient is unused: with computesInputGradient off, dW and db
        // must be exactly those of a full backward and dx all zeros of the input's shape.
        for (batch, threads) in [(1, 1), (5, 2), (9, 2)] {
            var generator = SeededGenerator(seed: UInt64(batch))
            let layer = Conv2D(inputChannels: 3, outputChannels: 4, generator: &generator)
            let input = Tensor.randomNormal(shape: [batch, 3, 7, 6], generator: &generator)
            let outputGradient = Tensor.randomNormal(shape: [batch, 4, 7, 6], generator: &generator)
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            Parallel.threadCount = threads
            var results: [(Tensor, Tensor, Tensor)] = []
            for computes in [true, false] {
                layer.computesInputGradient = computes
                for p in layer.parameters { p.zeroGradient() }
                _ = layer.forward(input, mode: .training)
                let dx = layer.backward(outputGradient)
                results.append((dx, layer.weight.gradient, layer.bias!.gradient))
            }
            let label = "batch=\(batch) threads=\(threads)"
            XCTAssertEqual(results[1].1.scalars, results[0].1.scalars, "\(label): weight gradient")
            XCTAssertEqual(results[1].2.scalars, results[0].2.scalars, "\(label): bias gradient")
            XCTAssertEqual(results[1].0.shape, input.shape, "\(label): dx shape")
            XCTAssertTrue(results[1].0.scalars.allSatisfy { $0 == 0 }, "\(label): skipped dx is not zero")
            XCTAssertTrue(results[0].0.scalars.contains { $0 != 0 }, "\(label): full dx is all zero")
        }
    }

    func testBatchSplitAcrossThreadsGivesSameGradients() {
        // The batch is split into per-thread chunks with partial weight gradients; one thread
        // and two threads must agree (up to summation order).
        var generator = SeededGenerator(seed: 8)
        let layer = Conv2D(inputChannels: 2, outputChannels: 3, generator: &generator)
        let input = Tensor.randomNormal(shape: [5, 2, 6, 6], generator: &generator)
        let outputGradient = Tensor.randomNormal(shape: [5, 3, 6, 6], generator: &generator)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [(Tensor, Tensor, Tensor)] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            for p in layer.parameters { p.zeroGradient() }
            _ = layer.forward(input, mode: .training)
            let dx = layer.backward(outputGradient)
            results.append((dx, layer.weight.gradient, layer.bias!.gradient))
        }
        assertClose(results[0].0, results[1].0, tolerance: 1e-5, "input gradient, 1 vs 2 threads")
        assertClose(results[0].1, results[1].1, tolerance: 1e-5, "weight gradient, 1 vs 2 threads")
        assertClose(results[0].2, results[1].2, tolerance: 1e-5, "bias gradient, 1 vs 2 threads")
    }
}

/// Max-norm relative closeness: max|a − b| ≤ tolerance · max(1, max|b|).
func assertClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "\(label): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var worst: Float = 0, scale: Float = 1
    for i in 0..<actual.count {
        worst = max(worst, abs(actual.scalars[i] - expected.scalars[i]))
        scale = max(scale, abs(expected.scalars[i]))
    }
    XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(label): max difference \(worst) (scale \(scale))",
                             file: file, line: line)
}
