import TensorCore

/// Stochastic gradient descent with momentum, L2 weight decay and optional Nesterov
/// momentum (PyTorch semantics, dampening 0).
///
/// Per scalar, with g the accumulated gradient, μ the momentum, λ the weight decay
/// (λ = 0 for parameters with `decays == false`) and η the learning rate:
///
///     d = g + λ·p
///     v = μ·v + d                 (v starts at 0, so the first step gives v = d)
///     p = p − η·v                 (plain momentum)
///     p = p − η·(d + μ·v)         (Nesterov)
///
/// With μ = 0 there is no state and p = p − η·d.
/// State slot: "<parameter>/momentum" (only when μ ≠ 0).
public final class SGD: Optimizer {
    public struct Configuration: Equatable, Codable, Sendable {
        public var momentum: Float
        public var weightDecay: Float
        public var nesterov: Bool

        public init(momentum: Float = 0.9, weightDecay: Float = 0, nesterov: Bool = false) {
            precondition(momentum >= 0, "SGD momentum must be ≥ 0, got \(momentum)")
            precondition(weightDecay >= 0, "SGD weight decay must be ≥ 0, got \(weightDecay)")
            precondition(!nesterov || momentum > 0, "Nesterov SGD needs a positive momentum")
            self.momentum = momentum
            self.weightDecay = weightDecay
            self.nesterov = nesterov
        }

        /// The reference recipe: momentum 0.9, weight decay 5e-4, no Nesterov.
        public static let `default` = Configuration(momentum: 0.9, weightDecay: 5e-4, nesterov: false)
    }

    public let configuration: Configuration
    public private(set) var stepCount: Int = 0
    private let slots: OptimizerSlots

    public init(_ configuration: Configuration = .default) {
        self.configuration = configuration
        slots = OptimizerSlots(slotNames: configuration.momentum == 0 ? [] : ["momentum"])
    }

    public convenience init(momentum: Float, weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(Configuration(momentum: momentum, weightDecay: weightDecay, nesterov: nesterov))
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        let mu = configuration.momentum
        let nesterov = configuration.nesterov
        for parameter in parameters {
            let count = parameter.value.count
            precondition(parameter.gradient.count == count,
                         "SGD: \(parameter.name) has value \(parameter.value.shape) but gradient \(parameter.gradient.shape)")
            let decay = parameter.decays ? configuration.weightDecay : 0
            let velocity = mu == 0 ? nil : slots.entry(for: parameter).buffers[0].pointer
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    guard let v = velocity else {
                        for i in 0..<count { p[i] -= learningRate * (g[i] + decay * p[i]) }
                        return
                    }
                    if nesterov {
                        for i in 0..<count {
                            let d = g[i] + decay * p[i]
                            let vi = mu * v[i] + d
                            v[i] = vi
                            p[i] -= learningRate * (d + mu * vi)
                        }
                    } else {
                        for i in 0..<count {
                            let vi = mu * v[i] + (g[i] + decay * p[i])
                            v[i] = vi
                            p[i] -= learningRate * vi
                        }
                    }
                }
            }
        }
        stepCount += 1
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
