import TensorCore

/// Elementwise max(x, 0). Any shape.
///
/// Both passes are branch-free selects over contiguous slices, one slice per thread, and
/// write into fresh tensors (no copy of the input first).
public final class ReLU: Layer {
    /// Kept by a training forward: the output (its sign is the mask).
    private var cachedOutput: Tensor?

    public init() {}

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        guard input.count > 0 else {
            cachedOutput = mode == .training ? input : nil
            return input
        }
        let output = input.withUnsafeBufferPointer { xBuffer in
            Tensor(shape: input.shape) { yBuffer in
                let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!
                ReLU.forEachSlice(input.count) { range in
                    // y = max(x, 0) (NaN → 0)
                    for i in range { y[i] = x[i] > 0 ? x[i] : 0 }
                }
            }
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
        if output.count == 0 { return outputGradient }
        // forward: y = max(x, 0)  →  dx = dy · [y > 0]
        return output.withUnsafeBufferPointer { yBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                Tensor(shape: output.shape) { dxBuffer in
                    let y = yBuffer.baseAddress!, dy = dyBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                    ReLU.forEachSlice(output.count) { range in
                        for i in range { dx[i] = y[i] > 0 ? dy[i] : 0 }
                    }
                }
            }
        }
    }

    /// Splits 0..<count into one contiguous slice per thread (one slice when small).
    static func forEachSlice(_ count: Int, _ body: (Range<Int>) -> Void) {
        let parts = count < 1 << 16 ? 1 : Parallel.threadCount
        let ranges = Parallel.ranges(count, parts: parts)
        Parallel.forEach(ranges.count) { body(ranges[$0]) }
    }
}
