import Foundation
import RunStore

/// One field of the launch form: a training option as text, with its parse rule.
public struct LaunchField: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case text
        case integer
        case number
        /// Empty means "not set".
        case optionalNumber
        case integerList
        case choice([String])
        case flag
    }

    /// The option's command-line name without dashes ("lr", "knn-alpha"); "name" for the run name.
    public var flag: String
    /// The TrainingConfiguration property it sets (used to clone a run's settings).
    public var property: String
    public var label: String
    public var kind: Kind
    public var section: String
    public var text: String
    /// Why the value is not accepted (parse error or a configuration problem), nil when fine.
    public var error: String?

    public init(flag: String, property: String, label: String, kind: Kind, section: String, text: String) {
        self.flag = flag
        self.property = property
        self.label = label
        self.kind = kind
        self.section = section
        self.text = text
    }
}

extension LaunchField {
    /// Every field, defaults filled in from `TrainingConfiguration()`.
    static func defaults() -> [LaunchField] {
        let d = TrainingConfiguration()
        func f(_ flag: String, _ property: String, _ label: String, _ kind: Kind, _ section: String, _ text: String) -> LaunchField {
            LaunchField(flag: flag, property: property, label: label, kind: kind, section: section, text: text)
        }
        return [
            f("name", "name", "Run name", .text, "Run", ""),
            f("model", "model", "Model", .choice(TrainingConfiguration.models), "Model", d.model),
            f("variant", "variant", "Similarity variant", .choice(TrainingConfiguration.variants), "Model", d.variant),
            f("stem-width", "stemWidth", "Stem width", .integer, "Model", String(d.stemWidth)),
            f("widths", "widths", "Stage widths", .integerList, "Model", d.widths.map(String.init).joined(separator: ",")),
            f("blocks", "blocksPerStage", "Layers per stage", .integer, "Model", String(d.blocksPerStage)),
            f("kernel", "kernelSize", "Kernel size", .choice(["3", "5"]), "Model", String(d.kernelSize)),
            f("meta-hidden", "metaHidden", "Meta-network width", .integer, "Model", String(d.metaHidden)),
            f("similarity-penalty", "similarityPenalty", "L2 penalty on M", .number, "Model", format(d.similarityPenalty)),
            f("epochs", "epochs", "Epochs", .integer, "Optimisation", String(d.epochs)),
            f("batch-size", "batchSize", "Batch size", .integer, "Optimisation", String(d.batchSize)),
            f("optimizer", "optimizer", "Optimizer", .choice(TrainingConfiguration.optimizers), "Optimisation", d.optimizer),
            f("lr", "learningRate", "Learning rate", .number, "Optimisation", format(d.learningRate)),
            f("momentum", "momentum", "Momentum", .number, "Optimisation", format(d.momentum)),
            f("weight-decay", "weightDecay", "Weight decay", .number, "Optimisation", format(d.weightDecay)),
            f("schedule", "schedule", "LR schedule", .text, "Optimisation", d.schedule),
            f("warmup", "warmupEpochs", "Warm-up epochs", .number, "Optimisation", format(d.warmupEpochs)),
            f("label-smoothing", "labelSmoothing", "Label smoothing", .number, "Optimisation", format(d.labelSmoothing)),
            f("data", "dataDirectory", "Data directory", .text, "Data", d.dataDirectory ?? ""),
            f("validation", "validationSize", "Validation images", .integer, "Data", String(d.validationSize)),
            f("train-fraction", "trainFraction", "Train fraction", .number, "Data", format(d.trainFraction)),
            f("augment", "augment", "Augmentation", .flag, "Data", d.augment ? "yes" : "no"),
            f("seed", "seed", "Seed", .integer, "Data", String(d.seed)),
            f("threads", "threads", "Threads", .integer, "Data", String(d.threads)),
            f("log-every", "logEverySteps", "Log every N steps", .integer, "Data", String(d.logEverySteps)),
            f("knn-alpha", "knnAlpha", "kNN loss α", .number, "kNN", format(d.knnAlpha)),
            f("knn-focal", "knnFocalGamma", "kNN focal γ", .optionalNumber, "kNN", d.knnFocalGamma.map(format) ?? ""),
            f("knn-features", "knnFeatures", "kNN features", .text, "kNN", d.knnFeatures),
            f("knn-k", "knnK", "kNN k", .integer, "kNN", String(d.knnK)),
            f("knn-t", "knnTemperature", "kNN temperature", .number, "kNN", format(d.knnTemperature)),
            f("knn-metric", "knnMetric", "kNN metric", .choice(TrainingConfiguration.metrics), "kNN", d.knnMetric),
            f("knn-eval", "knnEvaluate", "kNN + blend evaluation", .flag, "kNN", d.knnEvaluate ? "yes" : "no"),
        ]
    }

    /// A number as a user would type it ("0.1", "0.0005", "15").
    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// Parses `text` into `configuration`; returns an error message when the text is not a
    /// value of the field's kind.
    func apply(to configuration: inout TrainingConfiguration) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        func int() -> Int? { Int(t) }
        func double() -> Double? { Double(t).flatMap { $0.isFinite ? $0 : nil } }
        let notInteger = "--\(flag) needs a whole number, got '\(t)'"
        let notNumber = "--\(flag) needs a number, got '\(t)'"
        switch flag {
        case "name": return nil
        case "model": configuration.model = t
        case "variant": configuration.variant = t
        case "stem-width": guard let v = int() else { return notInteger }; configuration.stemWidth = v
        case "widths":
            let parts = t.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                return "--widths needs comma-separated whole numbers like 16,32,64, got '\(t)'"
            }
            configuration.widths = parts.compactMap { $0 }
        case "blocks": guard let v = int() else { return notInteger }; configuration.blocksPerStage = v
        case "kernel": guard let v = int() else { return notInteger }; configuration.kernelSize = v
        case "meta-hidden": guard let v = int() else { return notInteger }; configuration.metaHidden = v
        case "similarity-penalty": guard let v = double() else { return notNumber }; configuration.similarityPenalty = v
        case "epochs": guard let v = int() else { return notInteger }; configuration.epochs = v
        case "batch-size": guard let v = int() else { return notInteger }; configuration.batchSize = v
        case "optimizer": configuration.optimizer = t
        case "lr": guard let v = double() else { return notNumber }; configuration.learningRate = v
        case "momentum": guard let v = double() else { return notNumber }; configuration.momentum = v
        case "weight-decay": guard let v = double() else { return notNumber }; configuration.weightDecay = v
        case "schedule":
            guard t == "constant" || t == "cosine" || (t.hasPrefix("step:") && t.dropFirst(5).split(separator: ",").allSatisfy({ Double($0) != nil }) && t.count > 5) else {
                return "--schedule must be constant, cosine or step:F1,F2,…, got '\(t)'"
            }
            configuration.schedule = t
        case "warmup": guard let v = double() else { return notNumber }; configuration.warmupEpochs = v
        case "label-smoothing": guard let v = double() else { return notNumber }; configuration.labelSmoothing = v
        case "data": configuration.dataDirectory = t.isEmpty ? nil : t
        case "validation": guard let v = int() else { return notInteger }; configuration.validationSize = v
        case "train-fraction": guard let v = double() else { return notNumber }; configuration.trainFraction = v
        case "augment": configuration.augment = t == "yes"
        case "seed": guard let v = UInt64(t) else { return "--seed needs a whole number ≥ 0, got '\(t)'" }; configuration.seed = v
        case "threads": guard let v = int() else { return notInteger }; configuration.threads = v
        case "log-every": guard let v = int() else { return notInteger }; configuration.logEverySteps = v
        case "knn-alpha": guard let v = double() else { return notNumber }; configuration.knnAlpha = v
        case "knn-focal":
            if t.isEmpty { configuration.knnFocalGamma = nil } else {
                guard let v = double() else { return notNumber + " (or leave it empty)" }
                configuration.knnFocalGamma = v
            }
        case "knn-features": configuration.knnFeatures = t
        case "knn-k": guard let v = int() else { return notInteger }; configuration.knnK = v
        case "knn-t": guard let v = double() else { return notNumber }; configuration.knnTemperature = v
        case "knn-metric": configuration.knnMetric = t
        case "knn-eval": configuration.knnEvaluate = t == "yes"
        default: return "unknown option --\(flag)"
        }
        return nil
    }

    /// The choices of a choice or flag field.
    var choices: [String]? {
        switch kind {
        case .choice(let options): return options
        case .flag: return ["yes", "no"]
        default: return nil
        }
    }
}
