#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Learning rate as a function of the optimisation step: a decay shape times a linear
/// warm-up.
///
/// Steps count from 0 (the first update uses `learningRate(step: 0, …)`); T = total steps,
/// W = warm-up steps, η = base learning rate.
///
///     warm-up   w(s) = (s + 1) / W  for s < W, else 1
///     constant  η · w(s)
///     step      η · factorᵏ · w(s),  k = number of milestones m with s ≥ round(m·T)
///               (with stepsPerEpoch = S > 1 the boundaries fall on whole epochs:
///               round(m·T/S)·S)
///     cosine    w(s) · (η_min + (η − η_min)·(1 + cos(π·u))/2),  u = clamp((s − W)/(T − W), 0, 1)
///
/// The text form (`--schedule step:0.5,0.75,0.9;factor=0.2`, `cosine;min=0.001`) is parsed
/// by RunStore's `ScheduleSetting`; Training builds this type from it.
public struct LearningRateSchedule: Equatable, Sendable {
    public enum Decay: Equatable, Sendable {
        case constant
        /// Multiply by `factor` at each milestone (fractions of training in (0, 1)).
        case step(milestones: [Double], factor: Float)
        /// Half cosine from the base learning rate down to `minimum` at the last step.
        case cosine(minimum: Float)
    }

    public var baseLearningRate: Float
    public var decay: Decay
    public var warmupSteps: Int

    public init(baseLearningRate: Float, decay: Decay = .constant, warmupSteps: Int = 0) {
        precondition(baseLearningRate >= 0, "learning rate must be ≥ 0, got \(baseLearningRate)")
        precondition(warmupSteps >= 0, "warm-up steps must be ≥ 0, got \(warmupSteps)")
        self.baseLearningRate = baseLearningRate
        self.decay = decay
        self.warmupSteps = warmupSteps
    }

    /// The learning rate of update `step` (0-based) in a run of `totalSteps` updates.
    /// Steps past the end keep the final value.
    public func learningRate(step: Int, totalSteps: Int, stepsPerEpoch: Int = 1) -> Float {
        precondition(step >= 0 && totalSteps > 0 && stepsPerEpoch > 0,
                     "learningRate(step: \(step), totalSteps: \(totalSteps), stepsPerEpoch: \(stepsPerEpoch)) needs step ≥ 0 and positive totals")
        let warmup: Float = step < warmupSteps ? Float(step + 1) / Float(warmupSteps) : 1
        switch decay {
        case .constant:
            return baseLearningRate * warmup
        case .step(let milestones, let factor):
            var rate = baseLearningRate
            for milestone in milestones
            where step >= Self.boundary(milestone, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch) {
                rate *= factor
            }
            return rate * warmup
        case .cosine(let minimum):
            let span = totalSteps - warmupSteps
            let progress = span <= 0 ? (step >= warmupSteps ? 1 : 0)
                : min(max(Double(step - warmupSteps) / Double(span), 0), 1)
            let cosine = (1 + cos(Double.pi * progress)) / 2
            return Float(Double(minimum) + Double(baseLearningRate - minimum) * cosine) * warmup
        }
    }

    /// First step at which a milestone's decay applies.
    static func boundary(_ milestone: Double, totalSteps: Int, stepsPerEpoch: Int) -> Int {
        let epochs = Double(totalSteps) / Double(stepsPerEpoch)
        return Int((milestone * epochs).rounded()) * stepsPerEpoch
    }
}
