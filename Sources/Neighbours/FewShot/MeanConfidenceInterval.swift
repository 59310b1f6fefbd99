/// The mean of per-episode accuracies with its 95 % confidence interval, as few-shot papers
/// report it: mean ± 1.96 · s / √n, s the sample standard deviation (n − 1) of the n
/// episodes' accuracies (the normal approximation; with hundreds of episodes Student's t
/// quantile differs from 1.96 in the third decimal).
public struct MeanConfidenceInterval: Equatable, Sendable {
    public var mean: Double
    /// Half the interval's width: the interval is mean ± halfWidth (0 for one value).
    public var halfWidth: Double
    public var standardDeviation: Double
    public var count: Int

    public static let z95 = 1.96

    /// nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        let m = mean
        standardDeviation = values.count > 1
            ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : 0
        halfWidth = Self.z95 * standardDeviation / n.squareRoot()
        count = values.count
    }
}
