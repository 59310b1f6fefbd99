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
/// Text form (the CLI's `--lr-schedule`), parsed by `init(parsing:baseLearningRate:)` and
/// produced by `description`:
///
///     constant | step[:M1,M2,…] | cosine      then any of   ;factor=F  ;min=LR  ;warmup=STEPS
///
/// e.g. "step:0.5,0.75,0.9", "step:0.5;factor=0.2", "cosine;min=0.001;warmup=500",
/// "constant;warmup=100". Milestones are fractions of training in (0, 1), increasing;
/// `step` alone means 0.5,0.75,0.9 and the factor defaults to 0.1 (the reference recipe).
/// `factor` applies to `step` only, `min` (an absolute learning rate) to `cosine` only.
public struct LearningRateSchedule: Equatable, Sendable, CustomStringConvertible {
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

    /// The reference recipe's milestones: ×0.1 at 50, 75 and 90 % of training.
    public static let referenceMilestones: [Double] = [0.5, 0.75, 0.9]

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

    // MARK: Text form

    public var description: String {
        var text: String
        switch decay {
        case .constant:
            text = "constant"
        case .step(let milestones, let factor):
            text = "step:" + milestones.map { "\($0)" }.joined(separator: ",")
            if factor != 0.1 { text += ";factor=\(factor)" }
        case .cosine(let minimum):
            text = "cosine"
            if minimum != 0 { text += ";min=\(minimum)" }
        }
        if warmupSteps > 0 { text += ";warmup=\(warmupSteps)" }
        return text
    }

    /// Parses the text form (see the type's documentation).
    public init(parsing text: String, baseLearningRate: Float) throws {
        precondition(baseLearningRate >= 0, "learning rate must be ≥ 0, got \(baseLearningRate)")
        func fail(_ reason: String) -> LearningRateScheduleError {
            LearningRateScheduleError(text: text, reason: reason)
        }
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingWhitespace() }
        let head = parts[0]
        let kind: Substring, argument: Substring?
        if let colon = head.firstIndex(of: ":") {
            kind = head[..<colon]
            argument = head[head.index(after: colon)...]
        } else {
            kind = head[...]
            argument = nil
        }

        var options: [String: String] = [:]
        for part in parts.dropFirst() {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
                throw fail("option \"\(part)\" is not KEY=VALUE")
            }
            let key = String(pieces[0]).trimmingWhitespace()
            guard options[key] == nil else { throw fail("option \"\(key)\" is given twice") }
            options[key] = String(pieces[1]).trimmingWhitespace()
        }
        func take(_ key: String) -> String? { options.removeValue(forKey: key) }

        var warmup = 0
        if let value = take("warmup") {
            guard let steps = Int(value), steps >= 0 else {
                throw fail("warmup must be a whole number of steps ≥ 0, got \"\(value)\"")
            }
            warmup = steps
        }

        let decay: Decay
        switch kind {
        case "constant":
            if argument != nil { throw fail("constant takes no argument") }
            decay = .constant
        case "step":
            var milestones = Self.referenceMilestones
            if let argument {
                milestones = []
                for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
                    let trimmed = String(item).trimmingWhitespace()
                    guard let value = Double(trimmed), value > 0, value < 1 else {
                        throw fail("milestone \"\(trimmed)\" is not a fraction of training in (0, 1)")
                    }
                    if let last = milestones.last, value <= last {
                        throw fail("milestones must increase, got \(value) after \(last)")
                    }
                    milestones.append(value)
                }
            }
            var factor: Float = 0.1
            if let value = take("factor") {
                guard let parsed = Float(value), parsed > 0 else {
                    throw fail("factor must be a positive number, got \"\(value)\"")
                }
                factor = parsed
            }
            decay = .step(milestones: milestones, factor: factor)
        case "cosine":
            if argument != nil { throw fail("cosine takes no argument (use ;min=LR for the floor)") }
            var minimum: Float = 0
            if let value = take("min") {
                guard let parsed = Float(value), parsed >= 0, parsed <= baseLearningRate else {
                    throw fail("min must be a learning rate in [0, \(baseLearningRate)], got \"\(value)\"")
                }
                minimum = parsed
            }
            decay = .cosine(minimum: minimum)
        default:
            throw fail("unknown schedule \"\(kind)\"; expected constant, step or cosine")
        }
        if let unknown = options.keys.sorted().first {
            throw fail("option \"\(unknown)\" does not apply to \(kind) (known: warmup; factor for step; min for cosine)")
        }
        self.init(baseLearningRate: baseLearningRate, decay: decay, warmupSteps: warmup)
    }
}

/// A learning-rate schedule string that could not be parsed.
public struct LearningRateScheduleError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String {
        "invalid learning-rate schedule \"\(text)\": \(reason). Examples: \"constant\", \"step:0.5,0.75,0.9\", \"step:0.5;factor=0.2\", \"cosine;min=0.001;warmup=500\""
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Encoded as {"baseLearningRate": 0.1, "schedule": "step:0.5,0.75,0.9;warmup=100"}: the
/// text form keeps configuration files readable and stable.
extension LearningRateSchedule: Codable {
    private enum CodingKeys: String, CodingKey { case baseLearningRate, schedule }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rate = try container.decode(Float.self, forKey: .baseLearningRate)
        let text = try container.decode(String.self, forKey: .schedule)
        do {
            try self.init(parsing: text, baseLearningRate: rate)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .schedule, in: container,
                                                   debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baseLearningRate, forKey: .baseLearningRate)
        try container.encode(description, forKey: .schedule)
    }
}
