import TensorCore

/// Running count of correct predictions (top-1 accuracy), accumulated over batches.
public struct Accuracy: Equatable, Sendable {
    public private(set) var correct: Int = 0
    public private(set) var total: Int = 0

    public init() {}

    /// Adds one batch: predictions [N] against labels [N].
    public mutating func add(predictions: [Int], labels: [Int]) {
        precondition(predictions.count == labels.count,
                     "Accuracy: \(predictions.count) predictions but \(labels.count) labels")
        for (prediction, label) in zip(predictions, labels) where prediction == label { correct += 1 }
        total += labels.count
    }

    /// correct / total, 0 when nothing was added.
    public var fraction: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Fraction of predictions equal to their labels (0 for empty input).
    public static func fraction(predictions: [Int], labels: [Int]) -> Double {
        var accuracy = Accuracy()
        accuracy.add(predictions: predictions, labels: labels)
        return accuracy.fraction
    }

    /// argmax_c z_nc for logits z [N, C] (the first maximum on ties).
    public static func argmax(logits: Tensor) -> [Int] {
        precondition(logits.rank == 2 && (logits.shape[1] > 0 || logits.shape[0] == 0),
                     "Accuracy.argmax expects logits [N, C] with C > 0, got \(logits.shape)")
        let batch = logits.shape[0], classes = logits.shape[1]
        var result = [Int](repeating: 0, count: batch)
        logits.withUnsafeBufferPointer { z in
            for n in 0..<batch {
                let row = n * classes
                var best = z[row], index = 0
                for c in 1..<max(classes, 1) where z[row + c] > best { best = z[row + c]; index = c }
                result[n] = index
            }
        }
        return result
    }
}
