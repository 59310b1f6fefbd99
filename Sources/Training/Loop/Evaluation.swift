import NeuralNetwork
import TensorCore

/// A model's predictions on a whole dataset (inference mode, no augmentation).
///
/// Shapes: probabilities [N, classes] and features [N, F], both row-major flat arrays.
public struct Evaluation: Sendable {
    public var loss: Double
    public var accuracy: Double
    public var predictions: [Int]
    public var probabilities: [Float]
    public var classCount: Int
    public var features: [Float]?
    public var featureCount: Int

    /// `afterBatch` runs after each batch: a long evaluation keeps the run's heartbeat, and
    /// can be cancelled by throwing.
    static func run(model: ImageClassifier, dataset: ImageDataset, keepFeatures: Bool, batchSize: Int,
                    afterBatch: () throws -> Void) rethrows -> Evaluation {
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0)
        var lossSum: Double = 0
        var correct = 0
        var predictions: [Int] = []
        var probabilities: [Float] = []
        var features: [Float] = []
        var classCount = 0
        predictions.reserveCapacity(dataset.count)
        for start in stride(from: 0, to: dataset.count, by: batchSize) {
            let indices = Array(start..<min(start + batchSize, dataset.count))
            let batch = dataset.batch(indices)
            let (logits, batchFeatures) = model.inferenceWithFeatures(batch.images)
            let output = loss(logits: logits, labels: batch.labels)
            classCount = logits.shape[1]
            lossSum += output.loss * Double(indices.count)
            correct += zip(output.predictions, batch.labels).filter { $0 == $1 }.count
            predictions += output.predictions
            probabilities += output.probabilities.scalars
            if keepFeatures { features += batchFeatures.scalars }
            try afterBatch()
        }
        let count = max(1, dataset.count)
        return Evaluation(loss: lossSum / Double(count), accuracy: Double(correct) / Double(count),
                          predictions: predictions, probabilities: probabilities, classCount: classCount,
                          features: keepFeatures ? features : nil, featureCount: model.featureCount)
    }
}
