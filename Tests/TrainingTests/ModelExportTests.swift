import NeuralNetwork
import RunStore
import TensorCore
@testable import Training
import XCTest

final class ModelExportTests: XCTestCase {
    /// A small nsn-lite (two stages of one block) whose parameters and running statistics are
    /// all perturbed away from their initial values, so a misplaced tensor shows.
    private func model(_ variant: SimilarityVariant, shape: KernelShape = .full, seed: UInt64 = 7) -> ImageClassifier {
        var options = ModelBuilder.NSNLiteOptions()
        options.variant = variant
        options.kernelShape = shape
        options.stemWidth = 4
        options.widths = [4, 6]
        options.blocksPerStage = 1
        options.metaHidden = 3
        var generator = SeededGenerator(seed: seed)
        let model = ModelBuilder.nsnLite(options, classCount: 5, imageHeight: 8, imageWidth: 8, generator: &generator)
        for parameter in model.parameters + model.buffers {
            let noise = Tensor.randomNormal(shape: parameter.value.shape, standardDeviation: 0.3, generator: &generator)
            for i in 0..<noise.count { parameter.value.scalars[i] = abs(parameter.value.scalars[i] + noise.scalars[i]) + 0.05 }
        }
        return model
    }

    func testEveryVariantExportsEachTensorOnceUnderItsPyTorchName() throws {
        for variant in SimilarityVariant.allCases {
            let model = self.model(variant)
            let export = try ModelExport(model, fold: false)
            let names = export.tensors.map(\.name)
            XCTAssertEqual(names.count, Set(names).count, "\(variant): a name twice")
            // Every scalar of the model is exported once (parameters and BatchNorm statistics).
            let modelScalars = (model.parameters + model.buffers).reduce(0) { $0 + $1.value.count }
            XCTAssertEqual(export.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) }, modelScalars, "\(variant)")
            XCTAssertTrue(names.allSatisfy { !$0.hasSuffix(".gamma") && !$0.contains("running") || $0.hasSuffix(".running_mean") || $0.hasSuffix(".running_var") },
                          "\(variant): BatchNorm tensors carry PyTorch's names: \(names)")
            XCTAssertTrue(names.contains("stem.bn.running_var") && names.contains("stem.bn.weight"), "\(variant)")
            XCTAssertTrue(names.contains("stage1.block1.similarity.weight"), "\(variant)")
            XCTAssertEqual(names.contains("stage1.block1.similarity.mixing"), variant.hasStaticMixing, "\(variant)")
            XCTAssertEqual(names.contains("stage2.block1.similarity.meta.projection.weight"), variant.isDynamic, "\(variant)")
            XCTAssertEqual(names.contains("stage2.block1.similarity.meta.outputNorm.running_mean"), variant.isDynamic, "\(variant)")
            let types = export.body.compactMap { $0["type"]?.stringValue }
            XCTAssertEqual(types, ["conv2d", "batchnorm2d", "similarity_conv2d", "batchnorm2d", "maxpool2d",
                                   "similarity_conv2d", "batchnorm2d", "maxpool2d", "global_average_pool"], "\(variant)")
            XCTAssertEqual(export.head["type"]?.stringValue, "linear")
            XCTAssertEqual(export.body[2]["variant"]?.stringValue, variant.rawValue)
            XCTAssertEqual(export.body[2]["meta"] != nil, variant.isDynamic, "\(variant)")
        }
    }

    func testTensorsKeepTheModelsValuesInPyTorchLayouts() throws {
        let model = self.model(.dynamicFull)
        let export = try ModelExport(model, fold: false)
        func tensor(_ name: String) -> SafetensorsFile.Tensor? { export.tensors.first { $0.name == name } }
        func floats(_ t: SafetensorsFile.Tensor?) -> [Float] {
            guard let t else { return [] }
            return stride(from: 0, to: t.bytes.count, by: 4).map { i in
                Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(t.bytes[i + $1]) << (8 * UInt32($1)) })
            }
        }
        let similarity = model.similarityLayers[0]
        let weight = tensor("stage1.block1.similarity.weight")
        XCTAssertEqual(weight?.shape, [4, 4, 3, 3])                       // [out, in, kh, kw]
        XCTAssertEqual(floats(weight), similarity.weight.value.scalars)
        let meta = similarity.metaNetwork!
        XCTAssertEqual(tensor("stage1.block1.similarity.meta.projection.weight")?.shape, [81, 3, 3, 3])  // G = K² outputs
        XCTAssertEqual(floats(tensor("stage1.block1.similarity.meta.hiddenNorm.weight")), meta.hiddenNorm.gamma.value.scalars)
        XCTAssertEqual(floats(tensor("stage1.block1.similarity.meta.hiddenNorm.bias")), meta.hiddenNorm.beta.value.scalars)
        XCTAssertEqual(floats(tensor("stage1.block1.similarity.meta.outputNorm.running_var")),
                       meta.outputNorm.runningVariance.value.scalars)
        XCTAssertEqual(tensor("head.weight")?.shape, [5, 6])              // [out, in]
        XCTAssertEqual(floats(tensor("head.weight")), model.head.weight.value.scalars)
        XCTAssertEqual(export.body[2]["meta"]?["patch_norm_conv"]?["epsilon"]?.doubleValue, Double(meta.patchNormConv.epsilon))
    }

    func testFoldWritesPlainConvolutionsThatComputeTheSameOutputs() throws {
        for variant in [SimilarityVariant.conv, .staticFull, .staticDiag] {
          for shape in [KernelShape.full, .cross, .learned(activeTaps: 5)] {
            let model = self.model(variant, shape: shape)
            let export = try ModelExport(model, fold: true)
            XCTAssertFalse(export.tensors.contains { $0.name.hasSuffix(".shape_mask") }, "\(variant) \(shape)")
            XCTAssertEqual(export.body[2]["kernel_shape"]?.stringValue, shape == .full ? nil : shape.description)
            XCTAssertFalse(export.tensors.contains { $0.name.hasSuffix(".mixing") }, "\(variant)")
            XCTAssertFalse(export.body.contains { $0["type"]?.stringValue == "similarity_conv2d" }, "\(variant)")
            for layer in model.similarityLayers {
                let name = String(layer.weight.name.dropLast(".weight".count))
                let folded = try XCTUnwrap(export.tensors.first { $0.name == name + ".weight" }, "\(variant) \(name)")
                XCTAssertEqual(folded.shape, layer.weight.value.shape)
                // W_eff[o, c, p] = Σ_t W[o, c, t]·M[t, p]·d_p, computed here in Double from the definition
                // (mixingMatrix is M·D for a shaped layer: an inactive tap's column is zero).
                let taps = layer.taps, matrix = layer.mixingMatrix.scalars, w = layer.weight.value.scalars
                let values = stride(from: 0, to: folded.bytes.count, by: 4).map { i in
                    Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(folded.bytes[i + $1]) << (8 * UInt32($1)) })
                }
                for row in 0..<(w.count / taps) {
                    for p in 0..<taps {
                        let expected = (0..<taps).reduce(0.0) { $0 + Double(w[row * taps + $1]) * Double(matrix[$1 * taps + p]) }
                        XCTAssertEqual(Double(values[row * taps + p]), expected, accuracy: 1e-5 * max(1, abs(expected)),
                                       "\(variant) \(name) [\(row), \(p)]")
                    }
                }
                // The folded kernel as a Conv2D gives the similarity layer's outputs.
                var generator = SeededGenerator(seed: 11)
                let input = Tensor.randomNormal(shape: [2, layer.inputChannels, 5, 6], generator: &generator)
                let conv = Conv2D(inputChannels: layer.inputChannels, outputChannels: layer.outputChannels,
                                  kernelSize: layer.kernelSize, padding: layer.padding, bias: false, generator: &generator)
                conv.weight.value = Tensor(shape: folded.shape, scalars: values)
                let expected = layer.forward(input, mode: .inference), actual = conv.forward(input, mode: .inference)
                for i in 0..<expected.count {
                    XCTAssertEqual(actual.scalars[i], expected.scalars[i], accuracy: 1e-4, "\(variant) \(shape) \(name) output \(i)")
                }
            }
          }
        }
    }

    /// A shaped layer's export, read back and computed the way scripts/load-in-pytorch.py does
    /// (y_o = Σ_c Σ_t,p W[o,c,t]·M[t,p]·d_p·x_c[p], d = NAME.shape_mask), gives the Swift
    /// layer's forward, for every variant and for a fixed and a learned shape.
    func testShapedLayersExportTheirMaskAndMatchTheLayersForward() throws {
        for shape in [KernelShape.cross, .learned(activeTaps: 5)] {
            for variant in SimilarityVariant.allCases {
                let model = self.model(variant, shape: shape)
                let export = try ModelExport(model, fold: false)
                XCTAssertFalse(export.tensors.contains { $0.name.contains("shapeScores") }, "\(variant) \(shape)")
                for layer in model.similarityLayers {
                    let name = String(layer.weight.name.dropLast(".weight".count)), label = "\(variant) \(shape) \(name)"
                    func tensor(_ suffix: String) -> [Float]? {
                        export.tensors.first { $0.name == name + suffix }.map(Self.floats)
                    }
                    let specification = try XCTUnwrap(export.body.first { $0["name"]?.stringValue == name }, label)
                    XCTAssertEqual(specification["kernel_shape"]?.stringValue, shape.description, label)
                    let mask = try XCTUnwrap(tensor(".shape_mask"), label)
                    XCTAssertEqual(mask, layer.tapMask, label)          // learned: the top-N the forward uses
                    XCTAssertEqual(mask.filter { $0 == 1 }.count, 5, label)
                    XCTAssertEqual(mask.filter { $0 != 0 && $0 != 1 }.count, 0, label)

                    var generator = SeededGenerator(seed: 11)
                    let input = Tensor.randomNormal(shape: [2, layer.inputChannels, 5, 6], generator: &generator)
                    let expected = layer.forward(input, mode: .inference)
                    let g = layer.metaNetwork?.forward(input, mode: .inference)
                    let shaped = reference(layer, weight: try XCTUnwrap(tensor(".weight")), mixing: tensor(".mixing"),
                                           g: g, mask: mask, input: input)
                    XCTAssertEqual(shaped.count, expected.count, label)
                    for i in 0..<min(shaped.count, expected.count) {
                        XCTAssertEqual(shaped[i], Double(expected.scalars[i]), accuracy: 1e-4 * max(1, abs(shaped[i])),
                                       "\(label) output \(i)")
                    }
                    // The mask matters here: without it the outputs differ.
                    let unshaped = reference(layer, weight: try XCTUnwrap(tensor(".weight")), mixing: tensor(".mixing"),
                                             g: g, mask: [Float](repeating: 1, count: layer.taps), input: input)
                    XCTAssertGreaterThan(zip(unshaped, shaped).map { abs($0 - $1) }.max() ?? 0, 1e-2, label)
                }
            }
        }
    }

    /// y[n, o, i, j] = Σ_c Σ_t,p W[o,c,t]·M_nl[t,p]·d_p·x[n, c, i·s − pad + p/k, j·s − pad + p%k] in Double,
    /// with M from the exported tensors (conv I, static-full mixing, static-diag diag(mixing),
    /// dynamic-full I + g, entry t·K + p, dynamic-diag diag(1 + g)).
    private func reference(_ layer: SimilarityConv2D, weight: [Float], mixing: [Float]?, g: Tensor?, mask: [Float],
                           input: Tensor) -> [Double] {
        let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
        let k = layer.kernelSize, taps = k * k, s = layer.stride, pad = layer.padding, o = layer.outputChannels
        let hOut = (h + 2 * pad - k) / s + 1, wOut = (w + 2 * pad - k) / s + 1, positions = hOut * wOut
        func entry(_ sample: Int, _ position: Int, _ t: Int, _ p: Int) -> Double {
            let identity: Double = t == p ? 1 : 0
            switch layer.variant {
            case .conv: return identity
            case .staticFull: return Double(mixing![t * taps + p])
            case .staticDiag: return t == p ? Double(mixing![t]) : 0
            case .dynamicFull:
                return identity + Double(g!.scalars[(sample * taps * taps + t * taps + p) * positions + position])
            case .dynamicDiag:
                return t == p ? 1 + Double(g!.scalars[(sample * taps + t) * positions + position]) : 0
            }
        }
        var output = [Double](repeating: 0, count: n * o * positions)
        for sample in 0..<n {
            for i in 0..<hOut {
                for j in 0..<wOut {
                    let position = i * wOut + j
                    for p in 0..<taps where mask[p] != 0 {
                        let row = i * s - pad + p / k, column = j * s - pad + p % k
                        guard row >= 0, row < h, column >= 0, column < w else { continue }
                        var mixed = [Double](repeating: 0, count: taps)   // Σ_t-weights of x_p: M[t, p]·d_p
                        for t in 0..<taps { mixed[t] = entry(sample, position, t, p) * Double(mask[p]) }
                        for channel in 0..<c {
                            let x = Double(input.scalars[((sample * c + channel) * h + row) * w + column])
                            for out in 0..<o {
                                var sum = 0.0
                                for t in 0..<taps { sum += Double(weight[(out * c + channel) * taps + t]) * mixed[t] }
                                output[(sample * o + out) * positions + position] += sum * x
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    private static func floats(_ t: SafetensorsFile.Tensor) -> [Float] {
        stride(from: 0, to: t.bytes.count, by: 4).map { i in
            Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(t.bytes[i + $1]) << (8 * UInt32($1)) })
        }
    }

    func testFoldIsRefusedForDynamicVariantsWithTheReason() {
        for variant in [SimilarityVariant.dynamicFull, .dynamicDiag] {
            XCTAssertThrowsError(try ModelExport(model(variant), fold: true), "\(variant)") { error in
                guard case ModelExportError.cannotFold(let layer, let name) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(layer, "stage1.block1.similarity")
                XCTAssertEqual(name, variant.rawValue)
                XCTAssertTrue("\(error)".contains("meta-network"), "\(error)")
            }
        }
    }

    func testSmallCNNExportsItsHiddenLinearLayerAndReLU() throws {
        var generator = SeededGenerator(seed: 3)
        let model = ModelBuilder.smallCNN(classCount: 10, imageHeight: 8, imageWidth: 8, generator: &generator)
        let export = try ModelExport(model, fold: true)
        XCTAssertEqual(export.body.compactMap { $0["type"]?.stringValue },
                       ["conv2d", "maxpool2d", "conv2d", "maxpool2d", "linear", "relu"])
        XCTAssertEqual(export.tensors.first { $0.name == "fc1.weight" }?.shape, [128, 64 * 2 * 2])
        XCTAssertEqual(export.tensors.first { $0.name == "conv1.bias" }?.shape, [32])
    }

    func testAnUnknownLayerIsNamedInTheError() {
        final class Unknown: Layer {
            var parameters: [Parameter] { [] }
            func forward(_ input: Tensor, mode: ForwardMode) -> Tensor { input }
            func backward(_ outputGradient: Tensor) -> Tensor { outputGradient }
        }
        var generator = SeededGenerator(seed: 1)
        let model = ImageClassifier(body: Sequential([Unknown()]),
                                    head: Linear(inputFeatures: 4, outputFeatures: 2, name: "head", generator: &generator),
                                    label: "test")
        XCTAssertThrowsError(try ModelExport(model, fold: false)) { error in
            XCTAssertEqual(error as? ModelExportError, .unsupportedLayer("Unknown"))
        }
    }
}
