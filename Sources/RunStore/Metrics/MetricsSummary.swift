import Foundation

/// The headline figures of a run's metrics: what `simlab runs` and the dashboard list.
public struct MetricsSummary: Equatable, Sendable {
    public var epochsCompleted = 0
    public var bestValidationAccuracy: Double?
    public var bestValidationEpoch: Int?
    /// Test accuracy at the epoch of the best validation accuracy (model selection on val).
    public var testAccuracyAtBestValidation: Double?
    public var lastTestAccuracy: Double?
    public var lastTrainLoss: Double?
    public var knnAccuracy: Double?
    public var blendedAccuracy: Double?
    public var lastEpochSeconds: Double?
    public var imagesPerSecond: Double?

    public init() {}

    public init<S: Sequence>(_ records: S) where S.Element == MetricRecord {
        self.init()
        for record in records { add(record) }
    }

    public mutating func add(_ record: MetricRecord) {
        if record.split == .train {
            if let loss = record.loss { lastTrainLoss = loss }
            if let speed = record.imagesPerSecond { imagesPerSecond = speed }
            if record.interval == .epoch {
                epochsCompleted = max(epochsCompleted, record.epoch)
                if let seconds = record.epochSeconds { lastEpochSeconds = seconds }
            }
            return
        }
        guard record.interval != .steps else { return }
        if record.split == .val, let accuracy = record.accuracy, accuracy > (bestValidationAccuracy ?? -1) {
            bestValidationAccuracy = accuracy
            bestValidationEpoch = record.epoch
        }
        if record.isFinalEvaluation {
            if let knn = record.knnAccuracy { knnAccuracy = knn }
            if let blended = record.blendedAccuracy { blendedAccuracy = blended }
        } else if record.split == .test {
            // A test line is written after its epoch's training: that epoch is complete.
            epochsCompleted = max(epochsCompleted, record.epoch)
            if let accuracy = record.accuracy {
                lastTestAccuracy = accuracy
                if record.epoch == bestValidationEpoch { testAccuracyAtBestValidation = accuracy }
            }
        }
    }

    /// Reads a whole metrics file (corrupt lines skipped).
    public static func read(_ url: URL) -> MetricsSummary {
        let reader = MetricsTailReader(url: url)
        return MetricsSummary((try? reader.readNew().records) ?? [])
    }
}
