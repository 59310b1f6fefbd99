import Foundation

/// The option table: every training option, declared once, in the order the form, the help
/// text and config.json list them. Adding an option is a stored property in
/// `TrainingConfiguration` plus one entry here.
extension TrainingConfiguration {
    public static let options: [TrainingOption] = [
        // Model
        .option(\.model, key: "model", flag: "model", label: "Model", .model, .choice(models),
                help: "Model: nsn-lite, nsl-cnn9 (the NSL paper's CIFAR backbone) or small-cnn; MODEL:VARIANT also sets the variant.",
                apply: { configuration, text in
                    guard let colon = text.firstIndex(of: ":") else { configuration.model = text; return }
                    configuration.model = String(text[..<colon])
                    configuration.variant = String(text[text.index(after: colon)...])
                },
                range: { models.contains($0) ? nil : "--model must be one of \(models.joined(separator: ", ")), got '\($0)'" }),
        .option(\.variant, key: "variant", flag: "variant", label: "Similarity variant", .model, .choice(variants),
                help: "Similarity variant: \(variants.joined(separator: ", ")).",
                range: { variants.contains($0) ? nil : "--variant must be one of \(variants.joined(separator: ", ")), got '\($0)'" },
                combination: { c in
                    !models.contains(c.model) || similarityModels.contains(c.model) || c.variant == "conv" ? nil
                        : "--variant \(c.variant) needs --model nsn-lite or nsl-cnn9 (small-cnn has plain convolutions)"
                }),
        .option(\.stemWidth, key: "stemWidth", flag: "stem-width", label: "Stem width", .model, .integer,
                help: "Width of the first plain convolution (empty: 16 for nsn-lite, 32 for nsl-cnn9).", shapesNSNLite: true,
                range: { width in
                    guard let width else { return nil }
                    return width > 0 && width <= 1024 ? nil : "--stem-width must be in 1...1024, got \(width)"
                }),
        .option(\.widths, key: "widths", flag: "widths", label: "Stage widths", .model, .integerList,
                help: "Stage widths, comma-separated (empty: 16,32,64 for nsn-lite, 32,64,128 for nsl-cnn9).", shapesNSNLite: true,
                range: { widths in
                    guard let widths else { return nil }
                    if widths.isEmpty || widths.count > 4 {
                        return "--widths needs 1 to 4 stages (28×28 input halves per stage), got \(widths.count)"
                    }
                    return widths.allSatisfy { $0 > 0 && $0 <= 1024 } ? nil : "--widths must be in 1...1024, got \(widths)"
                }),
        .option(\.blocksPerStage, key: "blocksPerStage", flag: "blocks", label: "Layers per stage", .model, .integer,
                help: "Similarity layers per stage (nsn-lite).", shapesNSNLite: true,
                range: { $0 >= 1 && $0 <= 8 ? nil : "--blocks must be in 1...8, got \($0)" }),
        .option(\.kernelSize, key: "kernelSize", flag: "kernel", label: "Kernel size", .model, .choice(["3", "5"]),
                help: "Kernel size of the similarity layers, 3 or 5 (nsn-lite).", shapesNSNLite: true,
                range: { $0 == 3 || $0 == 5 ? nil : "--kernel must be 3 or 5, got \($0)" }),
        .option(\.metaHidden, key: "metaHidden", flag: "meta-hidden", label: "Meta-network width", .model, .integer,
                help: "Hidden width of the meta-network (dynamic variants).", shapesNSNLite: true,
                range: { $0 >= 1 && $0 <= 256 ? nil : "--meta-hidden must be in 1...256, got \($0)" }),
        .option(\.kernelShape, key: "kernelShape", flag: "kernel-shape", label: "Kernel shape", .model, .text,
                help: "Taps of every similarity kernel: full, cross (centre row and column) or learned:N "
                    + "(N taps per layer, learned).", shapesNSNLite: true,
                parse: { text in _ = try KernelShapeSetting(parsing: text); return text },
                range: { text in
                    do { _ = try KernelShapeSetting(parsing: text); return nil } catch { return "\(error)" }
                },
                combination: { c in
                    guard c.kernelSize == 3 || c.kernelSize == 5 else { return nil }
                    return (try? KernelShapeSetting(parsing: c.kernelShape))?.problem(kernelSize: c.kernelSize)
                }),
        .option(\.similarityPenalty, key: "similarityPenalty", flag: "similarity-penalty", label: "L2 penalty on M",
                .model, .number, help: "L2 penalty on M (static-full).",
                range: { $0 >= 0 && $0.isFinite ? nil : "--similarity-penalty must be ≥ 0, got \($0)" }),

        // Optimisation
        .option(\.epochs, key: "epochs", flag: "epochs", label: "Epochs", .optimisation, .integer,
                help: "Number of epochs.",
                range: { $0 >= 1 && $0 <= 10_000 ? nil : "--epochs must be in 1...10000, got \($0)" }),
        .option(\.batchSize, key: "batchSize", flag: "batch-size", label: "Batch size", .optimisation, .integer,
                help: "Images per step.",
                range: { $0 >= 1 && $0 <= 4096 ? nil : "--batch-size must be in 1...4096, got \($0)" }),
        .option(\.optimizer, key: "optimizer", flag: "optimizer", label: "Optimizer", .optimisation, .choice(optimizers),
                help: "Optimizer: \(optimizers.joined(separator: ", ")).",
                range: { optimizers.contains($0) ? nil : "--optimizer must be one of \(optimizers.joined(separator: ", ")), got '\($0)'" }),
        .option(\.learningRate, key: "learningRate", flag: "lr", label: "Learning rate", .optimisation, .number,
                help: "Peak learning rate.",
                range: { $0 > 0 && $0.isFinite && $0 <= 10 ? nil : "--lr must be in (0, 10], got \($0)" }),
        .option(\.momentum, key: "momentum", flag: "momentum", label: "Momentum", .optimisation, .number,
                help: "SGD momentum.",
                range: { $0 >= 0 && $0 < 1 ? nil : "--momentum must be in [0, 1), got \($0)" }),
        .option(\.weightDecay, key: "weightDecay", flag: "weight-decay", label: "Weight decay", .optimisation, .number,
                help: "Weight decay (decoupled for adamw).",
                range: { $0 >= 0 && $0.isFinite && $0 < 1 ? nil : "--weight-decay must be in [0, 1), got \($0)" }),
        .option(\.schedule, key: "schedule", flag: "schedule", label: "LR schedule", .optimisation, .text,
                help: "Learning-rate schedule: constant, cosine[;min=LR], or step[:F1,F2,…][;factor=F] "
                    + "(×factor, default 0.1, at those fractions of training).",
                parse: { text in
                    do { _ = try ScheduleSetting(parsing: text) } catch {
                        throw TrainingOptionError("--schedule '\(text)': \(error)")
                    }
                    return text
                },
                range: { text in
                    do { _ = try ScheduleSetting(parsing: text); return nil } catch { return "--schedule '\(text)': \(error)" }
                },
                combination: { c in
                    // A cosine floor above the learning rate (checked once the rate itself is valid).
                    guard c.learningRate > 0, c.learningRate.isFinite, c.learningRate <= 10 else { return nil }
                    do { _ = try ScheduleSetting(parsing: c.schedule, baseLearningRate: Float(c.learningRate)); return nil } catch {
                        return "--schedule '\(c.schedule)': \(error)"
                    }
                }),
        .option(\.warmupEpochs, key: "warmupEpochs", flag: "warmup", label: "Warm-up epochs", .optimisation, .number,
                help: "Linear warm-up length in epochs (may be fractional).",
                range: { $0 >= 0 ? nil : "--warmup must be in 0...epochs, got \($0)" },
                combination: { c in
                    c.epochs < 1 || c.warmupEpochs <= Double(c.epochs) ? nil : "--warmup must be in 0...epochs, got \(c.warmupEpochs)"
                }),
        .option(\.labelSmoothing, key: "labelSmoothing", flag: "label-smoothing", label: "Label smoothing",
                .optimisation, .number, help: "Label smoothing ε.",
                range: { $0 >= 0 && $0 < 1 ? nil : "--label-smoothing must be in [0, 1), got \($0)" }),

        // Data
        .option(\.dataDirectory, key: "dataDirectory", flag: "data", label: "Data directory", .data, .text,
                help: "Dataset directory: the four IDX files, CIFAR-10 or CIFAR-100 binary files, or train/ and test/ "
                    + "folders of PNGs per class (default: $SIMLAB_DATA or /usr/share/datasets/fashion-mnist)."),
        .option(\.label, key: "label", flag: "label", label: "CIFAR-100 label", .data, .choice(labels),
                help: "CIFAR-100's label: fine (100 classes) or coarse (20 superclasses).",
                range: { labels.contains($0) ? nil : "--label must be fine or coarse, got '\($0)'" }),
        .option(\.validationSize, key: "validationSize", flag: "validation", label: "Validation images", .data, .integer,
                help: "Training images held out for validation (stratified).",
                range: { $0 >= 0 && $0 <= 30_000 ? nil : "--validation must be in 0...30000, got \($0)" }),
        .option(\.trainFraction, key: "trainFraction", flag: "train-fraction", label: "Train fraction", .data, .number,
                help: "Fraction of the remaining training set to train on (e.g. 0.01).",
                range: { $0 > 0 && $0 <= 1 ? nil : "--train-fraction must be in (0, 1], got \($0)" }),
        .option(\.classes, key: "classes", flag: "classes", label: "Classes (empty: all)", .data, .integerList,
                help: "Train on these classes only, e.g. 0,1,2,3,4,5 (the others stay unseen for simlab fewshot); empty: all.",
                parse: { text in
                    if text.isEmpty { return nil }
                    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                        .map { Int($0.trimmingCharacters(in: .whitespaces)) }
                    guard parts.allSatisfy({ $0 != nil }) else {
                        throw TrainingOptionError("--classes must be comma-separated class numbers like 0,1,2,3,4,5, got '\(text)'")
                    }
                    return parts.compactMap { $0 }
                },
                apply: { configuration, classes in configuration.classes = classes?.sorted() },
                range: { classes in classes.flatMap(classListProblem) }),
        .option(\.augment, key: "augment", flag: "augment", label: "Augmentation", .data, .flag,
                help: "Random pad-and-crop (2 pixels for IDX data, min(H,W)/8 otherwise: 4 at 32×32) and, with --flip, "
                    + "a horizontal flip (--no-augment turns both off)."),
        .option(\.flip, key: "flip", flag: "flip", label: "Horizontal flip", .data, .flag,
                help: "Random horizontal flip as part of augmentation (--no-flip for data whose mirror image is another class)."),
        .option(\.seed, key: "seed", flag: "seed", label: "Seed", .data, .integer,
                help: "Random seed (initialisation, split, shuffling, augmentation)."),
        .option(\.threads, key: "threads", flag: "threads", label: "Threads", .data, .integer,
                help: "Threads for the numeric kernels.",
                range: { $0 >= 1 && $0 <= 256 ? nil : "--threads must be in 1...256, got \($0)" }),
        .option(\.logEverySteps, key: "logEverySteps", flag: "log-every", label: "Log every N steps", .data, .integer,
                help: "Write a training metrics line every N steps.",
                range: { $0 >= 1 ? nil : "--log-every must be ≥ 1, got \($0)" }),

        // kNN
        .option(\.knnAlpha, key: "knnAlpha", flag: "knn-alpha", label: "kNN loss α", .knn, .number,
                help: "Reweight the loss by CE·(1 + α·ℓ_knn); 0 turns it off.",
                range: { $0 >= 0 && $0.isFinite ? nil : "--knn-alpha must be ≥ 0, got \($0)" }),
        .option(\.knnFocalGamma, key: "knnFocalGamma", flag: "knn-focal", label: "kNN focal γ", .knn, .optionalNumber,
                help: "Focal kNN reweighting CE·(1 − p_knn)^γ instead of --knn-alpha.",
                range: { gamma in
                    guard let gamma else { return nil }
                    return gamma >= 0 && gamma.isFinite ? nil : "--knn-focal must be ≥ 0, got \(gamma)"
                },
                combination: { c in
                    c.knnAlpha == 0 || c.knnFocalGamma == nil ? nil
                        : "--knn-alpha and --knn-focal are two forms of the same reweighting: give one"
                }),
        .option(\.knnFeatures, key: "knnFeatures", flag: "knn-features", label: "kNN features", .knn, .text,
                help: "kNN feature space: pixels, model or frozen:RUN.",
                range: { $0 == "pixels" || $0 == "model" || ($0.hasPrefix("frozen:") && $0.count > 7) ? nil
                    : "--knn-features must be pixels, model or frozen:RUN, got '\($0)'" }),
        .option(\.knnK, key: "knnK", flag: "knn-k", label: "kNN k", .knn, .integer,
                help: "Neighbours in the vote.",
                range: { $0 >= 1 && $0 <= 1000 ? nil : "--knn-k must be in 1...1000, got \($0)" }),
        .option(\.knnTemperature, key: "knnTemperature", flag: "knn-t", label: "kNN temperature", .knn, .number,
                help: "Vote temperature.",
                range: { $0 > 0 && $0.isFinite ? nil : "--knn-t must be > 0, got \($0)" }),
        .option(\.knnMetric, key: "knnMetric", flag: "knn-metric", label: "kNN metric", .knn, .choice(metrics),
                help: "\(metrics.joined(separator: " or ")).",
                range: { metrics.contains($0) ? nil : "--knn-metric must be \(metrics.joined(separator: " or ")), got '\($0)'" }),
        .option(\.knnEvaluate, key: "knnEvaluate", flag: "knn-eval", label: "kNN + blend evaluation", .knn, .flag,
                help: "The kNN and blended evaluation at the end (--no-knn-eval skips it)."),
    ]

    /// The option set by `--flag` (given with or without the dashes), nil for an unknown one.
    public static func option(flag: String) -> TrainingOption? {
        let name = flag.hasPrefix("--") ? String(flag.dropFirst(2)) : flag
        return options.first { $0.flag == name }
    }

    /// The option stored under `key` in config.json ("learningRate"), nil for an unknown one.
    public static func option(key: String) -> TrainingOption? {
        options.first { $0.key == key }
    }

    /// Sets the option `--flag` from text as a user would type it (`set(flag: "lr",
    /// valueText: "0.05")`), with the parser the command line and the launch form use, and
    /// checks the value's range. Throws `TrainingOptionError` naming the option; the
    /// combination with other settings is left to `problems()`, so options can be set in
    /// any order. A flag option also takes its `--no-` form with an empty text.
    public mutating func set(flag: String, valueText: String) throws {
        let name = flag.hasPrefix("--") ? String(flag.dropFirst(2)) : flag
        if name.hasPrefix("no-"), let option = Self.option(flag: String(name.dropFirst(3))), option.kind == .flag,
           valueText.trimmingCharacters(in: .whitespaces).isEmpty {
            try option.parse("no", into: &self)
            return
        }
        guard let option = Self.option(flag: name) else {
            throw TrainingOptionError("unknown training option --\(name)")
        }
        var changed = self
        try option.parse(valueText, into: &changed)
        if let problem = option.rangeProblem(in: changed) { throw TrainingOptionError(problem) }
        self = changed
    }

    /// A setting as the user types it: ("--similarity-penalty", "0.005"); a flag option
    /// becomes ("--no-augment", "") when off and ("--augment", "") when on. `key` is a
    /// config.json key (settings or the top level: "name" is `--name`); unknown keys and
    /// values are returned unchanged.
    public static func typedSetting(key: String, value: String) -> (name: String, value: String) {
        if key == "name" { return ("--name", value) }
        guard let option = option(key: key) else { return (key, value) }
        if option.kind == .flag, let on = try? Bool.parse(value, flag: option.flag) {
            return (on ? option.typedFlag : "--no-" + option.flag, "")
        }
        return (option.typedFlag, value)
    }

    /// `typedSetting(key:value:)` over a list of settings (a run's config.json, flattened).
    public static func typedSettings(_ settings: [(key: String, value: String)]) -> [(key: String, value: String)] {
        settings.map { typedSetting(key: $0.key, value: $0.value) }.map { (key: $0.name, value: $0.value) }
    }
}
