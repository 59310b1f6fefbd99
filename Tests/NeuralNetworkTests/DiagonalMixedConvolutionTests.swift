import XCTest
import TensorCore
@testable import NeuralNetwork

/// The direct diagonally mixed convolution (`DiagonalMixedConvolution`, dynamic-diag's
/// stride-1 "same" layers) against its twin, the im2col path (mix + GEMM).
final class DiagonalMixedConvolutionTests: XCTestCase {
    private struct Pass {
        var output: Tensor, inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor, mixingGradient: Tensor
    }

    /// Forward, dx, dW, db and dM through `ConvolutionEngine` with a random per-position
    /// diagonal mixing [N, K, H, W] (dM poisoned with NaN: every entry must be written).
    private func run(direct: Bool, input: Tensor, weight: Tensor, bias: Tensor, mixing: Tensor,
                     outputGradient: Tensor, geometry g: ConvolutionGeometry) -> Pass {
        ConvolutionEngine.usesDirectConvolution = direct
        let outC = weight.shape[0]
        var weightGradient = Tensor(shape: weight.shape)
        var biasGradient = [Float](repeating: 0, count: outC)
        var mixingGradient = Tensor(shape: mixing.shape, repeating: .nan)
        let (y, dx) = mixing.withUnsafeBufferPointer { m in
            let mix = ConvolutionEngine.Mixing(entries: m.baseAddress!, diagonal: true)
            let y = ConvolutionEngine.forward(input: input, weight: weight, bias: bias, outputChannels: outC,
                                              geometry: g, mixing: mix)
            let dx = biasGradient.withUnsafeMutableBufferPointer { db in
                mixingGradient.withUnsafeMutableBufferPointer { dm in
                    ConvolutionEngine.backward(input: input, outputGradient: outputGradient, weight: weight,
                                               outputChannels: outC, geometry: g, mixing: mix,
                                               weightGradient: &weightGradient, biasGradient: db.baseAddress!,
                                               mixingGradient: dm.baseAddress!)
                }
            }
            return (y, dx)
        }
        return Pass(output: y, inputGradient: dx, weightGradient: weightGradient,
                    biasGradient: Tensor(shape: [outC], scalars: biasGradient), mixingGradient: mixingGradient)
    }

    /// Over kernel sizes, channel counts (ragged 6-row panels and 16-column panels), image
    /// sizes (one tile or many, gaps at every width) and thread counts.
    func testMatchesIm2colPathOverSweep() {
        let saved = (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount)
        defer { (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount) = saved }
        var cases = 0
        for kernel in [1, 3, 5] {
            for (height, width) in [(1, 1), (5, 7), (7, 7), (12, 13), (3, 20), (28, 28)] {
                for (inC, outC) in [(1, 16), (3, 7), (16, 17), (20, 6)] {
                    for (batch, threads) in [(1, 1), (3, 2)] {
                        if height == 28 && (inC, outC, batch) != (16, 17, 3) { continue }
                        let label = "k=\(kernel) \(height)×\(width) \(inC)→\(outC) N=\(batch) threads=\(threads)"
                        var generator = SeededGenerator(seed: UInt64(kernel * 1000 + height * 31 + inC * 7 + outC + batch))
                        let g = ConvolutionGeometry(channels: inC, height: height, width: width, kernel: kernel,
                                                    stride: 1, padding: kernel / 2)
                        let weight = Tensor.randomNormal(shape: [outC, inC, kernel, kernel], generator: &generator)
                        let bias = Tensor.randomNormal(shape: [outC], generator: &generator)
                        let input = Tensor.randomNormal(shape: [batch, inC, height, width], generator: &generator)
                        let mixing = Tensor.randomNormal(shape: [batch, kernel * kernel, height, width], generator: &generator)
                        let outputGradient = Tensor.randomNormal(shape: [batch, outC, height, width], generator: &generator)
                        Parallel.threadCount = threads
                        let direct = run(direct: true, input: input, weight: weight, bias: bias, mixing: mixing,
                                         outputGradient: outputGradient, geometry: g)
                        let twin = run(direct: false, input: input, weight: weight, bias: bias, mixing: mixing,
                                       outputGradient: outputGradient, geometry: g)
                        assertClose(direct.output, twin.output, tolerance: 1e-5, "\(label): forward")
                        assertClose(direct.inputGradient, twin.inputGradient, tolerance: 1e-5, "\(label): input gradient")
                        assertClose(direct.weightGradient, twin.weightGradient, tolerance: 1e-5, "\(label): weight gradient")
                        assertClose(direct.biasGradient, twin.biasGradient, tolerance: 1e-5, "\(label): bias gradient")
                        assertClose(direct.mixingGradient, twin.mixingGradient, tolerance: 1e-5, "\(label): mixing gradient")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertEqual(cases, 123)
    }

    /// Same input, same bits: run to run, and across thread counts for y, dx and dM (each
    /// image's own results never depend on the batch split).
    func testBitIdenticalRunToRunAndAcrossThreads() {
        let saved = (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount)
        defer { (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount) = saved }
        var generator = SeededGenerator(seed: 5)
        let g = ConvolutionGeometry(channels: 16, height: 14, width: 14, kernel: 3, stride: 1, padding: 1)
        let weight = Tensor.randomNormal(shape: [16, 16, 3, 3], generator: &generator)
        let bias = Tensor.randomNormal(shape: [16], generator: &generator)
        let input = Tensor.randomNormal(shape: [5, 16, 14, 14], generator: &generator)
        let mixing = Tensor.randomNormal(shape: [5, 9, 14, 14], generator: &generator)
        let outputGradient = Tensor.randomNormal(shape: [5, 16, 14, 14], generator: &generator)
        var runs: [Pass] = []
        for threads in [2, 2, 1] {
            Parallel.threadCount = threads
            runs.append(run(direct: true, input: input, weight: weight, bias: bias, mixing: mixing,
                            outputGradient: outputGradient, geometry: g))
        }
        XCTAssertEqual(runs[0].output.scalars, runs[1].output.scalars, "forward, run to run")
        XCTAssertEqual(runs[0].inputGradient.scalars, runs[1].inputGradient.scalars, "input gradient, run to run")
        XCTAssertEqual(runs[0].weightGradient.scalars, runs[1].weightGradient.scalars, "weight gradient, run to run")
        XCTAssertEqual(runs[0].mixingGradient.scalars, runs[1].mixingGradient.scalars, "mixing gradient, run to run")
        XCTAssertEqual(runs[0].output.scalars, runs[2].output.scalars, "forward, 2 threads against 1")
        XCTAssertEqual(runs[0].inputGradient.scalars, runs[2].inputGradient.scalars, "input gradient, 2 threads against 1")
        XCTAssertEqual(runs[0].mixingGradient.scalars, runs[2].mixingGradient.scalars, "mixing gradient, 2 threads against 1")
    }
}

/// PatchNormConv with O ≤ 8 outputs (the meta-network's first layer) on
/// `NarrowDirectConvolution`'s tiles against its twin, the im2col path, and its gradients.
final class NarrowDirectConvolutionTests: XCTestCase {
    func testPatchNormConvMatchesIm2colPath() {
        let saved = (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount)
        defer { (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount) = saved }
        var cases = 0
        for kernel in [1, 3, 5] {
            for (height, width) in [(1, 1), (6, 9), (13, 7), (28, 28)] {
                for (inC, outC, batch, threads) in [(1, 8, 1, 1), (16, 8, 3, 2), (5, 4, 2, 2)] {
                    if height == 28 && inC != 16 { continue }
                    XCTAssertTrue(NarrowDirectConvolution.supports(
                        ConvolutionGeometry(channels: inC, height: height, width: width, kernel: kernel, stride: 1,
                                            padding: kernel / 2), outputChannels: outC))
                    let label = "k=\(kernel) \(height)×\(width) \(inC)→\(outC) N=\(batch) threads=\(threads)"
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
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, 30)
        XCTAssertFalse(NarrowDirectConvolution.supports(
            ConvolutionGeometry(channels: 2, height: 5, width: 5, kernel: 3, stride: 1, padding: 1), outputChannels: 9))
    }

    func testPatchNormConvGradientsOnTheNarrowPath() {
        var generator = SeededGenerator(seed: 43)
        let layer = PatchNormConv(inputChannels: 3, outputChannels: 8, kernelSize: 3, generator: &generator)
        let input = Tensor.randomNormal(shape: [2, 3, 6, 5], generator: &generator)
        assertGradientsMatch(layer, input: input, label: "PatchNormConv 3→8 narrow", epsilon: 2e-3, tolerance: 2e-2)
    }
}

/// The meta-network with h ∈ {4, 8} hidden channels: its projection's input gradient on
/// `NarrowDirectConvolution` (a "same" convolution of dz with the flipped kernel) against the
/// direct/im2col twin, and its finite-difference gradients.
final class MetaNetworkNarrowProjectionTests: XCTestCase {
    func testProjectionInputGradientMatchesTwin() {
        let saved = (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount)
        defer { (ConvolutionEngine.usesDirectConvolution, Parallel.threadCount) = saved }
        for (hidden, outputs, height, width, threads) in [(8, 9, 7, 6, 1), (4, 81, 5, 9, 2), (8, 81, 3, 3, 2)] {
            let label = "h=\(hidden) G=\(outputs) \(height)×\(width) threads=\(threads)"
            var generator = SeededGenerator(seed: UInt64(hidden * 100 + outputs))
            let meta = MetaNetwork(inputChannels: 3, hiddenChannels: hidden, outputChannels: outputs, kernelSize: 3,
                                   stride: 1, padding: 1, initialScale: 0.5, generator: &generator)
            let input = Tensor.randomNormal(shape: [3, 3, height, width], generator: &generator)
            let upstream = Tensor.randomNormal(shape: [3, outputs, height, width], generator: &generator)
            Parallel.threadCount = threads
            var results: [(Tensor, [Tensor])] = []
            for direct in [true, false] {
                ConvolutionEngine.usesDirectConvolution = direct
                for p in meta.parameters { p.zeroGradient() }
                _ = meta.forward(input, mode: .training)
                let dx = meta.backward(upstream)
                results.append((dx, meta.parameters.map(\.gradient)))
            }
            assertClose(results[0].0, results[1].0, tolerance: 1e-4, "\(label): input gradient")
            for (i, (a, b)) in zip(results[0].1, results[1].1).enumerated() {
                assertClose(a, b, tolerance: 1e-4, "\(label): gradient of parameter \(i)")
            }
        }
    }

    func testGradientsWithANarrowProjection() {
        var generator = SeededGenerator(seed: 44)
        let meta = MetaNetwork(inputChannels: 2, hiddenChannels: 4, outputChannels: 9, kernelSize: 3, stride: 1,
                               padding: 1, initialScale: 0.5, generator: &generator)
        let input = Tensor.randomNormal(shape: [3, 2, 5, 5], generator: &generator)
        assertGradientsMatch(meta, input: input, label: "MetaNetwork h=4", epsilon: 2e-3, tolerance: 2e-2)
    }
}
