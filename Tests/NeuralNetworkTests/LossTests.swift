import XCTest
import TensorCore
@testable import NeuralNetwork

final class LossTests: XCTestCase {
    // 2×3 example chosen so the softmax is exact by hand:
    // row 0 = [0, ln 2, ln 5] → p = [1/8, 2/8, 5/8], label 2
    // row 1 = [ln 3, 0, 0]    → p = [3/5, 1/5, 1/5], label 0
    let logits = Tensor(shape: [2, 3], scalars: [0, Float(log(2.0)), Float(log(5.0)),
                                                 Float(log(3.0)), 0, 0])
    let labels = [2, 0]
    let p0: [Double] = [1.0 / 8, 2.0 / 8, 5.0 / 8]
    let p1: [Double] = [3.0 / 5, 1.0 / 5, 1.0 / 5]

    func assertClose(_ actual: [Float], _ expected: [Double], accuracy: Double = 1e-6,
                     _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "\(label): count", file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            XCTAssertEqual(Double(a), e, accuracy: accuracy, "\(label)[\(i)]", file: file, line: line)
        }
    }

    func testHandComputedPlain() {
        let out = SoftmaxCrossEntropy()(logits: logits, labels: labels)
        let ce0 = -log(5.0 / 8), ce1 = -log(3.0 / 5)
        XCTAssertEqual(out.loss, (ce0 + ce1) / 2, accuracy: 1e-6)
        assertClose(out.perExampleLosses, [ce0, ce1], "per-example CE")
        assertClose(out.probabilities.scalars, p0 + p1, "probabilities")
        // (p − onehot) / N
        assertClose(out.logitsGradient.scalars,
                    [1.0 / 16, 2.0 / 16, -3.0 / 16, -0.2, 0.1, 0.1], "gradient")
        XCTAssertEqual(out.predictions, [2, 0])
        XCTAssertEqual(out.logitsGradient.shape, [2, 3])
    }

    func testHandComputedSmoothingAndWeights() {
        // ε = 0.3, C = 3: target = 0.7·onehot + 0.1
        let t0: [Double] = [0.1, 0.1, 0.8], t1: [Double] = [0.8, 0.1, 0.1]
        let ce0 = -(0.1 * log(1.0 / 8) + 0.1 * log(2.0 / 8) + 0.8 * log(5.0 / 8))
        let ce1 = -(0.8 * log(3.0 / 5) + 0.1 * log(1.0 / 5) + 0.1 * log(1.0 / 5))
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0.3)

        let plain = loss(logits: logits, labels: labels)
        XCTAssertEqual(plain.loss, (ce0 + ce1) / 2, accuracy: 1e-6, "smoothing, no weights")
        assertClose(plain.perExampleLosses, [ce0, ce1], "smoothing per-example")
        assertClose(plain.logitsGradient.scalars,
                    (0..<3).map { (p0[$0] - t0[$0]) / 2 } + (0..<3).map { (p1[$0] - t1[$0]) / 2 },
                    "smoothing gradient")

        // Weights w = [2, 0.5]: L = (2·CE0 + 0.5·CE1) / N, N = 2 (not Σw = 2.5).
        let weighted = loss(logits: logits, labels: labels, weights: [2, 0.5])
        XCTAssertEqual(weighted.loss, (2 * ce0 + 0.5 * ce1) / 2, accuracy: 1e-6, "smoothing + weights")
        assertClose(weighted.perExampleLosses, [ce0, ce1], "per-example losses stay unweighted")
        assertClose(weighted.logitsGradient.scalars,
                    (0..<3).map { 2 * (p0[$0] - t0[$0]) / 2 } + (0..<3).map { 0.5 * (p1[$0] - t1[$0]) / 2 },
                    "weighted gradient")

        // Weights without smoothing.
        let weightedOnly = SoftmaxCrossEntropy()(logits: logits, labels: labels, weights: [2, 0.5])
        XCTAssertEqual(weightedOnly.loss, (2 * -log(5.0 / 8) + 0.5 * -log(3.0 / 5)) / 2, accuracy: 1e-6,
                       "weights, no smoothing")
        assertClose(weightedOnly.logitsGradient.scalars,
                    [2 * 1.0 / 16, 2 * 2.0 / 16, 2 * -3.0 / 16, 0.5 * -0.2, 0.5 * 0.1, 0.5 * 0.1],
                    "weights-only gradient")
    }

    func testGradientMatchesFiniteDifferences() {
        for (batch, classes, smoothing, weighted) in [(1, 2, Float(0), false), (4, 5, 0, false),
                                                      (4, 5, 0.1, false), (6, 10, 0.05, true)] {
            var generator = SeededGenerator(seed: UInt64(batch * 100 + classes))
            let z = Tensor.randomNormal(shape: [batch, classes], standardDeviation: 2, generator: &generator)
            let y = (0..<batch).map { _ in generator.nextInt(below: classes) }
            let w: [Float]? = weighted ? (0..<batch).map { _ in 1 + 3 * generator.nextFloat() } : nil
            let loss = SoftmaxCrossEntropy(labelSmoothing: smoothing)
            let analytic = loss(logits: z, labels: y, weights: w).logitsGradient
            let epsilon: Float = 1e-2
            var x = z
            var difference: Double = 0, magnitude: Double = 0
            for i in 0..<z.count {
                let original = x.scalars[i]
                x.scalars[i] = original + epsilon
                let plus = loss(logits: x, labels: y, weights: w).loss
                x.scalars[i] = original - epsilon
                let minus = loss(logits: x, labels: y, weights: w).loss
                x.scalars[i] = original
                let numeric = (plus - minus) / (2 * Double(epsilon))
                let a = Double(analytic.scalars[i])
                difference += (a - numeric) * (a - numeric)
                magnitude += a * a + numeric * numeric
            }
            let relative = difference.squareRoot() / max(magnitude.squareRoot(), 1e-12)
            XCTAssertLessThan(relative, 1e-3,
                              "N=\(batch) C=\(classes) ε=\(smoothing) weighted=\(weighted): relative error \(relative)")
        }
    }

    func testExtremeLogitsStayFinite() {
        let z = Tensor(shape: [3, 3], scalars: [1e4, -1e4, 0,
                                                -1e4, -1e4, -1e4,
                                                1e4, 1e4, -1e4])
        for smoothing: Float in [0, 0.1] {
            let out = SoftmaxCrossEntropy(labelSmoothing: smoothing)(logits: z, labels: [1, 2, 0])
            let label = "ε=\(smoothing)"
            XCTAssertTrue(out.loss.isFinite, "\(label): loss \(out.loss)")
            XCTAssertTrue(out.perExampleLosses.allSatisfy(\.isFinite), "\(label): \(out.perExampleLosses)")
            XCTAssertTrue(out.logitsGradient.scalars.allSatisfy(\.isFinite), "\(label): \(out.logitsGradient.scalars)")
            XCTAssertTrue(out.probabilities.scalars.allSatisfy(\.isFinite), "\(label)")
            // Example 0 puts all mass on class 0 but its label is 1: CE ≈ 2e4 (scaled by 1 − ε + ε/C).
            XCTAssertEqual(Double(out.perExampleLosses[0]), 2e4 * (1 - Double(smoothing)) + Double(smoothing) / 3 * (2e4 + 0 + 1e4),
                           accuracy: 1, label)
            // Example 1 is uniform: CE = ln 3.
            XCTAssertEqual(Double(out.perExampleLosses[1]), log(3.0), accuracy: 1e-5, label)
            // Example 2 ties two classes at 1e4: p = 1/2 for the label.
            XCTAssertEqual(Double(out.probabilities[2, 0]), 0.5, accuracy: 1e-6, label)
        }
    }

    func testAccuracyHelpers() {
        let z = Tensor(shape: [3, 2], scalars: [1, 2, 5, -1, 3, 3])
        XCTAssertEqual(Accuracy.argmax(logits: z), [1, 0, 0])
        var accuracy = Accuracy()
        accuracy.add(predictions: [1, 0, 0], labels: [1, 1, 0])
        accuracy.add(predictions: [2], labels: [2])
        XCTAssertEqual(accuracy.correct, 3)
        XCTAssertEqual(accuracy.total, 4)
        XCTAssertEqual(accuracy.fraction, 0.75)
        XCTAssertEqual(Accuracy().fraction, 0)
    }

    func testGradientClippingByGlobalNorm() {
        let a = Parameter(name: "a", value: Tensor(shape: [2]))
        let b = Parameter(name: "b", value: Tensor(shape: [1]))
        a.gradient = Tensor(shape: [2], scalars: [3, 0])
        b.gradient = Tensor(shape: [1], scalars: [4])
        XCTAssertEqual(GradientClipping.globalNorm([a, b]), 5, accuracy: 1e-9)
        // Below the limit: untouched.
        XCTAssertEqual(GradientClipping.clipByGlobalNorm([a, b], maxNorm: 10), 5, accuracy: 1e-9)
        XCTAssertEqual(a.gradient.scalars + b.gradient.scalars, [3, 0, 4])
        // Above: scaled to norm 1 (×1/5).
        XCTAssertEqual(GradientClipping.clipByGlobalNorm([a, b], maxNorm: 1), 5, accuracy: 1e-9)
        XCTAssertEqual(Double(a.gradient.scalars[0]), 0.6, accuracy: 1e-5)
        XCTAssertEqual(Double(b.gradient.scalars[0]), 0.8, accuracy: 1e-5)
    }
}
