/// The `--kernel-shape` setting parsed: which taps of each similarity layer's k×k kernel
/// exist (the model's `KernelShape`; docs/kernel-shapes.md has the formulas).
///
///     full | cross | learned:N
///
/// `full` is every tap (no mask; the default, and what a config.json without the key
/// means), `cross` the centre row and column, `learned:N` N taps learned per layer.
public enum KernelShapeSetting: Equatable, Sendable, CustomStringConvertible {
    case full
    case cross
    case learned(activeTaps: Int)

    /// Parses the text form; the error names the option and what was given. N must be ≥ 1
    /// here; that it fits the kernel (N ≤ k²) is `problem(kernelSize:)`'s check.
    public init(parsing text: String) throws {
        switch text {
        case "full": self = .full
        case "cross": self = .cross
        default:
            guard text.hasPrefix("learned:") else {
                throw TrainingOptionError("--kernel-shape must be full, cross or learned:N (N active taps per layer), got '\(text)'")
            }
            let count = text.dropFirst("learned:".count)
            guard let active = Int(count) else {
                throw TrainingOptionError("--kernel-shape learned:N needs a whole number of active taps N, got '\(count)'")
            }
            guard active >= 1 else {
                throw TrainingOptionError("--kernel-shape learned:N needs at least 1 active tap, got \(active)")
            }
            self = .learned(activeTaps: active)
        }
    }

    public var description: String {
        switch self {
        case .full: return "full"
        case .cross: return "cross"
        case .learned(let active): return "learned:\(active)"
        }
    }

    /// Why the shape does not fit a k×k kernel (nil when it does): learned:N needs N ≤ k².
    public func problem(kernelSize: Int) -> String? {
        guard case .learned(let active) = self, active > kernelSize * kernelSize else { return nil }
        return "--kernel-shape learned:\(active) asks for \(active) active taps, but a \(kernelSize)×\(kernelSize) kernel (--kernel \(kernelSize)) has \(kernelSize * kernelSize)"
    }
}
