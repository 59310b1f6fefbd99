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

/// Every metric point of one run received so far, in file order.
public struct RunMetrics: Equatable, Sendable {
    public var points: [MetricPoint] = []
    public init(points: [MetricPoint] = []) { self.points = points }

    /// (x, value) of the points of `split` that have the value, optionally only epoch lines.
    public func series(_ split: MetricPoint.Split, epochLinesOnly: Bool = false,
                       _ value: (MetricPoint) -> Double?) -> [(x: Double, y: Double)] {
        points.compactMap { p in
            guard p.split == split, !(epochLinesOnly && p.isStepLine), let v = value(p) else { return nil }
            return (p.x, v)
        }
    }
}
