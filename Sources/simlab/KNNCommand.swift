import ArgumentParser
import Foundation
import Neighbours
import NeuralNetwork
import RunStore
import TensorCore
import Training

/// `simlab knn`: the kNN classifier alone — every test image voted by its k nearest
/// training images (all of the training file) — with its accuracy and where the time went.
///
/// Dimension legend: N training images, n test images, D feature dimension, C classes.
struct KNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knn",
        abstract: "Evaluate the kNN classifier alone on the test set (pixels or a run's features).",
        discussion: """
            --features pixels searches raw pixels scaled to [0, 1]; --features RUN uses the \
            penultimate features of that run's latest checkpoint, images normalised with the \
            run's training statistics. The bank is the whole training file.
            """
    )

    @Option(help: "Feature space: pixels, or a run of --runs (id or unique id prefix).")
    var features = "pixels"
    @Option(help: "Neighbours in the vote.")
    var k = KNNVote.defaultK
    @Option(name: .customLong("t"), help: "Vote temperature T in exp((s − s_max)/T).")
    var temperature: Float = KNNVote.defaultTemperature
    @Option(help: "cosine (centred by the training mean, L2-normalised) or euclidean (raw).")
    var metric = "cosine"
    @Option(help: "Dataset directory (IDX, CIFAR-10/100 binary or PNG class folders; default: $SIMLAB_DATA or the installed Fashion-MNIST).")
    var data: String?
    @Option(help: "CIFAR-100's label: fine or coarse.")
    var label = "fine"
    @Option(help: "Threads.")
    var threads = 2
    @OptionGroup var runs: RunsLocation
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @Option(help: .hidden) var dumpPredictions: String?
    @Option(help: .hidden) var queryBlock = NeighbourSearch.default.queryBlockRows
    @Option(help: .hidden) var bankBlock = NeighbourSearch.default.bankBlockRows

    func validate() throws {
        guard TrainingConfiguration.labels.contains(label) else { throw ValidationError("--label must be fine or coarse, got '\(label)'") }
        guard k > 0, threads > 0 else { throw ValidationError("--k and --threads must be positive") }
        guard temperature > 0 else { throw ValidationError("--t must be positive, got \(temperature)") }
        guard SimilarityMetric(rawValue: metric) != nil else {
            throw ValidationError("--metric must be cosine or euclidean, got \(metric)")
        }
    }

    func run() throws {
        Parallel.threadCount = threads
        let metric = SimilarityMetric(rawValue: self.metric)!
        let clock = ContinuousClock()
        let cpuStart = BenchKNNCommand.processCPUSeconds()
        let start = clock.now
        let loaded: LoadedDataset
        do {
            loaded = try LoadedDataset.load(DatasetLocation.resolve(explicit: data), label: label)
        } catch {
            throw CommandFailure(describing: error)
        }
        let loadedAt = clock.now
        let train = loaded.train, test = loaded.test
        let classCount = train.classCount
        let search = NeighbourSearch(queryBlockRows: queryBlock, bankBlockRows: bankBlock, threads: threads)

        let bank: FeatureBank
        let neighbours: NeighbourResult
        var featureTime = Duration.zero, buildTime = Duration.zero, searchTime = Duration.zero
        var dimension = train.imageSize
        if features == "pixels" {
            var mark = clock.now
            bank = FeatureBank(pixels: train.pixels, count: train.count, dimension: dimension,
                               labels: train.labels, classCount: classCount, metric: metric, threads: threads)
            buildTime = clock.now - mark
            mark = clock.now
            neighbours = search.search(pixels: test.pixels, in: bank, k: k)
            searchTime = clock.now - mark
        } else {
            var mark = clock.now
            let (trainFeatures, testFeatures, featureDimension) = try runFeatures(train: train, test: test)
            dimension = featureDimension
            featureTime = clock.now - mark
            mark = clock.now
            bank = FeatureBank(features: trainFeatures, count: train.count, dimension: dimension,
                               labels: train.labels, classCount: classCount, metric: metric, threads: threads)
            buildTime = clock.now - mark
            mark = clock.now
            neighbours = search.search(testFeatures, in: bank, k: k)
            searchTime = clock.now - mark
        }
        let voteStart = clock.now
        let probabilities = KNNVote.probabilities(neighbours, labels: train.labels, classCount: classCount,
                                                  temperature: temperature)
        let predictions = KNNVote.predictions(probabilities, classCount: classCount)
        let voteTime = clock.now - voteStart
        let total = clock.now - start
        let cpu = BenchKNNCommand.processCPUSeconds() - cpuStart
        let correct = zip(predictions, test.labels).filter { $0 == $1 }.count
        let accuracy = Double(correct) / Double(max(1, test.count))

        if let dumpPredictions {
            let text = predictions.map(String.init).joined(separator: "\n") + "\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: dumpPredictions))
        }
        let seconds = { (d: Duration) in String(format: "%.4f", Self.seconds(d)) }
        if json {
            print("{\"features\":\"\(Self.escaped(features))\",\"metric\":\"\(metric)\",\"k\":\(k),"
                  + "\"temperature\":\(temperature),\"dimension\":\(dimension),\"trainCount\":\(train.count),"
                  + "\"testCount\":\(test.count),\"threads\":\(threads),\"accuracy\":\(accuracy),"
                  + "\"load_seconds\":\(seconds(loadedAt - start)),\"feature_seconds\":\(seconds(featureTime)),"
                  + "\"build_seconds\":\(seconds(buildTime)),\"search_seconds\":\(seconds(searchTime)),"
                  + "\"vote_seconds\":\(seconds(voteTime)),\"total_seconds\":\(seconds(total)),"
                  + "\"cpu_seconds\":\(String(format: "%.4f", cpu))}")
        } else {
            print("kNN \(features) \(metric) k=\(k) T=\(temperature) D=\(dimension): "
                  + "test accuracy \(String(format: "%.4f", accuracy)) (\(correct)/\(test.count)) "
                  + "against \(train.count) training images")
            print("time: load \(seconds(loadedAt - start)) s, "
                  + (features == "pixels" ? "" : "features \(seconds(featureTime)) s, ")
                  + "bank build \(seconds(buildTime)) s, search \(seconds(searchTime)) s, "
                  + "vote \(seconds(voteTime)) s; total \(seconds(total)) s (\(threads) threads, "
                  + "CPU \(String(format: "%.2f", cpu)) s)")
        }
    }

    /// Penultimate features [N×D] and [n×D] of the run's latest checkpoint, images
    /// normalised with the run's own training statistics (its split, as in training).
    private func runFeatures(train: ImageDataset, test: ImageDataset) throws -> ([Float], [Float], Int) {
        let run = try runs.run(features)
        guard let checkpointURL = run.latestCheckpoint() else {
            throw ValidationError("run \(run.id) has no checkpoint yet")
        }
        let configuration = try run.readConfig().trainingConfiguration()
        let model = try ModelFactory.build(configuration, classCount: configuration.classes?.count ?? train.classCount,
                                           inputChannels: train.channels,
                                           imageHeight: train.height, imageWidth: train.width)
        try TrainerCheckpoint.loadModel(model, from: CheckpointFile.read(from: checkpointURL))
        // The normalisation the run trained with: statistics of its own training split.
        var runData = configuration
        if let data { runData.dataDirectory = data }
        let normalization = try DataPreparation.load(runData).train.normalization
        var train = train, test = test
        train.normalization = normalization
        test.normalization = normalization
        let trainFeatures = extract(model, train)
        let testFeatures = extract(model, test)
        return (trainFeatures, testFeatures, model.featureCount)
    }

    private func extract(_ model: ImageClassifier, _ dataset: ImageDataset, batchSize: Int = 250) -> [Float] {
        var features: [Float] = []
        features.reserveCapacity(dataset.count * model.featureCount)
        for start in stride(from: 0, to: dataset.count, by: batchSize) {
            let batch = dataset.batch(Array(start..<min(start + batchSize, dataset.count)))
            features += model.inferenceWithFeatures(batch.images).features.scalars
        }
        return features
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
