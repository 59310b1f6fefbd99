import TensorCore

/// Max pooling over k×k windows with stride s, no padding, floor (28→14→7→3 for k = s = 2).
///
/// Shapes: x [N, C, H, W] → y [N, C, ⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1].
/// Ties go to the first maximum in row-major window order.
/// Both passes run over contiguous slices of the batch, one per thread; a window never
/// leaves its image, so each slice writes only its own images.
///
/// `rectifiesInput` makes it ReLU followed by max pooling in one pass:
/// max(ReLU(window)) = ReLU(max(window)), and the gradient reaches the window's first
/// maximum only when that maximum is positive — exactly what the two layers give, for
/// finite inputs, without the full-size ReLU output and its two passes.
public final class MaxPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public let rectifiesInput: Bool
    /// Kept by a training forward: the input shape and, per output, the flat input index of
    /// its max. The index buffer is reused from step to step while the shape stays the same.
    private var cachedInputShape: [Int] = []
    private var cachedArgmax: [Int32] = []
    /// Kept by a training forward when rectifying: the output (its sign is the ReLU's mask).
    private var cachedOutput: Tensor?

    public init(kernelSize: Int = 2, stride: Int = 2, rectifiesInput: Bool = false) {
        precondition(kernelSize > 0 && stride > 0, "MaxPool2D needs positive kernel and stride, got \(kernelSize), \(stride)")
        self.kernelSize = kernelSize
        self.stride = stride
        self.rectifiesInput = rectifiesInput
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        precondition(input.rank == 4 && input.shape[2] >= kernelSize && input.shape[3] >= kernelSize,
                     "MaxPool2D(k=\(kernelSize)) expects input [N, C, H ≥ k, W ≥ k], got \(input.shape)")
        precondition(input.count <= Int(Int32.max), "MaxPool2D input \(input.shape) too large for Int32 indices")
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let outH = (height - kernelSize) / stride + 1, outW = (width - kernelSize) / stride + 1
        let k = kernelSize, s = stride, rectifies = rectifiesInput
        let outputCount = batch * channels * outH * outW
        cachedInputShape = []
        guard outputCount > 0 else { return Tensor(shape: [batch, channels, outH, outW]) }
        if cachedArgmax.count != outputCount { cachedArgmax = [Int32](repeating: 0, count: outputCount) }
        let output = input.withUnsafeBufferPointer { xBuffer in
            cachedArgmax.withUnsafeMutableBufferPointer { indexBuffer in
                Tensor(shape: [batch, channels, outH, outW]) { yBuffer in
                    let x = xBuffer.baseAddress!, y = yBuffer.baseAddress!, index = indexBuffer.baseAddress!
                    MaxPool2D.forEachSlice(batch) { images in
                        for plane in images.lowerBound * channels..<images.upperBound * channels {
                            let source = plane * height * width, target = plane * outH * outW
                            defer {
                                // ReLU(max(window)); NaN → 0 like ReLU.
                                if rectifies {
                                    let pooled = y + target
                                    for i in 0..<(outH * outW) { pooled[i] = pooled[i] > 0 ? pooled[i] : 0 }
                                }
                            }
                            if k == 2 && s == 2 {
                                MaxPool2D.pool2x2(x + source, width: width, outH: outH, outW: outW,
                                                  into: y + target, argmax: index + target, offset: source)
                                continue
                            }
                            for i in 0..<outH {
                                for j in 0..<outW {
                                    var best = source + i * s * width + j * s
                                    var bestValue = x[best]
                                    for di in 0..<k {
                                        let row = source + (i * s + di) * width + j * s
                                        for dj in 0..<k {
                                            // Strictly greater: the first maximum wins (selects, no branch).
                                            let better = x[row + dj] > bestValue
                                            bestValue = better ? x[row + dj] : bestValue
                                            best = better ? row + dj : best
                                        }
                                    }
                                    y[target + i * outW + j] = bestValue
                                    index[target + i * outW + j] = Int32(truncatingIfNeeded: best)
                                }
                            }
                        }
                    }
                }
            }
        }
        if mode == .training {
            cachedInputShape = input.shape
            cachedOutput = rectifiesInput ? output : nil
        }
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(!cachedInputShape.isEmpty, "MaxPool2D.backward called without a training forward")
        precondition(outputGradient.count == cachedArgmax.count,
                     "MaxPool2D.backward expects \(cachedArgmax.count) gradient values for input \(cachedInputShape), got \(outputGradient.shape)")
        let batch = cachedInputShape[0]
        let imageSize = cachedInputShape.dropFirst().reduce(1, *)
        let outputsPerImage = cachedArgmax.count / batch
        // forward: y = x[argmax]  →  dx[argmax] += dy (windows may overlap when s < k);
        // rectifying: y = ReLU(x[argmax])  →  dx[argmax] += dy · [y > 0]
        let mask = rectifiesInput ? cachedOutput : nil
        precondition(!rectifiesInput || mask?.count == cachedArgmax.count,
                     "MaxPool2D.backward (rectifying) has no cached output for input \(cachedInputShape)")
        return outputGradient.withUnsafeBufferPointer { dyBuffer in
            cachedArgmax.withUnsafeBufferPointer { indexBuffer in
                (mask ?? outputGradient).withUnsafeBufferPointer { maskBuffer in
                    Tensor(shape: cachedInputShape) { dxBuffer in
                        let dy = dyBuffer.baseAddress!, index = indexBuffer.baseAddress!, dx = dxBuffer.baseAddress!
                        let y = mask == nil ? nil : maskBuffer.baseAddress
                        MaxPool2D.forEachSlice(batch) { images in
                            let outputs = images.lowerBound * outputsPerImage..<images.upperBound * outputsPerImage
                            (dx + images.lowerBound * imageSize).update(repeating: 0, count: images.count * imageSize)
                            if let y {
                                for i in outputs { dx[Int(index[i])] += y[i] > 0 ? dy[i] : 0 }
                            } else {
                                for i in outputs { dx[Int(index[i])] += dy[i] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The common 2×2, stride 2 window on one plane (the general loop, unrolled).
    /// plane [H, W] → y [H_out, W_out], argmax = offset + flat index in the plane.
    @inline(__always)
    static func pool2x2(_ plane: UnsafePointer<Float>, width: Int, outH: Int, outW: Int,
                        into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, offset: Int) {
        for i in 0..<outH {
            let top = 2 * i * width, bottom = top + width
            for j in 0..<outW {
                // Window order (top-left, top-right, bottom-left, bottom-right); strictly greater wins.
                var best = top + 2 * j, bestValue = plane[best]
                @inline(__always) func consider(_ candidate: Int) {
                    let better = plane[candidate] > bestValue
                    bestValue = better ? plane[candidate] : bestValue
                    best = better ? candidate : best
                }
                consider(top + 2 * j + 1)
                consider(bottom + 2 * j)
                consider(bottom + 2 * j + 1)
                y[i * outW + j] = bestValue
                argmax[i * outW + j] = Int32(truncatingIfNeeded: offset + best)
            }
        }
    }

    /// Runs `body` over contiguous slices of the batch, one per thread.
    static func forEachSlice(_ batch: Int, _ body: (Range<Int>) -> Void) {
        let ranges = Parallel.ranges(batch, parts: Parallel.threadCount)
        Parallel.forEach(ranges.count) { body(ranges[$0]) }
    }
}
