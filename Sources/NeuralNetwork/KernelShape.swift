#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which taps of a k×k similarity kernel exist: a Boolean mask d ∈ {0,1}^K (K = k²) that
/// shapes the layer's M as
///
///     M_shaped = M·D,   D = diag(d)
///
/// so an inactive tap p is a zero column of M_shaped: the patch entry x_p never enters
/// wᵀ·M_shaped·x, and the folded kernel W·M·D has a zero column p. For the diagonal variants
/// (and conv, M = I) M·D = D·M·D. One D per layer, shared by every channel, sample and position.
///
/// - `full`: d = 1 (no mask; the layer computes exactly what it does without one).
/// - `cross`: fixed plus shape, the centre row and column (5 taps for k = 3, 9 for k = 5).
/// - `learned(activeTaps: N)`: d = top_N(s) from real scores s ∈ R^K (a parameter), learned by
///   a straight-through estimator: forward uses the hard top-N mask, backward treats d as
///   σ(s), so ∂L/∂s = ∂L/∂d ⊙ σ(s)(1 − σ(s)) (∂L/∂d taken at the hard mask).
public enum KernelShape: Equatable, Sendable, CustomStringConvertible {
    case full
    case cross
    case learned(activeTaps: Int)

    /// The option's text: "full", "cross", "learned:5".
    public var description: String {
        switch self {
        case .full: return "full"
        case .cross: return "cross"
        case .learned(let active): return "learned:\(active)"
        }
    }

    /// The fixed mask [K] of `full` and `cross`; nil for `learned` (it comes from the scores).
    public func fixedMask(kernelSize k: Int) -> [Float]? {
        switch self {
        case .full:
            return [Float](repeating: 1, count: k * k)
        case .cross:
            return (0..<(k * k)).map { t in t / k == k / 2 || t % k == k / 2 ? 1 : 0 }
        case .learned:
            return nil
        }
    }

    /// d = top_N(scores): 1 on the `count` largest scores, 0 elsewhere; a tie goes to the
    /// lower tap index, so the mask is a deterministic function of the scores.
    public static func topMask(scores: [Float], count: Int) -> [Float] {
        precondition(count >= 0 && count <= scores.count,
                     "topMask: \(count) active taps out of \(scores.count)")
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        var mask = [Float](repeating: 0, count: scores.count)
        for t in order.prefix(count) { mask[t] = 1 }
        return mask
    }

    /// The relaxed mask σ(s) (gradient checks of the estimator's backward).
    static func sigmoid(_ score: Float) -> Float { 1 / (1 + expf(-score)) }
}
