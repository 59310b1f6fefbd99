import TensorCore

/// Elementwise max(x, 0). Any shape.
public final class ReLU: Layer {
    /// Kept by a training forward: the output (its sign is the mask).
    private var cachedOutput: Tensor?

    public init() {}

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        var output = input
        output.withUnsafeMutableBufferPointer { y in
            for i in y.indices where !(y[i] > 0) { y[i] = 0 }
        }
        cachedOutput = mode == .training ? output : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let output = cachedOutput else {
            preconditionFailure("ReLU.backward called without a training forward")
        }
        precondition(outputGradient.shape == output.shape,
                     "ReLU.backward expects gradient \(output.shape), got \(outputGradient.shape)")
        var inputGradient = outputGradient
        // forward: y = max(x, 0)  →  dx = dy · [y > 0]
        output.withUnsafeBufferPointer { y in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                for i in dx.indices where !(y[i] > 0) { dx[i] = 0 }
            }
        }
        return inputGradient
    }
}
