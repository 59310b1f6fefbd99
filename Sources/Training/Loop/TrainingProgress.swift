/// Where a run is: completed epochs, the position inside the current epoch and the
/// running sums of its training metrics. Saved in every checkpoint, so a resumed run
/// continues at exactly this step with the same data order and augmentation.
public struct TrainingProgress: Codable, Equatable, Sendable {
    /// Epochs fully trained (and evaluated).
    public var completedEpochs = 0
    /// Steps done in the current epoch (epoch index = completedEpochs).
    public var stepInEpoch = 0
    /// Optimisation steps since the start of the run.
    public var globalStep = 0
    /// Sums over the steps of the current epoch.
    public var epochLossSum: Double = 0
    public var epochCorrect = 0
    public var epochSeen = 0
    /// Seconds spent training in the current epoch before the last checkpoint.
    public var epochSeconds: Double = 0
    public var bestValidationAccuracy: Double?
    public var bestEpoch: Int?
    public var lastTestAccuracy: Double?

    public init() {}

    mutating func startNextEpoch() {
        completedEpochs += 1
        stepInEpoch = 0
        epochLossSum = 0
        epochCorrect = 0
        epochSeen = 0
        epochSeconds = 0
    }
}
