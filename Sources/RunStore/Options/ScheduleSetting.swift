/// The `--schedule` setting in its text form, parsed: a decay shape and a warm-up in steps.
///
/// This is the one parser of the text form: the command line, the launch form and
/// `set(flag:valueText:)` check a schedule with it, and Training builds the numeric
/// `LearningRateSchedule` from the parsed value.
///
///     constant | step[:M1,M2,…] | cosine      then any of   ;factor=F  ;min=LR  ;warmup=STEPS
///
/// e.g. "step:0.5,0.75,0.9", "step:0.5;factor=0.2", "cosine;min=0.001;warmup=500",
/// "constant;warmup=100". Milestones are fractions of training in (0, 1), increasing;
/// `step` alone means 0.5,0.75,0.9 and the factor defaults to 0.1 (the reference recipe).
/// `factor` applies to `step` only, `min` (an absolute learning rate) to `cosine` only.
public struct ScheduleSetting: Equatable, Sendable, CustomStringConvertible {
    public enum Decay: Equatable, Sendable {
        case constant
        /// Multiply by `factor` at each milestone (fractions of training in (0, 1)).
        case step(milestones: [Double], factor: Float)
        /// Half cosine from the base learning rate down to `minimum` at the last step.
        case cosine(minimum: Float)
    }

    public var decay: Decay
    public var warmupSteps: Int

    public init(decay: Decay = .constant, warmupSteps: Int = 0) {
        self.decay = decay
        self.warmupSteps = warmupSteps
    }

    /// The reference recipe's milestones: ×0.1 at 50, 75 and 90 % of training.
    public static let referenceMilestones: [Double] = [0.5, 0.75, 0.9]

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

    /// Parses the text form (see the type's documentation). With `baseLearningRate`, a
    /// cosine floor above it is refused too; without, only the text is checked.
    public init(parsing text: String, baseLearningRate: Float? = nil) throws {
        func fail(_ reason: String) -> ScheduleSettingError {
            ScheduleSettingError(text: text, reason: reason)
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
                guard let parsed = Float(value), parsed >= 0, parsed.isFinite else {
                    throw fail("min must be a learning rate ≥ 0, got \"\(value)\"")
                }
                if let baseLearningRate, parsed > baseLearningRate {
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
        self.init(decay: decay, warmupSteps: warmup)
    }
}

/// A learning-rate schedule string that could not be parsed.
public struct ScheduleSettingError: Error, Equatable, CustomStringConvertible {
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
