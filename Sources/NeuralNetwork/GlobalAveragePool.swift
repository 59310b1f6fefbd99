import TensorCore

/// Mean over the spatial positions: x [N, C, H, W] → y [N, C].
public final class GlobalAveragePool: Layer {
    /// Kept by a training forward: the input shape.
    private var cachedInputShape: [Int] = []

    public init() {}

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        precondition(input.rank == 4 && input.shape[2] * input.shape[3] > 0,
                     "GlobalAveragePool expects input [N, C, H, W] with H·W > 0, got \(input.shape)")
        let planes = input.shape[0] * input.shape[1], spatial = input.shape[2] * input.shape[3]
        var output = Tensor(shape: [input.shape[0], input.shape[1]])
        let scale = 1 / Float(spatial)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for plane in 0..<planes {
                    y[plane] = Reductions.sum(x.baseAddress! + plane * spatial, count: spatial) * scale
                }
            }
        }
        cachedInputShape = mode == .training ? input.shape : []
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(!cachedInputShape.isEmpty, "GlobalAveragePool.backward called without a training forward")
        let planes = cachedInputShape[0] * cachedInputShape[1], spatial = cachedInputShape[2] * cachedInputShape[3]
        precondition(outputGradient.shape == [cachedInputShape[0], cachedInputShape[1]],
                     "GlobalAveragePool.backward expects gradient [\(cachedInputShape[0]), \(cachedInputShape[1])], got \(outputGradient.shape)")
        var inputGradient = Tensor(shape: cachedInputShape)
        let scale = 1 / Float(spatial)
        // forward: y = mean(x)  →  dx = dy / (H·W) at every position
        outputGradient.withUnsafeBufferPointer { dy in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                for plane in 0..<planes {
                    let value = dy[plane] * scale
                    for i in 0..<spatial { dx[plane * spatial + i] = value }
                }
            }
        }
        return inputGradient
    }
}
