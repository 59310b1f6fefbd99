/// Every setting of a training run: model, optimisation, data and kNN options.
///
/// Each property is declared as an option once, in `TrainingConfiguration.options` (its flag,
/// parser, range, help and form label): that table writes it into the run's config.json and
/// reads it back for the worker, the dashboard and `simlab show`, and `problems()` checks it
/// before anything starts, with messages that name the option as the user typed it.
public struct TrainingConfiguration: Equatable, Sendable {
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
    /// The classes trained on, ascending (nil: every class). Training label i is the dataset's
    /// class `classes[i]`; the other classes never appear in training, validation or the
    /// feature bank, and are what `simlab fewshot` evaluates on.
    public var classes: [Int]? = nil
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

    /// Not a training option: the study that creates the run, written into its config.json
    /// (`RunConfig.study`) so listings can group runs by study. nil for a lone run.
    public var study: StudyMembership? = nil

    public init() {}

    public static let models = ["nsn-lite", "small-cnn"]
    public static let variants = SimilarityVariantSpec.names
    public static let optimizers = ["sgd", "nesterov", "adam", "adamw"]
    public static let metrics = ["cosine", "euclidean"]
    /// The classes of the dataset (Fashion-MNIST's 10): what `--classes` may name.
    public static let datasetClassCount = 10

    /// The dataset classes the run trains on, ascending: `classes`, or all of them.
    public var trainedClasses: [Int] { classes ?? Array(0..<Self.datasetClassCount) }

    /// The problem with a `--classes` list (nil when fine): duplicates, out of range, fewer than 2.
    public static func classListProblem(_ classes: [Int]) -> String? {
        if let outside = classes.first(where: { !(0..<datasetClassCount).contains($0) }) {
            return "--classes must name classes in 0...\(datasetClassCount - 1), got \(outside)"
        }
        var seen = Set<Int>()
        if let repeated = classes.first(where: { !seen.insert($0).inserted }) {
            return "--classes lists class \(repeated) twice"
        }
        return classes.count >= 2 ? nil
            : "--classes needs at least 2 classes to train a classifier, got \(classes.count)"
    }

    /// Whether the training loss is reweighted by the kNN vote.
    public var usesKNNReweighting: Bool { knnAlpha > 0 || knnFocalGamma != nil }

    /// A short human label: "nsn-lite/dynamic-diag" or "small-cnn".
    public var modelLabel: String { model == "nsn-lite" ? "\(model)/\(variant)" : model }

    /// Options that shape nsn-lite; small-cnn's architecture is fixed, so giving one of them
    /// with small-cnn is refused (by the command line and the Launch form alike).
    public static let nsnLiteShapeFlags = options.filter(\.shapesNSNLite).map(\.typedFlag)

    public static func smallCNNShapeProblem(_ flag: String) -> String {
        "\(flag) shapes nsn-lite; small-cnn has a fixed architecture"
    }

    /// All problems with the settings, each naming the option (empty when valid): every
    /// option's range and combination checks from the option table, in table order.
    public func problems() -> [String] {
        Self.options.compactMap { $0.problem(in: self) }
    }
}
