import Foundation
import Neighbours
import NeuralNetwork
import RunStore
import TensorCore

/// `simlab fewshot`: N-way K-shot episodes on classes a run did not train on, classified
/// from the run's penultimate features (L2-normalised) of its latest checkpoint.
///
/// The pool is the test images of the evaluation classes (by default the classes the run's
/// `--classes` left out), normalised with the run's own training statistics; its features
/// are computed once and every episode draws from them.
///
/// Dimension legend: P pool images, D feature dimension.
public struct FewShotEvaluator {
    /// The dataset classes episodes draw from, ascending.
    public let classes: [Int]
    /// The classes the run trained on, ascending.
    public let trainedClasses: [Int]
    /// False when some evaluation classes were trained on (an upper reference, not few-shot).
    public var heldOut: Bool { Set(classes).isDisjoint(with: trainedClasses) }
    /// The checkpoint's name without extension ("epoch-006").
    public let checkpoint: String
    public let modelLabel: String
    public let classNames: [String]
    /// [P×D] pool features, [P] their dataset classes.
    let features: [Float]
    let labels: [Int]
    public let dimension: Int

    /// Loads `run`'s latest checkpoint and computes the features of the test images of
    /// `classes` (nil: the classes the run did not train on). `dataDirectory` overrides the
    /// run's recorded data. Throws `ConfigurationError` with what to do instead.
    public init(run: RunDirectory, classes requested: [Int]?, dataDirectory: String? = nil,
                afterBatch: () -> Void = {}) throws {
        var configuration = try run.readConfig().trainingConfiguration()
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        guard let checkpointURL = run.latestCheckpoint() else {
            throw ConfigurationError("run \(run.id) has no checkpoint yet: few-shot episodes need a trained run "
                                     + "(wait for its first epoch, or resume it)")
        }
        let dataset = try LoadedDataset.load(DatasetLocation.resolve(explicit: configuration.dataDirectory),
                                             label: configuration.label)
        let classCount = dataset.test.classCount
        let trained = configuration.trainedClasses(of: classCount)
        let classes: [Int]
        if let requested {
            if let problem = Self.classListProblem(requested, classCount: classCount) { throw ConfigurationError(problem) }
            classes = requested.sorted()
        } else {
            classes = (0..<classCount).filter { !trained.contains($0) }
            guard !classes.isEmpty else {
                throw ConfigurationError(
                    "run \(run.id) trained on all \(classCount) classes, so none is held out for few-shot episodes. "
                    + "Train a run on a subset (simlab train --classes 0,1,2,3,4,5) and evaluate it on the rest, "
                    + "or pass --classes 6,7,8,9 to evaluate this run on classes it has seen (an upper reference, not few-shot)")
            }
        }

        // The normalisation the run trained with: statistics of its own training split.
        let normalization = try DataPreparation.splits(configuration, of: dataset).train.normalization
        var pool = dataset.test.subset(dataset.test.labels.indices.filter { classes.contains(dataset.test.labels[$0]) })
        pool.normalization = normalization

        let model = try ModelFactory.build(configuration, classCount: trained.count, inputChannels: pool.channels,
                                           imageHeight: pool.height, imageWidth: pool.width)
        do {
            try TrainerCheckpoint.loadModel(model, from: CheckpointFile.read(from: checkpointURL))
        } catch {
            throw ConfigurationError("run \(run.id): cannot load \(checkpointURL.lastPathComponent): \(error)")
        }
        var features: [Float] = []
        features.reserveCapacity(pool.count * model.featureCount)
        for start in stride(from: 0, to: pool.count, by: 250) {
            let batch = pool.batch(Array(start..<min(start + 250, pool.count)))
            features += model.inferenceWithFeatures(batch.images).features.scalars
            afterBatch()
        }
        self.classes = classes
        self.trainedClasses = trained
        self.checkpoint = checkpointURL.deletingPathExtension().lastPathComponent
        self.modelLabel = model.label
        self.classNames = dataset.test.classNames
        self.features = features
        self.labels = pool.labels
        self.dimension = model.featureCount
    }

    /// Few-shot accuracy over `episodes` episodes: the mean of each episode's query
    /// accuracy, with its 95 % confidence interval. Throws `ConfigurationError` when the
    /// classes cannot give such episodes.
    public func evaluate(classifier: FewShotClassifier, k: Int = 1, ways: Int, shots: Int, queries: Int,
                         episodes: Int, seed: UInt64, now: Date = Date()) throws -> FewShotResults.Evaluation {
        guard ways >= 2 else { throw ConfigurationError("--ways must be at least 2 (one way is no choice), got \(ways)") }
        guard episodes >= 1 else { throw ConfigurationError("--episodes must be at least 1, got \(episodes)") }
        let sampler: EpisodeSampler
        do {
            sampler = try EpisodeSampler(labels: labels, ways: ways, shots: shots, queries: queries, seed: seed)
        } catch let problem as EpisodeSampler.Problem {
            throw ConfigurationError(describe(problem))
        }
        var accuracies: [Double] = []
        accuracies.reserveCapacity(episodes)
        for index in 0..<episodes {
            let episode = sampler.episode(index)
            let predictions = classifier.predict(support: rows(episode.support), supportLabels: episode.supportLabels,
                                                 queries: rows(episode.queries), dimension: dimension, ways: ways, k: k)
            let correct = zip(predictions, episode.queryLabels).filter { $0 == $1 }.count
            accuracies.append(Double(correct) / Double(episode.queryLabels.count))
        }
        let interval = MeanConfidenceInterval(accuracies)!
        return FewShotResults.Evaluation(
            classifier: classifier.rawValue, k: classifier == .knn ? k : nil, ways: ways, shots: shots, queries: queries,
            episodes: episodes, seed: seed, classes: classes, heldOut: heldOut, checkpoint: checkpoint,
            evaluatedAt: ISOTime.format(now), accuracy: interval.mean, ci95: interval.halfWidth,
            standardDeviation: interval.standardDeviation)
    }

    /// [n×D] the features of pool images `indices`.
    private func rows(_ indices: [Int]) -> [Float] {
        var result: [Float] = []
        result.reserveCapacity(indices.count * dimension)
        for i in indices { result += features[i * dimension..<(i + 1) * dimension] }
        return result
    }

    private func describe(_ problem: EpisodeSampler.Problem) -> String {
        switch problem {
        case .tooFewClasses(let ways, let available):
            let which = heldOut ? "held-out " : ""
            return "--ways \(ways) needs \(ways) \(which)classes, but there are \(available.count) "
                + "(\(available.map(String.init).joined(separator: ",")); the run trained on "
                + "\(trainedClasses.map(String.init).joined(separator: ","))): lower --ways, or train on fewer classes"
        case .tooFewImages(let label, let count, let needed):
            let name = label < classNames.count ? " (\(classNames[label]))" : ""
            return "--shots + --queries take \(needed) images of each class, but class \(label)\(name) has only "
                + "\(count) test images: lower --shots or --queries"
        case .notPositive(let name, let value):
            return "\(name) must be at least 1, got \(value)"
        }
    }

    /// The problem with an evaluation `--classes` list (nil when fine).
    static func classListProblem(_ classes: [Int], classCount: Int) -> String? {
        if let outside = classes.first(where: { !(0..<classCount).contains($0) }) {
            return "--classes must name classes in 0...\(classCount - 1), got \(outside)"
        }
        var seen = Set<Int>()
        if let repeated = classes.first(where: { !seen.insert($0).inserted }) { return "--classes lists class \(repeated) twice" }
        return classes.count >= 2 ? nil : "--classes needs at least 2 classes to make episodes, got \(classes.count)"
    }
}
