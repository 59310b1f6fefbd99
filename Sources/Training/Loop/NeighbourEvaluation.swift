import Foundation
import Neighbours
import NeuralNetwork
import RunStore

/// The end-of-training kNN evaluation: a bank of the final model's training features,
/// λ, k and T chosen on the validation split only, then kNN-only, network-only and
/// blended accuracy on test; neighbour results saved for browsing.
public enum NeighbourEvaluation {
    public struct Result: Codable, Sendable {
        public var choice: BlendChoice
        public var featureSpace: String
        public var networkAccuracy: Double
        public var knnAccuracy: Double
        public var blendedAccuracy: Double
        public var testCount: Int
        /// Seconds of the three inference passes that compute the features (train, validation,
        /// test), and of the whole evaluation (those, the neighbour searches, the blend choice
        /// and the files written).
        public var featureSeconds: Double?
        public var totalSeconds: Double?

        /// The evaluation.json record.
        public var summary: NeighbourEvaluationSummary {
            NeighbourEvaluationSummary(
                lambda: Double(shortest: choice.lambda), k: choice.k, temperature: Double(shortest: choice.temperature),
                validationAccuracy: choice.validationAccuracy, validationCount: choice.validationCount,
                validationCurve: choice.accuracyByLambda.map { .init(lambda: Double(shortest: $0.lambda), accuracy: $0.accuracy) },
                featureSpace: featureSpace, networkAccuracy: networkAccuracy, knnAccuracy: knnAccuracy,
                blendedAccuracy: blendedAccuracy, testCount: testCount)
        }
    }

    /// Largest k the validation grid may choose; the test search uses the chosen k.
    static let searchK = 100
    /// Correctly classified test images kept for browsing besides every misclassified one.
    static let correctSample = 300

    /// `afterBatch` runs after each batch of the three feature passes (heartbeat; throw to cancel).
    public static func run(trainer: Trainer, run: RunDirectory, configuration: TrainingConfiguration,
                           afterBatch: () throws -> Void = {}) throws -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        var featureNanoseconds: UInt64 = 0
        /// An inference pass with features, its time added to `featureNanoseconds`.
        func features(_ dataset: ImageDataset) throws -> Evaluation {
            let passStart = DispatchTime.now().uptimeNanoseconds
            defer { featureNanoseconds += DispatchTime.now().uptimeNanoseconds - passStart }
            return try trainer.evaluate(dataset, keepFeatures: true, afterBatch: afterBatch)
        }
        let data = trainer.data
        let classCount = data.train.classCount
        let metric: SimilarityMetric = configuration.knnMetric == "euclidean" ? .euclidean : .cosine
        let trainFeatures = try features(data.train)
        let bank = FeatureBank(features: trainFeatures.features ?? [], count: data.train.count,
                               dimension: trainFeatures.featureCount, labels: data.train.labels,
                               classCount: classCount, metric: metric)
        let search = NeighbourSearch.default
        let k = min(searchK, data.train.count)

        // Choose on validation (the test set is not touched until the choice is made).
        let choice: BlendChoice
        if data.validation.count > 0 {
            let validation = try features(data.validation)
            let neighbours = search.search(validation.features ?? [], in: bank, k: k)
            choice = BlendSelection.select(validationNeighbours: neighbours, bankLabels: data.train.labels,
                                           validationLabels: data.validation.labels,
                                           validationNetworkProbabilities: validation.probabilities,
                                           classCount: classCount)
        } else {
            choice = BlendChoice(lambda: 0, k: min(configuration.knnK, k), temperature: Float(configuration.knnTemperature),
                                 validationAccuracy: 0, validationCount: 0, accuracyByLambda: [])
        }

        let test = try features(data.test)
        let testNeighbours = search.search(test.features ?? [], in: bank, k: choice.k)
        let knn = KNNVote.probabilities(testNeighbours, labels: data.train.labels, classCount: classCount,
                                        temperature: choice.temperature)
        let blended = BlendSelection.blend(knn: knn, network: test.probabilities, lambda: choice.lambda)
        let knnPredictions = KNNVote.predictions(knn, classCount: classCount)
        let blendedPredictions = KNNVote.predictions(blended, classCount: classCount)
        let labels = data.test.labels
        func accuracy(_ predictions: [Int]) -> Double {
            Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(max(1, labels.count))
        }
        var result = Result(choice: choice, featureSpace: "model", networkAccuracy: test.accuracy,
                            knnAccuracy: accuracy(knnPredictions), blendedAccuracy: accuracy(blendedPredictions),
                            testCount: labels.count, featureSeconds: Double(featureNanoseconds) / 1e9)
        try run.writeEvaluation(result.summary)
        try NeighbourBrowserFile.write(run: run, data: data, neighbours: testNeighbours,
                                       networkPredictions: test.predictions, knnPredictions: knnPredictions,
                                       blendedPredictions: blendedPredictions, knnProbabilities: knn,
                                       seed: configuration.seed, correctSample: correctSample)
        result.totalSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return result
    }
}
