import XCTest
import TensorCore
@testable import NeuralNetwork

/// The stride-1 "same" convolutions computed from padded images (`DirectConvolution`)
/// against their twin, the im2col + GEMM path, and against the naive reference.
final class DirectConvolutionTests: XCTestCase {
    /// Forward, dx, dW and db of the direct path match the im2col path over a sweep of
    /// kernel sizes, channel counts (ragged 6-row and 16-column panels), image sizes (one
    /// tile or many, gaps at every width) and thread counts.
    func testMatchesIm2colPathOverSweep() {
        let saved = (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount)
        defer { (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount) = saved }
        var cases = 0
        for kernel in [1, 3, 5] {
            for (height, width) in [(1, 1), (5, 7), (7, 7), (12, 13), (3, 20)] {
                for (inC, outC) in [(1, 16), (3, 7), (16, 17), (20, 6)] {
                    for (batch, threads) in [(1, 1), (3, 2)] {
                        let label = "k=\(kernel) \(height)×\(width) \(inC)→\(outC) N=\(batch) threads=\(threads)"
                        var generator = SeededGenerator(seed: UInt64(kernel * 1000 + height * 31 + inC * 7 + outC + batch))
                        let layer = Conv2D(inputChannels: inC, outputChannels: outC, kernelSize: kernel, generator: &generator)
                        layer.bias!.value = .randomNormal(shape: [outC], generator: &generator)
                        let input = Tensor.randomNormal(shape: [batch, inC, height, width], generator: &generator)
                        let outputGradient = Tensor.randomNormal(shape: [batch, outC, height, width], generator: &generator)
                        Parallel.threadCount = threads
                        var results: [(Tensor, Tensor, Tensor, Tensor)] = []
                        for direct in [true, false] {
                            ConvolutionEngine.usesDirectConvolution = direct
                            for p in layer.parameters { p.zeroGradient() }
                            let y = layer.forward(input, mode: .training)
                            let dx = layer.backward(outputGradient)
                            results.append((y, dx, layer.weight.gradient, layer.bias!.gradient))
                        }
                        let expected = ConvolutionReference.convolution(input: input, weight: layer.weight.value,
                                                                        bias: layer.bias!.value, stride: 1, padding: kernel / 2)
                        assertClose(results[0].0, expected, tolerance: 1e-5, "\(label): forward against the reference")
                        assertClose(results[0].0, results[1].0, tolerance: 1e-5, "\(label): forward")
                        assertClose(results[0].1, results[1].1, tolerance: 1e-5, "\(label): input gradient")
                        assertClose(results[0].2, results[1].2, tolerance: 1e-5, "\(label): weight gradient")
                        assertClose(results[0].3, results[1].3, tolerance: 1e-5, "\(label): bias gradient")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertEqual(cases, 120)
    }

    /// Only stride-1 "same" shapes take the direct path; others keep im2col.
    func testSupportedShapes() {
        func geometry(_ k: Int, _ s: Int, _ p: Int) -> ConvolutionGeometry {
            ConvolutionGeometry(channels: 2, height: 9, width: 8, kernel: k, stride: s, padding: p)
        }
        XCTAssertTrue(DirectConvolution.supports(geometry(3, 1, 1)))
        XCTAssertTrue(DirectConvolution.supports(geometry(1, 1, 0)))
        XCTAssertTrue(DirectConvolution.supports(geometry(5, 1, 2)))
        XCTAssertFalse(DirectConvolution.supports(geometry(3, 2, 1)))
        XCTAssertFalse(DirectConvolution.supports(geometry(3, 1, 0)))
        XCTAssertFalse(DirectConvolution.supports(geometry(4, 1, 2)))
    }

    /// Same input, same bits: run to run, and across thread counts (each image's output and
    /// input gradient never depend on the batch split).
    func testBitIdenticalRunToRunAndAcrossThreads() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 5)
        let layer = Conv2D(inputChannels: 16, outputChannels: 16, generator: &generator)
        let input = Tensor.randomNormal(shape: [5, 16, 14, 14], generator: &generator)
        let outputGradient = Tensor.randomNormal(shape: [5, 16, 14, 14], generator: &generator)
        var runs: [(Tensor, Tensor, Tensor)] = []
        for threads in [2, 2, 1] {
            Parallel.threadCount = threads
            for p in layer.parameters { p.zeroGradient() }
            let y = layer.forward(input, mode: .training)
            runs.append((y, layer.backward(outputGradient), layer.weight.gradient))
        }
        XCTAssertEqual(runs[0].0.scalars, runs[1].0.scalars, "forward, run to run")
        XCTAssertEqual(runs[0].1.scalars, runs[1].1.scalars, "input gradient, run to run")
        XCTAssertEqual(runs[0].2.scalars, runs[1].2.scalars, "weight gradient, run to run")
        XCTAssertEqual(runs[0].0.scalars, runs[2].0.scalars, "forward, 2 threads against 1")
        XCTAssertEqual(runs[0].1.scalars, runs[2].1.scalars, "input gradient, 2 threads against 1")
    }

    func testGradientsOnTheDirectPath() {
        for (kernel, height, width) in [(3, 5, 5), (3, 7, 12), (1, 4, 3), (5, 6, 6)] {
            var generator = SeededGenerator(seed: UInt64(kernel * 10 + height))
            let layer = Conv2D(inputChannels: 3, outputChannels: 7, kernelSize: kernel, generator: &generator)
            let input = Tensor.randomNormal(shape: [2, 3, height, width], generator: &generator)
            assertGradientsMatch(layer, input: input, label: "direct Conv2D k=\(kernel) \(height)×\(width)")
        }
    }

    /// PatchNormConv (the meta-network's first layer) on the direct path against its im2col twin.
    func testPatchNormConvMatchesIm2colPath() {
        let saved = (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount)
        defer { (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount) = saved }
        for kernel in [1, 3, 5] {
            for (height, width) in [(1, 1), (6, 9), (13, 7)] {
                for (inC, outC, batch, threads) in [(1, 8, 1, 1), (16, 8, 3, 2), (5, 17, 2, 2)] {
                    let label = "PatchNormConv k=\(kernel) \(height)×\(width) \(inC)→\(outC) N=\(batch) threads=\(threads)"
                    var generator = SeededGenerator(seed: UInt64(kernel * 100 + height * 7 + inC + outC))
                    let layer = PatchNormConv(inputChannels: inC, outputChannels: outC, kernelSize: kernel, generator: &generator)
                    let input = Tensor.randomNormal(shape: [batch, inC, height, width], generator: &generator)
                    let outputGradient = Tensor.randomNormal(shape: [batch, outC, height, width], generator: &generator)
                    Parallel.threadCount = threads
                    var results: [(Tensor, Tensor, Tensor)] = []
                    for direct in [true, false] {
                        ConvolutionEngine.usesDirectConvolution = direct
                        layer.weight.zeroGradient()
                        let y = layer.forward(input, mode: .training)
                        results.append((y, layer.backward(outputGradient), layer.weight.gradient))
                    }
                    assertClose(results[0].0, results[1].0, tolerance: 1e-5, "\(label): forward")
                    assertClose(results[0].1, results[1].1, tolerance: 1e-4, "\(label): input gradient")
                    assertClose(results[0].2, results[1].2, tolerance: 1e-5, "\(label): weight gradient")
                }
            }
        }
    }
}
