import TensorCore

/// Max pooling over k×k windows with stride s, no padding, floor (28→14→7→3 for k = s = 2).
///
/// Shapes: x [N, C, H, W] → y [N, C, ⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1].
/// Ties go to the first maximum in row-major window order.
public final class MaxPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    /// Kept by a training forward: the input shape and, per output, the flat input index of its max.
    private var cachedInputShape: [Int] = []
    private var cachedArgmax: [Int32] = []

    public init(kernelSize: Int = 2, stride: Int = 2) {
        precondition(kernelSize > 0 && stride > 0, "MaxPool2D needs positive kernel and stride, got \(kernelSize), \(stride)")
        self.kernelSize = kernelSize
        self.stride = stride
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        precondition(input.rank == 4 && input.shape[2] >= kernelSize && input.shape[3] >= kernelSize,
                     "MaxPool2D(k=\(kernelSize)) expects input [N, C, H ≥ k, W ≥ k], got \(input.shape)")
        precondition(input.count <= Int(Int32.max), "MaxPool2D input \(input.shape) too large for Int32 indices")
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let outH = (height - kernelSize) / stride + 1, outW = (width - kernelSize) / stride + 1
        let k = kernelSize, s = stride
        var output = Tensor(shape: [batch, channels, outH, outW])
        var argmax = [Int32](repeating: 0, count: output.count)
        input.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeMutableBufferPointer { yBuffer in
                argmax.withUnsafeMutableBufferPointer { indexBuffer in
                    let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!, index = indexBuffer.baseAddress!
                    Parallel.forEach(batch) { n in
                        for c in 0..<channels {
                            let plane = (n * channels + c) * height * width
                            let outPlane = (n * channels + c) * outH * outW
                            for i in 0..<outH {
                                for j in 0..<outW {
                                    var best = plane + i * s * width + j * s
                                    var bestValue = x[best]
                                    for di in 0..<k {
                                        let row = plane + (i * s + di) * width + j * s
                                        for dj in 0..<k where x[row + dj] > bestValue {
                                            bestValue = x[row + dj]
                                            best = row + dj
                                        }
                                    }
                                    y[outPlane + i * outW + j] = bestValue
                                    index[outPlane + i * outW + j] = Int32(best)
                                }
                            }
                        }
                    }
                }
            }
        }
        if mode == .training {
            cachedInputShape = input.shape
            cachedArgmax = argmax
        } else {
            cachedArgmax = []
            cachedInputShape = []
        }
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(!cachedInputShape.isEmpty, "MaxPool2D.backward called without a training forward")
        precondition(outputGradient.count == cachedArgmax.count,
                     "MaxPool2D.backward expects \(cachedArgmax.count) gradient values for input \(cachedInputShape), got \(outputGradient.shape)")
        var inputGradient = Tensor(shape: cachedInputShape)
        // forward: y = x[argmax]  →  dx[argmax] += dy (windows may overlap when s < k)
        outputGradient.withUnsafeBufferPointer { dy in
            cachedArgmax.withUnsafeBufferPointer { index in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<dy.count { dx[Int(index[i])] += dy[i] }
                }
            }
        }
        return inputGradient
    }
}
