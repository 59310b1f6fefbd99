import NeuralNetwork
import RunStore
import TensorCore
@testable import Training
import XCTest

final class ModelExportTests: XCTestCase {
    /// A small nsn-lite (two stages of one block) whose parameters and running statistics are
    /// all perturbed away from their initial values, so a misplaced tensor shows.
    private func model(_ variant: SimilarityVariant, seed: UInt64 = 7) -> ImageClassifier {
        var options = ModelBuilder.NSNLiteOptions()
        options.variant = variant
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
            let model = self.model(variant)
            let export = try ModelExport(model, fold: true)
            XCTAssertFalse(export.tensors.contains { $0.name.hasSuffix(".mixing") }, "\(variant)")
            XCTAssertFalse(export.body.contains { $0["type"]?.stringValue == "similarity_conv2d" }, "\(variant)")
            for layer in model.similarityLayers {
                let name = String(layer.weight.name.dropLast(".weight".count))
                let folded = try XCTUnwrap(export.tensors.first { $0.name == name + ".weight" }, "\(variant) \(name)")
                XCTAssertEqual(folded.shape, layer.weight.value.shape)
                // W_eff[o, c, p] = Σ_t W[o, c, t]·M[t, p], computed here in Double from the definition.
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
                    XCTAssertEqual(actual.scalars[i], expected.scalars[i], accuracy: 1e-4, "\(variant) \(name) output \(i)")
                }
            }
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
