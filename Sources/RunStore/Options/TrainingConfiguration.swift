/// Every setting of a training run: model, optimisation, data and kNN options.
///
/// Each property is declared as an option once, in `TrainingConfiguration.options` (its flag,
/// parser, range, help and form label): that table writes it into the run's config.json and
/// reads it back for the worker, the dashboard and `simlab show`, and `problems()` checks it
/// before anything starts, with messages that name the option as the user typed it.
public struct TrainingConfiguration: Equatable, Sendable {
    // Model
    public var model: String = "nsn-lite"            // "nsn-lite" | "nsl-cnn9" | "small-cnn"
    public var variant: String = "conv"              // similarity variant (nsn-lite, nsl-cnn9)
    public var stemWidth: Int? = nil                 // nil: the model's default (`resolvedStemWidth`)
    public var widths: [Int]? = nil                  // one per stage; nil: the model's default
    public var blocksPerStage: Int = 2               // nsn-lite (nsl-cnn9 has 3)
    public var kernelSize: Int = 3                   // nsn-lite (nsl-cnn9 has 3)
    public var metaHidden: Int = 8                   // meta-network width (dynamic variants)
    public var kernelShape: String = "full"          // full | cross | learned:N (KernelShapeSetting)
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
    public var label: String = "fine"                // CIFAR-100's label: fine | coarse
    public var validationSize: Int = 5000
    public var trainFraction: Double = 1
    /// The classes trained on, ascending (nil: every class). Training label i is the dataset's
    /// class `classes[i]`; the other classes never appear in training, validation or the
    /// feature bank, and are what `simlab fewshot` evaluates on.
    public var classes: [Int]? = nil
    public var augment: Bool = true                  // random pad-and-crop (+ flip)
    public var flip: Bool = true                     // horizontal flip as part of augmentation
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

    public static let models = ["nsn-lite", "small-cnn", "nsl-cnn9"]
    public static let labels = ["fine", "coarse"]

    /// The models with similarity layers (a variant and the similarity shape options apply).
    public static let similarityModels = ["nsn-lite", "nsl-cnn9"]

    /// Default widths per model: nsn-lite 16 then 16,32,64; nsl-cnn9 (the NSL paper's
    /// CIFAR backbone) 32 then 32,64,128.
    public var resolvedStemWidth: Int { stemWidth ?? (model == "nsl-cnn9" ? 32 : 16) }
    public var resolvedWidths: [Int] { widths ?? (model == "nsl-cnn9" ? [32, 64, 128] : [16, 32, 64]) }
    public static let variants = SimilarityVariantSpec.names
    public static let optimizers = ["sgd", "nesterov", "adam", "adamw"]
    public static let metrics = ["cosine", "euclidean"]
    /// The dataset classes the run trains on, ascending: `classes`, or all `classCount` of the data's.
    public func trainedClasses(of classCount: Int) -> [Int] { classes ?? Array(0..<classCount) }

    /// The problem with a `--classes` list (nil when fine): duplicates, negative, fewer than 2.
    /// Whether the data has those classes is checked when it is loaded (`DataPreparation`):
    /// Fashion-MNIST has 10, CIFAR-100 100, an image folder as many as its class folders.
    public static func classListProblem(_ classes: [Int]) -> String? {
        if let outside = classes.first(where: { $0 < 0 }) {
            return "--classes must name class numbers 0, 1, 2, …, got \(outside)"
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
    public var modelLabel: String { Self.similarityModels.contains(model) ? "\(model)/\(variant)" : model }

    /// Options that shape nsn-lite; small-cnn's architecture is fixed, so giving one of them
    /// with small-cnn is refused (by the command line and the Launch form alike).
    public static let nsnLiteShapeFlags = options.filter(\.shapesNSNLite).map(\.typedFlag)

    /// nsn-lite shape options that nsl-cnn9 does not take (three 3×3 layers per stage).
    public static let nslCNN9FixedFlags = ["--blocks", "--kernel"]

    /// Whether `flag` (typed, "--blocks") cannot be given with `model`.
    public static func refusesShapeFlag(_ flag: String, model: String) -> Bool {
        switch model {
        case "small-cnn": return nsnLiteShapeFlags.contains(flag)
        case "nsl-cnn9": return nslCNN9FixedFlags.contains(flag)
        default: return false
        }
    }

    /// Why `flag` cannot be given with `model` (see `refusesShapeFlag`).
    public static func shapeProblem(_ flag: String, model: String) -> String {
        model == "nsl-cnn9" ? "\(flag) does not apply to nsl-cnn9 (three 3×3 similarity layers per stage)"
            : smallCNNShapeProblem(flag)
    }

    public static func smallCNNShapeProblem(_ flag: String) -> String {
        "\(flag) shapes nsn-lite; small-cnn has a fixed architecture"
    }

    /// All problems with the settings, each naming the option (empty when valid): every
    /// option's range and combination checks from the option table, in table order.
    public func problems() -> [String] {
        Self.options.compactMap { $0.problem(in: self) }
    }
}
