import TensorCore
import XCTest
@testable import NeuralNetwork

/// nsl-cnn9 is composed of existing layers (each with its own gradient check): these tests
/// prove the composition — the paper's layout, the data's channels and size, a gradient that
/// reaches the root convolution, and training that fits a small colour batch, for every variant.
final class NSLCNN9Tests: XCTestCase {
    func testLayoutIsARootThenThreeStagesOfThreeSimilarityLayers() {
        var generator = SeededGenerator(seed: 1)
        let model = ModelBuilder.nslCNN9(variant: .staticDiag, inputChannels: 3, classCount: 10, generator: &generator)
        let layers = model.body.layers
        let root = layers.first as? Conv2D
        XCTAssertEqual(root?.inputChannels, 3)
        XCTAssertEqual(root?.outputChannels, 32)
        let similarity = model.similarityLayers
        XCTAssertEqual(similarity.count, 9)
        XCTAssertEqual(similarity.map(\.outputChannels), [32, 32, 32, 64, 64, 64, 128, 128, 128])
        XCTAssertEqual(similarity.map(\.inputChannels), [32, 32, 32, 32, 64, 64, 64, 128, 128])
        XCTAssertTrue(similarity.allSatisfy { $0.kernelSize == 3 && $0.variant == .staticDiag })
        XCTAssertEqual(layers.filter { $0 is BatchNorm2D }.count, 10, "BN after the root and every similarity layer")
        XCTAssertEqual(layers.filter { $0 is MaxPool2D }.count, 3, "a 2×2 max pool after each stage: 32→16→8→4")
        XCTAssertTrue(layers.last is GlobalAveragePool)
        XCTAssertEqual(model.head.inputFeatures, 128)
        XCTAssertEqual(model.label, "nsl-cnn9/static-diag")
    }

    func testEveryVariantTakesColourInputAndPassesGradientToTheRoot() {
        for variant in SimilarityVariant.allCases {
            var generator = SeededGenerator(seed: 2)
            let model = ModelBuilder.nslCNN9(variant: variant, stemWidth: 4, widths: [4, 6, 8], metaHidden: 2,
                                             inputChannels: 3, classCount: 5, imageHeight: 12, imageWidth: 10,
                                             generator: &generator)
            let images = Tensor.randomNormal(shape: [2, 3, 12, 10], generator: &generator)
            let logits = model.forward(images, mode: .training)
            XCTAssertEqual(logits.shape, [2, 5], "\(variant)")
            XCTAssertTrue(logits.scalars.allSatisfy(\.isFinite), "\(variant)")
            model.parameters.forEach { $0.zeroGradient() }
            let loss = SoftmaxCrossEntropy()(logits: logits, labels: [1, 3])
            _ = model.backward(loss.logitsGradient)
            let root = model.body.layers.first as! Conv2D
            XCTAssertGreaterThan(root.weight.gradient.scalars.map(abs).max() ?? 0, 0, "\(variant): the gradient reaches the root")
        }
    }

    func testFitsASmallColourBatch() {
        var generator = SeededGenerator(seed: 3)
        let model = ModelBuilder.nslCNN9(variant: .staticDiag, stemWidth: 4, widths: [4, 8, 8], metaHidden: 2,
                                         inputChannels: 3, classCount: 2, imageHeight: 8, imageWidth: 8, generator: &generator)
        // Class 0 is red, class 1 blue (with noise): only the channels tell them apart.
        var images = Tensor.randomNormal(shape: [8, 3, 8, 8], standardDeviation: 0.3, generator: &generator)
        let labels = (0..<8).map { $0 % 2 }
        for n in 0..<8 { for k in 0..<64 { images.scalars[(n * 3 + (labels[n] == 0 ? 0 : 2)) * 64 + k] += 1 } }
        let optimizer = SGD(momentum: 0.9)
        var losses: [Double] = []
        for _ in 0..<20 {
            model.parameters.forEach { $0.zeroGradient() }
            let output = SoftmaxCrossEntropy()(logits: model.forward(images, mode: .training), labels: labels)
            _ = model.backward(output.logitsGradient)
            optimizer.step(model.parameters, learningRate: 0.05)
            losses.append(output.loss)
        }
        XCTAssertLessThan(losses.last!, losses.first! * 0.5, "loss \(losses.first!) → \(losses.last!)")
    }
}
