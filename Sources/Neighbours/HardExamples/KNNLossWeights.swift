// Dimension legend: n training examples, C classes.

/// Per-example training-loss weights from the kNN vote's probability of the true class,
/// p = p_knn(y) (computed without gradient):
///
///     linear(α): w = 1 + α·ℓ,  ℓ = −max(log p, −100)   (so p = 0 gives ℓ = 100)
///     focal(γ):  w = (1 − p)^γ
///
/// The weights multiply each example's cross-entropy.
public enum KNNLossWeights: Codable, Equatable, Sendable {
    case none
    case linear(alpha: Float)
    case focal(gamma: Float)

    /// ℓ = −max(log p, −100), with p clamped to [0, 1] so rounding above 1 gives 0, not < 0.
    public static func negativeLogLikelihood(_ p: Float) -> Float {
        let p = min(max(p, 0), 1)
        return -max(Float(log(Double(p))), -100)
    }

    /// The weight for one example whose true class has kNN probability `p`.
    public func weight(trueClassProbability p: Float) -> Float {
        switch self {
        case .none:
            return 1
        case .linear(let alpha):
            return 1 + alpha * Self.negativeLogLikelihood(p)
        case .focal(let gamma):
            let miss = 1 - min(max(p, 0), 1)
            return Float(pow(Double(miss), Double(gamma)))
        }
    }

    /// [n] weights from [n] true-class probabilities.
    public func weights(trueClassProbabilities: [Float]) -> [Float] {
        trueClassProbabilities.map { weight(trueClassProbability: $0) }
    }

    /// [n] weights from the [n×C] vote and the [n] true labels.
    public func weights(knnProbabilities: [Float], labels: [Int], classCount: Int) -> [Float] {
        weights(trueClassProbabilities: KNNVote.trueClassProbabilities(knnProbabilities, labels: labels,
                                                                         classCount: classCount))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
