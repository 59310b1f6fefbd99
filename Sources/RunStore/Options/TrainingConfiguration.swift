/// Every setting of a training run: model, optimisation, data and kNN options.
///
/// Codable so it is written once into the run's config.json and read back by the worker,
/// the dashboard and `simlab show`. `validate()` rejects bad combinations before anything
/// starts, with messages that name the option as the user typed it.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    // Model
    public var model: String = "nsn-lite"            // "nsn-lite" | "small-cnn"
    public var variant: String = "conv"              // similarity variant (nsn-lite only)
    public var stemWidth: Int = 16
    public var widths: [Int] = [16, 32, 64]          // one per stage
    public var blocksPerStage: Int = 2
    public var kernelSize: Int = 3
    public var metaHidden: Int = 8                   // meta-network width (dynamic variants)
    public var similarityPenalty: Double = 5e-3      // L2 on M (static-full)

    // Optimisation
    public var epochs: Int = 15
    public var batchSize: Int = 128
    public var optimizer: String = "sgd"             // sgd | nesterov | adam | adamw
    public var learningRate: Double = 0.1
    public var momentum: Double = 0.9
    public var weightDecay: Double = 5e-4
    public var schedule: String = "step:0.5,0.75,0.9"
    public var warmupEpochs: Double = 0
    public var labelSmoothing: Double = 0.01

    // Data
    public var dataDirectory: String? = nil          // nil: SIMLAB_DATA or the Debian package
    public var validationSize: Int = 5000
    public var trainFraction: Double = 1
    public var augment: Bool = true                  // pad-2 random crop + horizontal flip
    public var seed: UInt64 = 0
    public var threads: Int = 2
    public var logEverySteps: Int = 50

    // kNN (alpha 0 and no focal: off)
    public var knnAlpha: Double = 0
    public var knnFocalGamma: Double? = nil
    public var knnFeatures: String = "pixels"        // pixels | model | frozen:RUN
    public var knnK: Int = 20
    public var knnTemperature: Double = 0.07
    public var knnMetric: String = "cosine"          // cosine | euclidean
    public var knnEvaluate: Bool = true              // blended evaluation at the end

    public init() {}

    public static let models = ["nsn-lite", "small-cnn"]
    public static let variants = ["conv", "static-full", "static-diag", "dynamic-full", "dynamic-diag"]
    public static let optimizers = ["sgd", "nesterov", "adam", "adamw"]
    public static let metrics = ["cosine", "euclidean"]

    /// Whether the training loss is reweighted by the kNN vote.
    public var usesKNNReweighting: Bool { knnAlpha > 0 || knnFocalGamma != nil }

    /// A short human label: "nsn-lite/dynamic-diag" or "small-cnn".
    public var modelLabel: String { model == "nsn-lite" ? "\(model)/\(variant)" : model }

    /// All problems with the settings, each naming the option (empty when valid).
    /// Options that shape nsn-lite; small-cnn's architecture is fixed, so giving one of them
    /// with small-cnn is refused (by the command line and the Launch form alike).
    public static let nsnLiteShapeFlags = ["--stem-width", "--widths", "--blocks", "--kernel", "--meta-hidden"]

    public static func smallCNNShapeProblem(_ flag: String) -> String {
        "\(flag) shapes nsn-lite; small-cnn has a fixed architecture"
    }

    public func problems() -> [String] {
        var problems: [String] = []
        func check(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition { problems.append(message()) }
        }
        check(Self.models.contains(model), "--model must be one of \(Self.models.joined(separator: ", ")), got '\(model)'")
        check(Self.variants.contains(variant), "--variant must be one of \(Self.variants.joined(separator: ", ")), got '\(variant)'")
        check(!Self.models.contains(model) || model == "nsn-lite" || variant == "conv", "--variant \(variant) needs --model nsn-lite (small-cnn has plain convolutions)")
        check(stemWidth > 0 && stemWidth <= 1024, "--stem-width must be in 1...1024, got \(stemWidth)")
        check(!widths.isEmpty && widths.count <= 4, "--widths needs 1 to 4 stages (28×28 input halves per stage), got \(widths.count)")
        check(widths.allSatisfy { $0 > 0 && $0 <= 1024 }, "--widths must be in 1...1024, got \(widths)")
        check(blocksPerStage >= 1 && blocksPerStage <= 8, "--blocks must be in 1...8, got \(blocksPerStage)")
        check(kernelSize == 3 || kernelSize == 5, "--kernel must be 3 or 5, got \(kernelSize)")
        check(metaHidden >= 1 && metaHidden <= 256, "--meta-hidden must be in 1...256, got \(metaHidden)")
        check(similarityPenalty >= 0 && similarityPenalty.isFinite, "--similarity-penalty must be ≥ 0, got \(similarityPenalty)")
        check(epochs >= 1 && epochs <= 10_000, "--epochs must be in 1...10000, got \(epochs)")
        check(batchSize >= 1 && batchSize <= 4096, "--batch-size must be in 1...4096, got \(batchSize)")
        check(Self.optimizers.contains(optimizer), "--optimizer must be one of \(Self.optimizers.joined(separator: ", ")), got '\(optimizer)'")
        check(learningRate > 0 && learningRate.isFinite && learningRate <= 10, "--lr must be in (0, 10], got \(learningRate)")
        check(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got \(momentum)")
        check(weightDecay >= 0 && weightDecay.isFinite && weightDecay < 1, "--weight-decay must be in [0, 1), got \(weightDecay)")
        check(warmupEpochs >= 0 && (epochs < 1 || warmupEpochs <= Double(epochs)), "--warmup must be in 0...epochs, got \(warmupEpochs)")
        check(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1), got \(labelSmoothing)")
        check(validationSize >= 0 && validationSize <= 30_000, "--validation must be in 0...30000, got \(validationSize)")
        check(trainFraction > 0 && trainFraction <= 1, "--train-fraction must be in (0, 1], got \(trainFraction)")
        check(threads >= 1 && threads <= 256, "--threads must be in 1...256, got \(threads)")
        check(logEverySteps >= 1, "--log-every must be ≥ 1, got \(logEverySteps)")
        check(knnAlpha >= 0 && knnAlpha.isFinite, "--knn-alpha must be ≥ 0, got \(knnAlpha)")
        if let gamma = knnFocalGamma { check(gamma >= 0 && gamma.isFinite, "--knn-focal must be ≥ 0, got \(gamma)") }
        check(knnAlpha == 0 || knnFocalGamma == nil, "--knn-alpha and --knn-focal are two forms of the same reweighting: give one")
        check(knnFeatures == "pixels" || knnFeatures == "model" || (knnFeatures.hasPrefix("frozen:") && knnFeatures.count > 7),
              "--knn-features must be pixels, model or frozen:RUN, got '\(knnFeatures)'")
        check(knnK >= 1 && knnK <= 1000, "--knn-k must be in 1...1000, got \(knnK)")
        check(knnTemperature > 0 && knnTemperature.isFinite, "--knn-t must be > 0, got \(knnTemperature)")
        check(Self.metrics.contains(knnMetric), "--knn-metric must be cosine or euclidean, got '\(knnMetric)'")
        return problems
    }
}
