import ArgumentParser
import Foundation
import RunStore
import Training

/// The command-line face of `TrainingConfiguration` (shared by `train` and `bench train`).
/// Numeric options take the next word even when it starts with "-", so `--epochs -1` gets
/// the range message rather than "missing value".
struct TrainingOptions: ParsableArguments {
    @Option(help: "Model: nsn-lite or small-cnn; nsn-lite:VARIANT also sets the variant.")
    var model: String = TrainingConfiguration().model
    @Option(help: "Similarity variant: conv, static-full, static-diag, dynamic-full, dynamic-diag.")
    var variant: String?
    // nsn-lite's shape: optional, so that giving one with small-cnn (fixed) is refused.
    @Option(name: .customLong("stem-width"), parsing: .unconditional,
            help: "Width of the first plain convolution (nsn-lite; default: \(TrainingConfiguration().stemWidth)).")
    var stemWidth: Int?
    @Option(help: "Stage widths, comma-separated (nsn-lite; default: \(TrainingConfiguration().widths.map(String.init).joined(separator: ","))).")
    var widths: String?
    @Option(name: .customLong("blocks"), parsing: .unconditional,
            help: "Similarity layers per stage (nsn-lite; default: \(TrainingConfiguration().blocksPerStage)).")
    var blocksPerStage: Int?
    @Option(name: .customLong("kernel"), parsing: .unconditional,
            help: "Kernel size of the similarity layers, 3 or 5 (nsn-lite; default: \(TrainingConfiguration().kernelSize)).")
    var kernelSize: Int?
    @Option(name: .customLong("meta-hidden"), parsing: .unconditional,
            help: "Hidden width of the meta-network (dynamic variants; default: \(TrainingConfiguration().metaHidden)).")
    var metaHidden: Int?
    @Option(name: .customLong("similarity-penalty"), parsing: .unconditional, help: "L2 penalty on M (static-full).")
    var similarityPenalty: Double = TrainingConfiguration().similarityPenalty

    @Option(parsing: .unconditional, help: "Number of epochs.")
    var epochs: Int = TrainingConfiguration().epochs
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Images per step.")
    var batchSize: Int = TrainingConfiguration().batchSize
    @Option(help: "Optimizer: sgd, nesterov, adam, adamw.")
    var optimizer: String = TrainingConfiguration().optimizer
    @Option(name: .customLong("lr"), parsing: .unconditional, help: "Peak learning rate.")
    var learningRate: Double = TrainingConfiguration().learningRate
    @Option(parsing: .unconditional, help: "SGD momentum.")
    var momentum: Double = TrainingConfiguration().momentum
    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "Weight decay (decoupled for adamw).")
    var weightDecay: Double = TrainingConfiguration().weightDecay
    @Option(help: "Learning-rate schedule: constant, cosine, or step:F1,F2,… (×0.1 at those fractions of training).")
    var schedule: String = TrainingConfiguration().schedule
    @Option(name: .customLong("warmup"), parsing: .unconditional, help: "Linear warm-up length in epochs (may be fractional).")
    var warmupEpochs: Double = TrainingConfiguration().warmupEpochs
    @Option(name: .customLong("label-smoothing"), parsing: .unconditional, help: "Label smoothing ε.")
    var labelSmoothing: Double = TrainingConfiguration().labelSmoothing

    @Option(name: .customLong("data"), help: "Directory with the four IDX files (default: $SIMLAB_DATA or /usr/share/datasets/fashion-mnist).")
    var dataDirectory: String?
    @Option(name: .customLong("validation"), parsing: .unconditional, help: "Training images held out for validation (stratified).")
    var validationSize: Int = TrainingConfiguration().validationSize
    @Option(name: .customLong("train-fraction"), parsing: .unconditional, help: "Fraction of the remaining training set to train on (e.g. 0.01).")
    var trainFraction: Double = TrainingConfiguration().trainFraction
    @Flag(name: .customLong("no-augment"), help: "Turn off pad-2 random crop and horizontal flip.")
    var noAugment = false
    @Option(parsing: .unconditional, help: "Random seed (initialisation, split, shuffling, augmentation).",
            transform: TrainingOptions.seed(from:))
    var seed: UInt64 = TrainingConfiguration().seed
    @Option(parsing: .unconditional, help: "Threads for the numeric kernels.")
    var threads: Int = TrainingConfiguration().threads
    @Option(name: .customLong("log-every"), parsing: .unconditional, help: "Write a training metrics line every N steps.")
    var logEverySteps: Int = TrainingConfiguration().logEverySteps

    @Option(name: .customLong("knn-alpha"), parsing: .unconditional, help: "Reweight the loss by CE·(1 + α·ℓ_knn); 0 turns it off.")
    var knnAlpha: Double = TrainingConfiguration().knnAlpha
    @Option(name: .customLong("knn-focal"), parsing: .unconditional, help: "Focal kNN reweighting CE·(1 − p_knn)^γ instead of --knn-alpha.")
    var knnFocalGamma: Double?
    @Option(name: .customLong("knn-features"), help: "kNN feature space: pixels, model or frozen:RUN.")
    var knnFeatures: String = TrainingConfiguration().knnFeatures
    @Option(name: .customLong("knn-k"), parsing: .unconditional, help: "Neighbours in the vote.")
    var knnK: Int = TrainingConfiguration().knnK
    @Option(name: .customLong("knn-t"), parsing: .unconditional, help: "Vote temperature.")
    var knnTemperature: Double = TrainingConfiguration().knnTemperature
    @Option(name: .customLong("knn-metric"), help: "cosine or euclidean.")
    var knnMetric: String = TrainingConfiguration().knnMetric
    @Flag(name: .customLong("no-knn-eval"), help: "Skip the kNN and blended evaluation at the end.")
    var noKNNEvaluation = false

    /// The configuration, or a ValidationError listing every problem.
    func configuration() throws -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        var modelName = model
        if let colon = model.firstIndex(of: ":") {
            modelName = String(model[..<colon])
            configuration.variant = String(model[model.index(after: colon)...])
        }
        configuration.model = modelName
        if let variant {
            if model.contains(":"), configuration.variant != variant {
                throw ValidationError("--model \(model) and --variant \(variant) name different variants; give one of them")
            }
            configuration.variant = variant
        }
        let given = zip(TrainingConfiguration.nsnLiteShapeFlags,
                        [stemWidth != nil, widths != nil, blocksPerStage != nil, kernelSize != nil, metaHidden != nil])
        if modelName == "small-cnn", let flag = given.first(where: \.1)?.0 {
            throw ValidationError(TrainingConfiguration.smallCNNShapeProblem(flag))
        }
        if let stemWidth { configuration.stemWidth = stemWidth }
        if let widths {
            let parsedWidths = widths.split(separator: ",", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsedWidths.isEmpty, parsedWidths.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--widths must be comma-separated integers like 16,32,64, got '\(widths)'")
            }
            configuration.widths = parsedWidths.compactMap { $0 }
        }
        if let blocksPerStage { configuration.blocksPerStage = blocksPerStage }
        if let kernelSize { configuration.kernelSize = kernelSize }
        if let metaHidden { configuration.metaHidden = metaHidden }
        configuration.similarityPenalty = similarityPenalty
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.optimizer = optimizer
        configuration.learningRate = learningRate
        configuration.momentum = momentum
        configuration.weightDecay = weightDecay
        configuration.schedule = schedule
        configuration.warmupEpochs = warmupEpochs
        configuration.labelSmoothing = labelSmoothing
        configuration.dataDirectory = dataDirectory
        configuration.validationSize = validationSize
        configuration.trainFraction = trainFraction
        configuration.augment = !noAugment
        configuration.seed = seed
        configuration.threads = threads
        configuration.logEverySteps = logEverySteps
        configuration.knnAlpha = knnAlpha
        configuration.knnFocalGamma = knnFocalGamma
        configuration.knnFeatures = knnFeatures
        configuration.knnK = knnK
        configuration.knnTemperature = knnTemperature
        configuration.knnMetric = knnMetric
        configuration.knnEvaluate = !noKNNEvaluation
        var problems = configuration.problems()
        if problems.isEmpty {   // the schedule is built from valid settings only (lr, epochs, warm-up)
            do { _ = try OptimizerFactory.schedule(configuration, stepsPerEpoch: 1) } catch { problems.append("\(error)") }
        }
        guard problems.isEmpty else {
            throw ValidationError(problems.joined(separator: "\n"))
        }
        return configuration
    }
}

extension TrainingOptions {
    /// `--seed`: an integer in 0...2^64−1 (a negative or non-integer value says the range).
    static func seed(from text: String) throws -> UInt64 {
        guard let seed = UInt64(text) else {
            throw ValidationError("--seed must be an integer in 0...\(UInt64.max), got \(text)")
        }
        return seed
    }
}
