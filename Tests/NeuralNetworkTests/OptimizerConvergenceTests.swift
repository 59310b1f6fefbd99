import XCTest
import TensorCore
@testable import NeuralNetwork

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Each optimizer trains Linear–ReLU–Linear to 100 % training accuracy on a problem no
/// linear classifier solves: 64 points in 8 Gaussian blobs on a circle, where opposite
/// blobs share a class (4 classes, XOR-like).
final class OptimizerConvergenceTests: XCTestCase {
    private func blobs(seed: UInt64) -> (Tensor, [Int]) {
        var generator = SeededGenerator(seed: seed)
        var points = Tensor(shape: [64, 2])
        var labels: [Int] = []
        for i in 0..<64 {
            let blob = i % 8
            let angle = Double(blob) * Double.pi / 4
            points[i, 0] = Float(cos(angle)) + 0.12 * generator.nextNormal()
            points[i, 1] = Float(sin(angle)) + 0.12 * generator.nextNormal()
            labels.append(blob % 4)
        }
        return (points, labels)
    }

    /// Full-batch training; returns the first step after which training accuracy is 100 %.
    private func stepsToFit(_ optimizer: Optimizer, learningRate: Float, maxSteps: Int) -> (Int?, Double) {
        var generator = SeededGenerator(seed: 11)
        let model = Sequential([
            Linear(inputFeatures: 2, outputFeatures: 32, name: "hidden", generator: &generator),
            ReLU(),
            Linear(inputFeatures: 32, outputFeatures: 4, name: "output", generator: &generator),
        ])
        let (x, y) = blobs(seed: 5)
        let loss = SoftmaxCrossEntropy()
        var lastLoss = Double.nan
        for step in 0..<maxSteps {
            zeroGradients(model.parameters)
            let out = loss(logits: model.forward(x, mode: .training), labels: y)
            lastLoss = out.loss
            if Accuracy.fraction(predictions: out.predictions, labels: y) == 1 { return (step, lastLoss) }
            _ = model.backward(out.logitsGradient)
            optimizer.step(model.parameters, learningRate: learningRate)
        }
        return (nil, lastLoss)
    }

    func testEachOptimizerFitsXORBlobs() {
        let variants: [(String, Optimizer, Float)] = [
            ("SGD momentum", SGD(momentum: 0.9, weightDecay: 5e-4), 0.1),
            ("SGD Nesterov", SGD(momentum: 0.9, weightDecay: 5e-4, nesterov: true), 0.1),
            ("Adam", Adam(), 0.02),
            ("AdamW", Adam.adamW(weightDecay: 0.01), 0.02),
        ]
        for (label, optimizer, rate) in variants {
            let (steps, lastLoss) = stepsToFit(optimizer, learningRate: rate, maxSteps: 200)
            XCTAssertNotNil(steps, "\(label) (lr \(rate)) did not reach 100 % training accuracy in 200 steps; loss \(lastLoss)")
        }
    }

    func testProblemIsNotLinearlySeparable() {
        // A linear model with the same budget stays below 100 %: the test above needs the
        // hidden layer, so it measures learning, not an easy problem.
        var generator = SeededGenerator(seed: 11)
        let model = Linear(inputFeatures: 2, outputFeatures: 4, generator: &generator)
        let (x, y) = blobs(seed: 5)
        let optimizer = Adam()
        var best = 0.0
        for _ in 0..<400 {
            zeroGradients(model.parameters)
            let out = SoftmaxCrossEntropy()(logits: model.forward(x, mode: .training), labels: y)
            best = max(best, Accuracy.fraction(predictions: out.predictions, labels: y))
            _ = model.backward(out.logitsGradient)
            optimizer.step(model.parameters, learningRate: 0.02)
        }
        XCTAssertLessThan(best, 0.9)
    }
}
