import XCTest
import TensorCore
@testable import NeuralNetwork

final class LinearReLUTests: XCTestCase {
    func testLinearGradients() {
        for (batch, inFeatures, outFeatures) in [(1, 1, 1), (3, 5, 4), (7, 9, 2)] {
            var generator = SeededGenerator(seed: 1)
            let layer = Linear(inputFeatures: inFeatures, outputFeatures: outFeatures, generator: &generator)
            let input = Tensor.randomNormal(shape: [batch, inFeatures], generator: &generator)
            assertGradientsMatch(layer, input: input, label: "Linear \(batch)×\(inFeatures)→\(outFeatures)")
        }
    }

    func testLinearFlattensImageInput() {
        var generator = SeededGenerator(seed: 2)
        let layer = Linear(inputFeatures: 2 * 3 * 3, outputFeatures: 4, generator: &generator)
        let input = Tensor.randomNormal(shape: [2, 2, 3, 3], generator: &generator)
        assertGradientsMatch(layer, input: input, label: "Linear on [2,2,3,3]")
    }

    func testLinearForwardMatchesHandComputation() {
        var generator = SeededGenerator(seed: 3)
        let layer = Linear(inputFeatures: 2, outputFeatures: 1, generator: &generator)
        layer.weight.value = Tensor(shape: [1, 2], scalars: [2, -1])
        layer.bias.value = Tensor(shape: [1], scalars: [0.5])
        let output = layer.forward(Tensor(shape: [2, 2], scalars: [1, 1, 3, 4]), mode: .inference)
        XCTAssertEqual(output.scalars, [1.5, 2.5])
    }

    func testReLUGradientsAwayFromKink() {
        var generator = SeededGenerator(seed: 4)
        var input = Tensor.randomNormal(shape: [2, 3, 4, 4], generator: &generator)
        // Keep every input at least 0.1 from the kink so central differences are exact.
        for i in 0..<input.count where abs(input.scalars[i]) < 0.1 { input.scalars[i] += 0.3 }
        assertGradientsMatch(ReLU(), input: input, label: "ReLU", epsilon: 1e-2)
    }

    func testSequentialChainsGradients() {
        var generator = SeededGenerator(seed: 5)
        let model = Sequential([
            Linear(inputFeatures: 6, outputFeatures: 5, name: "a", generator: &generator),
            ReLU(),
            Linear(inputFeatures: 5, outputFeatures: 3, name: "b", generator: &generator),
        ])
        let input = Tensor.randomNormal(shape: [4, 6], generator: &generator)
        assertGradientsMatch(model, input: input, label: "Linear-ReLU-Linear", epsilon: 1e-3)
        XCTAssertEqual(model.parameters.map(\.name), ["a.weight", "a.bias", "b.weight", "b.bias"])
    }
}
