/// One metrics line reduced to what the charts draw.
///
/// `x` is in epochs: an end-of-epoch line sits at its epoch, a "train every N steps" line
/// at the fraction of training it was written at (computed by the effect runner).
public struct MetricPoint: Equatable, Sendable {
    public enum Split: String, Equatable, Sendable { case train, val, test, other }

    public var x: Double
    public var epoch: Int
    public var split: Split
    /// True for the "train every N steps" lines, false for end-of-epoch lines.
    public var isStepLine: Bool
    public var loss: Double?
    public var accuracy: Double?
    public var knnAccuracy: Double?
    public var blendedAccuracy: Double?
    public var imagesPerSecond: Double?
    /// The λ the final evaluation chose on validation (only on its test line).
    public var blendLambda: Double?

    public init(x: Double, epoch: Int, split: Split, isStepLine: Bool = false, loss: Double? = nil,
                accuracy: Double? = nil, knnAccuracy: Double? = nil, blendedAccuracy: Double? = nil,
                imagesPerSecond: Double? = nil, blendLambda: Double? = nil) {
        self.x = x
        self.epoch = epoch
        self.split = split
        self.isStepLine = isStepLine
        self.loss = loss
        self.accuracy = accuracy
        self.knnAccuracy = knnAccuracy
        self.blendedAccuracy = blendedAccuracy
        self.imagesPerSecond = imagesPerSecond
        self.blendLambda = blendLambda
    }
}

/// The metric points of one run received so far, in file order: every epoch line, and the
/// "every N steps" lines thinned to at most about `2 × maxStepPoints`.
public struct RunMetrics: Equatable, Sendable {
    /// Step points a chart keeps before dropping every other one (charts are a few hundred
    /// dots wide; the epoch lines are never dropped).
    public static let maxStepPoints = 4000

    public private(set) var points: [MetricPoint] = []
    public private(set) var stepPointCount = 0

    public init(points: [MetricPoint] = []) { append(contentsOf: points) }

    /// Appends points; past `2 × maxStepPoints` step points, every other one is dropped.
    public mutating func append(contentsOf newPoints: [MetricPoint]) {
        points.append(contentsOf: newPoints)
        stepPointCount += newPoints.reduce(0) { $0 + ($1.isStepLine ? 1 : 0) }
        guard stepPointCount > 2 * RunMetrics.maxStepPoints else { return }
        var seen = 0
        points.removeAll { point in
            guard point.isStepLine else { return false }
            seen += 1
            return seen % 2 == 0
        }
        stepPointCount = (stepPointCount + 1) / 2
    }

    /// (x, value) of the points of `split` that have the value, optionally only epoch lines.
    public func series(_ split: MetricPoint.Split, epochLinesOnly: Bool = false,
                       _ value: (MetricPoint) -> Double?) -> [(x: Double, y: Double)] {
        points.compactMap { p in
            guard p.split == split, !(epochLinesOnly && p.isStepLine), let v = value(p) else { return nil }
            return (p.x, v)
        }
    }
}
