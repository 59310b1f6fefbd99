import TensorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam, and AdamW when the weight decay is decoupled (PyTorch semantics).
///
/// Per scalar, at step t = 1, 2, …, with g the gradient, η the learning rate, λ the weight
/// decay (λ = 0 for parameters with `decays == false`):
///
///     Adam  (L2):        g = g + λ·p
///     AdamW (decoupled): p = p·(1 − η·λ)
///     m = β₁·m + (1 − β₁)·g
///     v = β₂·v + (1 − β₂)·g²
///     p = p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// State slots: "<parameter>/m" and "<parameter>/v", plus "step" (t).
public final class Adam: Optimizer {
    public struct Configuration: Equatable, Codable, Sendable {
        public var beta1: Float
        public var beta2: Float
        public var epsilon: Float
        public var weightDecay: Float
        /// true: AdamW (decay applied to the weights, outside the moment estimates).
        public var decoupledWeightDecay: Bool

        public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                    weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
            precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1,
                         "Adam betas must be in [0, 1), got \(beta1), \(beta2)")
            precondition(epsilon > 0, "Adam epsilon must be positive, got \(epsilon)")
            precondition(weightDecay >= 0, "Adam weight decay must be ≥ 0, got \(weightDecay)")
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.decoupledWeightDecay = decoupledWeightDecay
        }

        /// Adam: β = (0.9, 0.999), ε = 1e-8, no weight decay.
        public static let `default` = Configuration()
        /// AdamW: β = (0.9, 0.999), ε = 1e-8, decoupled weight decay 0.01.
        public static let adamW = Configuration(weightDecay: 0.01, decoupledWeightDecay: true)
    }

    public let configuration: Configuration
    public private(set) var stepCount: Int = 0
    private let slots = OptimizerSlots(slotNames: ["m", "v"])

    public init(_ configuration: Configuration = .default) {
        self.configuration = configuration
    }

    public convenience init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.init(Configuration(beta1: beta1, beta2: beta2, epsilon: epsilon,
                                weightDecay: weightDecay, decoupledWeightDecay: decoupledWeightDecay))
    }

    /// AdamW: Adam with decoupled weight decay.
    public static func adamW(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                             weightDecay: Float = 0.01) -> Adam {
        Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
             decoupledWeightDecay: true)
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        stepCount += 1
        let c = configuration
        let t = Double(stepCount)
        // Bias corrections in Double: 1 − β₂ᵗ is tiny for small t.
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(c.beta1), t)))
        let inverseRootCorrection2 = Float(1 / (1 - pow(Double(c.beta2), t)).squareRoot())
        let beta1 = c.beta1, beta2 = c.beta2, epsilon = c.epsilon
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
        for parameter in parameters {
            let count = parameter.value.count
            precondition(parameter.gradient.count == count,
                         "Adam: \(parameter.name) has value \(parameter.value.shape) but gradient \(parameter.gradient.shape)")
            let decay = parameter.decays ? c.weightDecay : 0
            let l2 = c.decoupledWeightDecay ? 0 : decay
            let shrink = c.decoupledWeightDecay ? 1 - learningRate * decay : 1
            let entry = slots.entry(for: parameter)
            let m = entry.buffers[0].pointer, v = entry.buffers[1].pointer
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    // Eight lanes at a time (the square root and division do not
                    // auto-vectorise through possibly aliasing pointers), then the tail.
                    let vectorEnd = count & ~7
                    var i = 0
                    if vectorEnd > 0 {
                        let pv = UnsafeMutableRawPointer(p.baseAddress!)
                        let gv = UnsafeRawPointer(g.baseAddress!)
                        let mv = UnsafeMutableRawPointer(m), vv = UnsafeMutableRawPointer(v)
                        while i < vectorEnd {
                            let offset = i * MemoryLayout<Float>.stride
                            let pi = pv.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * shrink
                            let gi = gv.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + l2 * pi
                            let mi = beta1 * mv.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                                + oneMinusBeta1 * gi
                            let vi = beta2 * vv.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                                + oneMinusBeta2 * gi * gi
                            mv.storeBytes(of: mi, toByteOffset: offset, as: SIMD8<Float>.self)
                            vv.storeBytes(of: vi, toByteOffset: offset, as: SIMD8<Float>.self)
                            let update = stepSize * mi / (vi.squareRoot() * inverseRootCorrection2 + epsilon)
                            pv.storeBytes(of: pi - update, toByteOffset: offset, as: SIMD8<Float>.self)
                            i += 8
                        }
                    }
                    while i < count {
                        let pi = p[i] * shrink
                        let gi = g[i] + l2 * pi
                        let mi = beta1 * m[i] + oneMinusBeta1 * gi
                        let vi = beta2 * v[i] + oneMinusBeta2 * gi * gi
                        m[i] = mi
                        v[i] = vi
                        p[i] = pi - stepSize * mi / (vi.squareRoot() * inverseRootCorrection2 + epsilon)
                        i += 1
                    }
                }
            }
        }
    }

    public func state() -> [String: [Float]] {
        var state: [String: [Float]] = [:]
        slots.export(stepCount: stepCount, into: &state)
        return state
    }

    public func load(state: [String: [Float]], parameters: [Parameter]) throws {
        stepCount = try slots.load(state: state, parameters: parameters)
    }
}
