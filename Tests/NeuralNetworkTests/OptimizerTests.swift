import XCTest
import TensorCore
@testable import NeuralNetwork

final class OptimizerTests: XCTestCase {
    /// A one-scalar parameter p = 1 whose gradient is reset to 0.5 before every step.
    private func runTwoSteps(_ optimizer: Optimizer, decays: Bool = true) -> [Float] {
        let parameter = Parameter(name: "p", value: Tensor(shape: [1], scalars: [1]), decays: decays)
        var trajectory: [Float] = []
        for _ in 0..<2 {
            parameter.gradient = Tensor(shape: [1], scalars: [0.5])
            optimizer.step([parameter], learningRate: 0.1)
            trajectory.append(parameter.value.scalars[0])
        }
        return trajectory
    }

    private func assertTrajectory(_ actual: [Float], _ expected: [Double], _ label: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, label, file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            XCTAssertEqual(Double(a), e, accuracy: 2e-6, "\(label), after step \(i + 1)", file: file, line: line)
        }
    }

    // p = 1, g = 0.5, η = 0.1, μ = 0.9, λ = 0.01.

    func testSGDMomentumByHand() {
        // step 1: d = 0.5 + 0.01·1 = 0.51, v = 0.51, p = 1 − 0.051 = 0.949
        // step 2: d = 0.5 + 0.01·0.949 = 0.50949, v = 0.9·0.51 + 0.50949 = 0.96849,
        //         p = 0.949 − 0.096849 = 0.852151
        assertTrajectory(runTwoSteps(SGD(momentum: 0.9, weightDecay: 0.01)), [0.949, 0.852151], "SGD momentum")
    }

    func testSGDNesterovByHand() {
        // step 1: d = 0.51, v = 0.51, p = 1 − 0.1·(0.51 + 0.9·0.51) = 1 − 0.0969 = 0.9031
        // step 2: d = 0.5 + 0.009031 = 0.509031, v = 0.459 + 0.509031 = 0.968031,
        //         p = 0.9031 − 0.1·(0.509031 + 0.9·0.968031) = 0.9031 − 0.13802589 = 0.76507411
        assertTrajectory(runTwoSteps(SGD(momentum: 0.9, weightDecay: 0.01, nesterov: true)),
                         [0.9031, 0.76507411], "SGD Nesterov")
    }

    func testSGDWithoutMomentumByHand() {
        // p = 1 − 0.1·0.51 = 0.949; p = 0.949 − 0.1·0.50949 = 0.898051
        assertTrajectory(runTwoSteps(SGD(momentum: 0, weightDecay: 0.01)), [0.949, 0.898051], "plain SGD")
        XCTAssertEqual(SGD(momentum: 0).state().keys.sorted(), ["step"], "plain SGD keeps no slots")
    }

    func testSGDHonoursDecaysFalse() {
        // λ ignored: v = 0.5, p = 0.95; v = 0.45 + 0.5 = 0.95, p = 0.95 − 0.095 = 0.855
        assertTrajectory(runTwoSteps(SGD(momentum: 0.9, weightDecay: 0.01), decays: false),
                         [0.95, 0.855], "SGD decays=false")
    }

    func testAdamByHand() {
        // L2 decay inside the gradient, β = (0.9, 0.999), ε = 1e-8.
        var p = 1.0, m = 0.0, v = 0.0
        var expected: [Double] = []
        for t in 1...2 {
            let g = 0.5 + 0.01 * p
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mHat = m / (1 - pow(0.9, Double(t))), vHat = v / (1 - pow(0.999, Double(t)))
            p -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            expected.append(p)
        }
        // Spelled out: step 1 g = 0.51, m̂ = 0.51, v̂ = 0.51², p ≈ 0.9;
        // step 2 g = 0.509, m = 0.0968, v = 0.0005189209, m̂ = 0.0968/0.19, v̂ = 0.0005189209/0.001999.
        XCTAssertEqual(expected[0], 0.9, accuracy: 1e-7)
        XCTAssertEqual(expected[1], 0.9 - 0.1 * (0.0968 / 0.19) / (0.0005189209 / 0.001999).squareRoot(), accuracy: 1e-8)
        assertTrajectory(runTwoSteps(Adam(weightDecay: 0.01)), expected, "Adam")
    }

    func testAdamWByHand() {
        // step 1: p = 1·(1 − 0.1·0.01) = 0.999, m̂ = 0.5, v̂ = 0.25, p = 0.999 − 0.1 = 0.899
        // step 2: p = 0.899·0.999 = 0.898101, m = 0.095, v = 0.00049975, m̂ = 0.5, v̂ = 0.25,
        //         p = 0.898101 − 0.1 = 0.798101
        assertTrajectory(runTwoSteps(Adam.adamW(weightDecay: 0.01)), [0.899, 0.798101], "AdamW")
    }

    func testAdamHonoursDecaysFalse() {
        // No decay: g = 0.5 both steps → m̂/√v̂ = 1 each step: p = 0.9, 0.8.
        assertTrajectory(runTwoSteps(Adam(weightDecay: 0.01), decays: false), [0.9, 0.8], "Adam decays=false")
        assertTrajectory(runTwoSteps(Adam.adamW(weightDecay: 0.01), decays: false), [0.9, 0.8], "AdamW decays=false")
    }

    func testWholeTensorStepsMatchOneScalarSteps() {
        // 19 scalars cover the eight-lane loops and their scalar tails; each must follow
        // the same trajectory as the scalar stepped on its own.
        let variants: [(String, () -> Optimizer)] = [
            ("SGD", { SGD(momentum: 0.9, weightDecay: 0.01) }),
            ("SGD Nesterov", { SGD(momentum: 0.9, weightDecay: 0.01, nesterov: true) }),
            ("Adam", { Adam(weightDecay: 0.01) }),
            ("AdamW", { Adam.adamW(weightDecay: 0.1) }),
        ]
        for (label, make) in variants {
            var generator = SeededGenerator(seed: 21)
            let whole = Parameter(name: "w", value: .randomNormal(shape: [19], generator: &generator))
            let singles = whole.value.scalars.map { Parameter(name: "s", value: Tensor(shape: [1], scalars: [$0])) }
            let wholeOptimizer = make()
            let singleOptimizers = singles.map { _ in make() }
            for _ in 0..<3 {
                whole.gradient = .randomNormal(shape: [19], generator: &generator)
                wholeOptimizer.step([whole], learningRate: 0.05)
                for (i, single) in singles.enumerated() {
                    single.gradient = Tensor(shape: [1], scalars: [whole.gradient.scalars[i]])
                    singleOptimizers[i].step([single], learningRate: 0.05)
                }
            }
            for (i, single) in singles.enumerated() {
                XCTAssertEqual(whole.value.scalars[i], single.value.scalars[0], accuracy: 1e-5,
                               "\(label): scalar \(i) of 19")
            }
        }
    }

    func testZeroGradients() {
        let a = Parameter(name: "a", value: Tensor(shape: [3]))
        a.gradient = Tensor(shape: [3], scalars: [1, 2, 3])
        zeroGradients([a])
        XCTAssertEqual(a.gradient.scalars, [0, 0, 0])
    }

    // MARK: State export / import

    private func makeParameters(seed: UInt64) -> [Parameter] {
        var generator = SeededGenerator(seed: seed)
        return [
            Parameter(name: "w", value: .randomNormal(shape: [3, 2], generator: &generator)),
            Parameter(name: "b", value: .randomNormal(shape: [3], generator: &generator), decays: false),
        ]
    }

    private func setGradients(_ parameters: [Parameter], step: Int) {
        var generator = SeededGenerator(seed: 1000 + UInt64(step))
        for parameter in parameters {
            parameter.gradient = .randomNormal(shape: parameter.value.shape, generator: &generator)
        }
    }

    func testStateRoundTripGivesIdenticalNextSteps() throws {
        let variants: [(String, () -> Optimizer)] = [
            ("SGD", { SGD(momentum: 0.9, weightDecay: 0.01) }),
            ("SGD Nesterov", { SGD(momentum: 0.9, weightDecay: 0.01, nesterov: true) }),
            ("Adam", { Adam(weightDecay: 0.01) }),
            ("AdamW", { Adam.adamW(weightDecay: 0.1) }),
        ]
        for (label, make) in variants {
            let original = makeParameters(seed: 1)
            let optimizer = make()
            for step in 0..<3 {
                setGradients(original, step: step)
                optimizer.step(original, learningRate: 0.05)
            }
            // A copy of the parameters (different objects, same names and values) and a
            // fresh optimizer restored from the exported state.
            let copy = makeParameters(seed: 99)
            for (target, source) in zip(copy, original) { target.value = source.value }
            let restored = make()
            try restored.load(state: optimizer.state(), parameters: copy)
            XCTAssertEqual(restored.stepCount, 3, label)
            XCTAssertEqual(restored.state(), optimizer.state(), "\(label): state after load")
            for step in 3..<5 {
                setGradients(original, step: step)
                setGradients(copy, step: step)
                optimizer.step(original, learningRate: 0.05)
                restored.step(copy, learningRate: 0.05)
            }
            for (a, b) in zip(original, copy) {
                XCTAssertEqual(a.value.scalars, b.value.scalars, "\(label): \(a.name) after resumed steps")
            }
            // And the restored state is not a fresh one: a fresh optimizer diverges.
            let fresh = makeParameters(seed: 99)
            for (target, source) in zip(fresh, copy) { target.value = source.value }
            let freshOptimizer = make()
            setGradients(fresh, step: 9); setGradients(copy, step: 9)
            freshOptimizer.step(fresh, learningRate: 0.05)
            restored.step(copy, learningRate: 0.05)
            XCTAssertNotEqual(fresh[0].value.scalars, copy[0].value.scalars, "\(label): state must matter")
        }
    }

    func testStateKeysAndLoadErrors() throws {
        let parameters = makeParameters(seed: 2)
        let adam = Adam()
        setGradients(parameters, step: 0)
        adam.step(parameters, learningRate: 0.01)
        let state = adam.state()
        XCTAssertEqual(state.keys.sorted(), ["b/m", "b/v", "step", "w/m", "w/v"])
        XCTAssertEqual(state["step"], [1])
        XCTAssertEqual(state["w/m"]?.count, 6)

        var missing = state
        missing["w/v"] = nil
        XCTAssertThrowsError(try Adam().load(state: missing, parameters: parameters)) { error in
            XCTAssertEqual(error as? OptimizerStateError, .missingKey("w/v"))
        }
        var wrongSize = state
        wrongSize["b/m"] = [1, 2]
        XCTAssertThrowsError(try Adam().load(state: wrongSize, parameters: parameters)) { error in
            XCTAssertEqual(error as? OptimizerStateError, .sizeMismatch(key: "b/m", expected: 3, found: 2))
            XCTAssertTrue("\(error)".contains("b/m"), "\(error)")
        }
        var extra = state
        extra["renamed.weight/m"] = [0]
        XCTAssertThrowsError(try Adam().load(state: extra, parameters: parameters)) { error in
            XCTAssertEqual(error as? OptimizerStateError, .unexpectedKeys(["renamed.weight/m"]))
        }
        // A failed load leaves the optimizer as it was.
        XCTAssertThrowsError(try adam.load(state: missing, parameters: parameters))
        XCTAssertEqual(adam.state(), state)
        // SGD state does not fit Adam (different slots).
        let sgd = SGD(momentum: 0.9)
        sgd.step(parameters, learningRate: 0.1)
        XCTAssertThrowsError(try Adam().load(state: sgd.state(), parameters: parameters))
        // A state saved before any step loads into anything with these parameters.
        try Adam().load(state: Adam().state(), parameters: parameters)
    }
}
