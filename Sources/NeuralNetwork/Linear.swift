import TensorCore

/// Fully connected layer: y = x·Wᵀ + b.
///
/// Shapes: x [N, F] (any [N, …] input is flattened to F = product of the rest),
/// W [O, F], b [O], y [N, O].
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// Kept by a training forward for backward: the flattened input and its original shape.
    private var cachedInput: Tensor?
    private var cachedInputShape: [Int] = []

    public init(inputFeatures: Int, outputFeatures: Int, name: String = "linear",
                generator: inout SeededGenerator) {
        precondition(inputFeatures > 0 && outputFeatures > 0,
                     "Linear needs positive sizes, got \(inputFeatures)→\(outputFeatures)")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        // Kaiming-uniform (as PyTorch): U(-1/√F, 1/√F) for weights and bias.
        let bound = 1 / Float(inputFeatures).squareRoot()
        weight = Parameter(name: "\(name).weight",
                           value: .randomUniform(shape: [outputFeatures, inputFeatures],
                                                 low: -bound, high: bound, generator: &generator))
        bias = Parameter(name: "\(name).bias",
                         value: .randomUniform(shape: [outputFeatures], low: -bound, high: bound,
                                               generator: &generator),
                         decays: false)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        let batch = input.shape.first ?? 0
        precondition(input.rank >= 2 && input.count == batch * inputFeatures,
                     "Linear(\(inputFeatures)→\(outputFeatures)) got input \(input.shape)")
        // Every scalar of the output is written by the GEMM (beta = 0): no zero-fill first.
        let output = batch == 0 ? Tensor(shape: [0, outputFeatures]) : input.withUnsafeBufferPointer { x in
            weight.value.withUnsafeBufferPointer { w in
                Tensor(shape: [batch, outputFeatures]) { y in
                    // y[N, O] = x[N, F] · W[O, F]ᵀ
                    GEMM.multiply(transposeB: true, m: batch, n: outputFeatures, k: inputFeatures,
                                  a: x.baseAddress!, lda: inputFeatures,
                                  b: w.baseAddress!, ldb: inputFeatures,
                                  c: y.baseAddress!, ldc: outputFeatures)
                    bias.value.withUnsafeBufferPointer { b in
                        for n in 0..<batch {
                            for o in 0..<outputFeatures { y[n * outputFeatures + o] += b[o] }
                        }
                    }
                }
            }
        }
        if mode == .training {
            cachedInput = input
            cachedInputShape = input.shape
        } else {
            cachedInput = nil
        }
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput else {
            preconditionFailure("Linear.backward called without a training forward")
        }
        let batch = input.shape[0]
        precondition(outputGradient.shape == [batch, outputFeatures],
                     "Linear.backward expects gradient [\(batch), \(outputFeatures)], got \(outputGradient.shape)")
        if batch == 0 { return Tensor(shape: cachedInputShape) }
        return outputGradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                // forward: y = x·Wᵀ + b  →  dW += dyᵀ·x, db += Σ_n dy, dx = dy·W
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    GEMM.multiply(transposeA: true, m: outputFeatures, n: inputFeatures, k: batch,
                                  a: dy.baseAddress!, lda: outputFeatures,
                                  b: x.baseAddress!, ldb: inputFeatures,
                                  beta: 1, c: dw.baseAddress!, ldc: inputFeatures)
                }
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    for n in 0..<batch {
                        for o in 0..<outputFeatures { db[o] += dy[n * outputFeatures + o] }
                    }
                }
                // Every scalar of dx is written by the GEMM (beta = 0): no zero-fill first.
                return weight.value.withUnsafeBufferPointer { w in
                    Tensor(shape: cachedInputShape) { dx in
                        GEMM.multiply(m: batch, n: inputFeatures, k: outputFeatures,
                                      a: dy.baseAddress!, lda: outputFeatures,
                                      b: w.baseAddress!, ldb: inputFeatures,
                                      c: dx.baseAddress!, ldc: inputFeatures)
                    }
                }
            }
        }
    }
}
