import TensorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax cross-entropy over class logits, with optional label smoothing and per-example
/// weights.
///
/// Dimensions: `N` batch, `C` classes. Shapes: logits z [N, C], labels y [N] (0 ≤ y < C),
/// weights w [N] (optional, default 1).
///
///     log p_ic = z_ic − max_c z_ic − log Σ_c exp(z_ic − max_c z_ic)   (stable log-softmax)
///     t_ic     = (1 − ε)·[c = y_i] + ε / C                          (label smoothing ε)
///     CE_i     = −Σ_c t_ic · log p_ic
///     L        = Σ_i w_i · CE_i / N
///
/// The weighted loss is normalised by the batch size N, **not** by Σ w_i: with the kNN
/// hard-example weights w_i = 1 + α·ℓ_i ≥ 1 the loss (and its gradient) grows with α, as
/// the reweighting L_i = CE_i·(1 + α·ℓ_i) intends. With w ≡ 1 this is the plain mean.
///
///     dL/dz_ic = w_i · (p_ic − t_ic) / N
public struct SoftmaxCrossEntropy: Sendable {
    /// ε in [0, 1): the probability mass spread uniformly over all C classes.
    public var labelSmoothing: Float

    public init(labelSmoothing: Float = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing < 1,
                     "label smoothing must be in [0, 1), got \(labelSmoothing)")
        self.labelSmoothing = labelSmoothing
    }

    /// Everything one evaluation of the loss produces.
    public struct Output: Sendable {
        /// L = Σ_i w_i·CE_i / N (0 for an empty batch).
        public var loss: Double
        /// CE_i [N], *unweighted* (smoothed targets included): what hard-example mining
        /// and per-example statistics use.
        public var perExampleLosses: [Float]
        /// dL/dz [N, C], weights and the 1/N normalisation included.
        public var logitsGradient: Tensor
        /// softmax(z) [N, C].
        public var probabilities: Tensor
        /// argmax_c z_ic [N] (the first maximum on ties).
        public var predictions: [Int]
    }

    /// Evaluates loss, per-example losses, gradient, probabilities and predictions.
    ///
    /// - Parameters:
    ///   - logits: z [N, C].
    ///   - labels: y [N], each in 0..<C.
    ///   - weights: w [N] or nil for w ≡ 1.
    public func callAsFunction(logits: Tensor, labels: [Int], weights: [Float]? = nil) -> Output {
        precondition(logits.rank == 2,
                     "SoftmaxCrossEntropy expects logits [N, C], got \(logits.shape)")
        let batch = logits.shape[0], classes = logits.shape[1]
        precondition(labels.count == batch,
                     "SoftmaxCrossEntropy: logits \(logits.shape) but \(labels.count) labels")
        precondition(classes > 0 || batch == 0, "SoftmaxCrossEntropy needs at least one class, logits \(logits.shape)")
        if let weights {
            precondition(weights.count == batch,
                         "SoftmaxCrossEntropy: logits \(logits.shape) but \(weights.count) weights")
        }

        var probabilities = Tensor(shape: [batch, classes])
        var gradient = Tensor(shape: [batch, classes])
        var perExample = [Float](repeating: 0, count: batch)
        var predictions = [Int](repeating: 0, count: batch)
        var total: Double = 0
        guard batch > 0 else {
            return Output(loss: 0, perExampleLosses: [], logitsGradient: gradient,
                          probabilities: probabilities, predictions: [])
        }

        let epsilon = Double(labelSmoothing)
        let offTarget = epsilon / Double(classes)            // t_ic for c ≠ y_i
        let onTarget = 1 - epsilon + offTarget                // t_ic for c = y_i
        let inverseBatch = 1 / Double(batch)

        logits.withUnsafeBufferPointer { z in
            probabilities.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeMutableBufferPointer { dz in
                    for n in 0..<batch {
                        let label = labels[n]
                        precondition(label >= 0 && label < classes,
                                     "SoftmaxCrossEntropy: label \(label) of example \(n) is outside 0..<\(classes)")
                        let row = n * classes

                        // max and argmax, then Σ exp(z − max) with the exponentials kept in p.
                        var maximum = z[row], argmax = 0
                        for c in 1..<classes where z[row + c] > maximum {
                            maximum = z[row + c]; argmax = c
                        }
                        var sumExp: Double = 0, sumLogits: Double = 0
                        for c in 0..<classes {
                            let e = exp(Double(z[row + c] - maximum))
                            p[row + c] = Float(e)
                            sumExp += e
                            sumLogits += Double(z[row + c])
                        }
                        let logSum = log(sumExp)
                        // log p_ic = z_ic − max − logSum
                        let logPLabel = Double(z[row + label] - maximum) - logSum
                        let sumLogP = sumLogits - Double(classes) * (Double(maximum) + logSum)
                        // CE_i = −[(1 − ε)·log p_iy + (ε/C)·Σ_c log p_ic]
                        let crossEntropy = -((1 - epsilon) * logPLabel + offTarget * sumLogP)

                        let weight = Double(weights?[n] ?? 1)
                        perExample[n] = Float(crossEntropy)
                        predictions[n] = argmax
                        total += weight * crossEntropy

                        // dL/dz_ic = w_i·(p_ic − t_ic)/N
                        let inverseSum = Float(1 / sumExp)
                        let scale = Float(weight * inverseBatch)
                        let off = Float(offTarget)
                        for c in 0..<classes {
                            let probability = p[row + c] * inverseSum
                            p[row + c] = probability
                            dz[row + c] = scale * (probability - off)
                        }
                        dz[row + label] = scale * (p[row + label] - Float(onTarget))
                    }
                }
            }
        }
        return Output(loss: total * inverseBatch, perExampleLosses: perExample,
                      logitsGradient: gradient, probabilities: probabilities,
                      predictions: predictions)
    }
}
