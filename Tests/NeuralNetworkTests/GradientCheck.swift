import XCTest
import TensorCore
@testable import NeuralNetwork

/// Finite-difference gradient check for a layer.
///
/// Loss L = Σ out ⊙ R with a fixed random R, so dL/d(out) = R. The analytic gradients
/// (backward) are compared with central differences (L(θ+ε) − L(θ−ε)) / 2ε summed in
/// Double, for the input and every parameter, on up to `samplesPerTensor` coordinates.
/// The error is normwise relative: ‖a − n‖ / max(‖a‖ + ‖n‖, floor).
func assertGradientsMatch(
    _ layer: Layer, input: Tensor, label: String,
    epsilon: Float = 1e-2, tolerance: Double = 1e-2, samplesPerTensor: Int = 40,
    seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line
) {
    var generator = SeededGenerator(seed: seed)
    let probe = layer.forward(input, mode: .training)
    let weights = Tensor.randomNormal(shape: probe.shape, generator: &generator)

    func loss(_ x: Tensor) -> Double {
        let out = layer.forward(x, mode: .training)
        var sum: Double = 0
        for i in 0..<out.count { sum += Double(out.scalars[i]) * Double(weights.scalars[i]) }
        return sum
    }

    // Analytic gradients.
    for parameter in layer.parameters { parameter.zeroGradient() }
    _ = layer.forward(input, mode: .training)
    let inputGradient = layer.backward(weights)
    XCTAssertEqual(inputGradient.shape, input.shape, "\(label): input gradient shape", file: file, line: line)
    let parameterGradients = layer.parameters.map(\.gradient)

    func sampleIndices(_ count: Int) -> [Int] {
        if count <= samplesPerTensor { return Array(0..<count) }
        var g = SeededGenerator(seed: seed &+ UInt64(count))
        return (0..<samplesPerTensor).map { _ in g.nextInt(below: count) }
    }

    func compare(_ name: String, analytic: [Double], numeric: [Double]) {
        var difference: Double = 0, magnitude: Double = 0
        for (a, n) in zip(analytic, numeric) {
            difference += (a - n) * (a - n)
            magnitude += a * a + n * n
        }
        let relative = difference.squareRoot() / max(magnitude.squareRoot(), 1e-6)
        XCTAssertLessThan(relative, tolerance,
                          "\(label): gradient of \(name) differs, relative error \(relative); analytic \(analytic.prefix(6)), numeric \(numeric.prefix(6))",
                          file: file, line: line)
    }

    // Input gradient.
    var x = input
    var analytic: [Double] = [], numeric: [Double] = []
    for i in sampleIndices(input.count) {
        let original = x.scalars[i]
        x.scalars[i] = original + epsilon
        let plus = loss(x)
        x.scalars[i] = original - epsilon
        let minus = loss(x)
        x.scalars[i] = original
        numeric.append((plus - minus) / (2 * Double(epsilon)))
        analytic.append(Double(inputGradient.scalars[i]))
    }
    compare("input", analytic: analytic, numeric: numeric)

    // Parameter gradients.
    for (parameter, gradient) in zip(layer.parameters, parameterGradients) {
        analytic = []; numeric = []
        for i in sampleIndices(parameter.value.count) {
            let original = parameter.value.scalars[i]
            parameter.value.scalars[i] = original + epsilon
            let plus = loss(input)
            parameter.value.scalars[i] = original - epsilon
            let minus = loss(input)
            parameter.value.scalars[i] = original
            numeric.append((plus - minus) / (2 * Double(epsilon)))
            analytic.append(Double(gradient.scalars[i]))
        }
        compare(parameter.name, analytic: analytic, numeric: numeric)
    }
}
