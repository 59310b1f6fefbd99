import TensorCore

/// Gradient clipping by the global L2 norm over all parameters (as PyTorch
/// `clip_grad_norm_`).
public enum GradientClipping {
    /// ‖g‖ = sqrt(Σ over all parameters and scalars of g²), summed in Double.
    public static func globalNorm(_ parameters: [Parameter]) -> Double {
        var sum: Double = 0
        for parameter in parameters {
            parameter.gradient.withUnsafeBufferPointer { g in
                var partial: Float = 0
                for i in g.indices { partial += g[i] * g[i] }
                sum += Double(partial)
            }
        }
        return sum.squareRoot()
    }

    /// Scales every gradient by maxNorm / (‖g‖ + 1e-6) when ‖g‖ > maxNorm; returns ‖g‖
    /// before clipping (worth logging: a growing norm announces divergence).
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Parameter], maxNorm: Double) -> Double {
        precondition(maxNorm > 0, "clipByGlobalNorm needs a positive maximum norm, got \(maxNorm)")
        let norm = globalNorm(parameters)
        guard norm > maxNorm else { return norm }
        let scale = Float(maxNorm / (norm + 1e-6))
        for parameter in parameters {
            parameter.gradient.withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] *= scale }
            }
        }
        return norm
    }
}
