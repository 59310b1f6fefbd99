import Foundation
import RunStore
import XCTest

final class TrainingOptionTableTests: XCTestCase {
    /// A valid value different from the default for every option, as typed. A new option
    /// needs one here, so the tests below cover it.
    static let samples: [String: String] = [
        "model": "small-cnn", "variant": "dynamic-diag", "stem-width": "8", "widths": "8,16", "blocks": "3",
        "kernel": "5", "meta-hidden": "4", "kernel-shape": "learned:5", "similarity-penalty": "0.001", "epochs": "7", "batch-size": "64",
        "optimizer": "adamw", "lr": "0.05", "momentum": "0.8", "weight-decay": "0.0001",
        "schedule": "cosine;min=0.001", "warmup": "0.5", "label-smoothing": "0.1", "data": "/data/fm",
        "validation": "1000", "train-fraction": "0.1", "classes": "0,1,2,3,4,5", "augment": "no", "flip": "no", "label": "coarse", "seed": "42", "threads": "4",
        "log-every": "10", "knn-alpha": "0.5", "knn-focal": "2", "knn-features": "frozen:20261122-120000-abcd",
        "knn-k": "5", "knn-t": "0.1", "knn-metric": "euclidean", "knn-eval": "no",
    ]

    /// An out-of-range value for every option that has a range.
    static let outOfRange: [String: String] = [
        "model": "resnet", "variant": "sideways", "stem-width": "0", "widths": "8,0", "blocks": "9", "kernel": "4",
        "meta-hidden": "0", "kernel-shape": "learned:0", "similarity-penalty": "-1", "epochs": "0", "batch-size": "5000", "optimizer": "lbfgs",
        "lr": "nan", "momentum": "1", "weight-decay": "-0.1", "schedule": "step:0.9,0.5", "warmup": "-1",
        "label-smoothing": "1", "label": "medium", "validation": "-1", "train-fraction": "0", "classes": "3,3", "threads": "0", "log-every": "0",
        "knn-alpha": "-1", "knn-focal": "-2", "knn-features": "texture", "knn-k": "0", "knn-t": "0",
        "knn-metric": "manhattan",
    ]

    func testEveryPropertyIsOneOptionInDeclarationOrder() {
        // Every property but `study`, the run's study membership: config.json's own member, not a setting.
        let properties = Mirror(reflecting: TrainingConfiguration()).children.compactMap(\.label).filter { $0 != "study" }
        XCTAssertEqual(TrainingConfiguration.options.map(\.key), properties)
        XCTAssertEqual(Set(TrainingConfiguration.options.map(\.flag)).count, properties.count, "flags are unique")
        XCTAssertEqual(Set(Self.samples.keys), Set(TrainingConfiguration.options.map(\.flag)), "a sample per option")
    }

    func testEveryOptionRoundTripsThroughConfigJSON() throws {
        for option in TrainingConfiguration.options {
            var configuration = TrainingConfiguration()
            let sample = try XCTUnwrap(Self.samples[option.flag], option.flag)
            try configuration.set(flag: option.flag, valueText: sample)
            XCTAssertNotEqual(configuration, TrainingConfiguration(), "--\(option.flag) \(sample) changes the configuration")
            let config = configuration.runConfig(name: nil, dataDirectory: "/data", codeVersion: "test",
                                                 createdAt: Date(timeIntervalSince1970: 1_700_000_000))
            let text = JSONWriter.string(config.json)
            let object = try XCTUnwrap(try JSONValue.parse(text).objectValue, option.flag)
            let read = try RunConfig(json: object, path: "config.json").trainingConfiguration()
            XCTAssertEqual(read, configuration, "--\(option.flag) \(sample) through config.json")
            XCTAssertEqual(option.text(in: read), sample, "--\(option.flag) reads back as typed")
        }
    }

    /// The settings object of today's config.json, written before the option table existed:
    /// the table writes the same keys in the same order (the options added since,
    /// `kernelShape`, `label`, `classes` (null for every class) and `flip`, in their places)
    /// and reads it back to the defaults. The stem and stage widths default to the model's
    /// (nil); a run's config.json records them resolved, as numbers, like this one.
    func testTodaysSettingsFormatIsWrittenAndReadUnchanged() throws {
        let today = """
        {"model":"nsn-lite","variant":"conv","stemWidth":16,"widths":[16,32,64],"blocksPerStage":2,"kernelSize":3,\
        "metaHidden":8,"kernelShape":"full","similarityPenalty":0.005,"epochs":15,"batchSize":128,"optimizer":"sgd","learningRate":0.1,\
        "momentum":0.9,"weightDecay":0.0005,"schedule":"step:0.5,0.75,0.9","warmupEpochs":0,"labelSmoothing":0.01,\
        "dataDirectory":null,"label":"fine","validationSize":5000,"trainFraction":1,"classes":null,"augment":true,"flip":true,"seed":0,"threads":2,\
        "logEverySteps":50,"knnAlpha":0,"knnFocalGamma":null,"knnFeatures":"pixels","knnK":20,"knnTemperature":0.07,\
        "knnMetric":"cosine","knnEvaluate":true}
        """
        let object = try XCTUnwrap(try JSONValue.parse(today).objectValue)
        var defaults = TrainingConfiguration()
        XCTAssertEqual(defaults.resolvedStemWidth, 16)
        XCTAssertEqual(defaults.resolvedWidths, [16, 32, 64])
        defaults.stemWidth = defaults.resolvedStemWidth
        defaults.widths = defaults.resolvedWidths
        XCTAssertEqual(defaults.settingsObject.keys, object.keys)
        XCTAssertEqual(JSONWriter.string(.object(defaults.settingsObject)), JSONWriter.string(.object(object)))
        XCTAssertEqual(try TrainingConfiguration(settings: object), defaults)
        // An older run: fewer keys (defaults kept), an unknown key (ignored).
        let old = try XCTUnwrap(try JSONValue.parse(#"{"epochs":3,"lr_old":1,"knnFocalGamma":2}"#).objectValue)
        var expected = TrainingConfiguration()
        expected.epochs = 3
        expected.knnFocalGamma = 2
        XCTAssertEqual(try TrainingConfiguration(settings: old), expected)
        XCTAssertEqual(try TrainingConfiguration(settings: old).kernelShape, "full", "a config.json without kernelShape means full")
        let wrong = try XCTUnwrap(try JSONValue.parse(#"{"epochs":"many"}"#).objectValue)
        XCTAssertThrowsError(try TrainingConfiguration(settings: wrong)) { error in
            XCTAssertTrue("\(error)".contains("settings.epochs"), "\(error)")
        }
    }

    func testSetByFlagUsesTheParserAndTheRangeCheck() throws {
        for option in TrainingConfiguration.options {
            var configuration = TrainingConfiguration()
            try configuration.set(flag: "--" + option.flag, valueText: Self.samples[option.flag]!)
            XCTAssertEqual(option.text(in: configuration), Self.samples[option.flag], "--\(option.flag)")
            if let bad = Self.outOfRange[option.flag] {
                var unchanged = TrainingConfiguration()
                XCTAssertThrowsError(try unchanged.set(flag: option.flag, valueText: bad), "--\(option.flag) \(bad)") { error in
                    XCTAssertTrue("\(error)".hasPrefix("--\(option.flag)"), "the message names the option: \(error)")
                }
                XCTAssertEqual(unchanged, TrainingConfiguration(), "a refused value leaves the configuration as it was")
            }
        }
        var configuration = TrainingConfiguration()
        XCTAssertThrowsError(try configuration.set(flag: "epochs", valueText: "many")) { error in
            XCTAssertEqual("\(error)", "--epochs needs a whole number, got 'many'")
        }
        XCTAssertThrowsError(try configuration.set(flag: "epoch", valueText: "3")) { error in
            XCTAssertEqual("\(error)", "unknown training option --epoch")
        }
        try configuration.set(flag: "no-augment", valueText: "")
        XCTAssertFalse(configuration.augment)
        try configuration.set(flag: "model", valueText: "nsn-lite:static-diag")
        XCTAssertEqual(configuration.variant, "static-diag", "model:VARIANT sets both, as on the command line")
        // Combinations are left to problems(): options can be set in any order.
        try configuration.set(flag: "warmup", valueText: "20")
        XCTAssertEqual(configuration.problems(), ["--warmup must be in 0...epochs, got 20.0"])
        try configuration.set(flag: "epochs", valueText: "20")
        XCTAssertEqual(configuration.problems(), [])
    }

    func testTheThreeScheduleFormsParseAndACosineFloorAboveTheRateIsAProblem() throws {
        var configuration = TrainingConfiguration()
        for text in ["cosine;min=0.001", "step", "step;factor=0.2", "step:0.5,0.75;factor=0.5"] {
            try configuration.set(flag: "schedule", valueText: text)
            XCTAssertEqual(configuration.problems(), [], text)
        }
        try configuration.set(flag: "schedule", valueText: "cosine;min=0.5")
        XCTAssertEqual(configuration.problems().count, 1)
        XCTAssertTrue(configuration.problems()[0].hasPrefix("--schedule 'cosine;min=0.5': "), configuration.problems()[0])
    }

    func testSettingsAreNamedAsTyped() {
        XCTAssertEqual(TrainingConfiguration.typedSetting(key: "similarityPenalty", value: "0.005").name, "--similarity-penalty")
        XCTAssertEqual(TrainingConfiguration.typedSetting(key: "learningRate", value: "0.1").name, "--lr")
        XCTAssertEqual(TrainingConfiguration.typedSetting(key: "dataDirectory", value: "/d").name, "--data")
        XCTAssertTrue(TrainingConfiguration.typedSetting(key: "augment", value: "false") == ("--no-augment", ""))
        XCTAssertTrue(TrainingConfiguration.typedSetting(key: "knnEvaluate", value: "true") == ("--knn-eval", ""))
        XCTAssertTrue(TrainingConfiguration.typedSetting(key: "name", value: "quick") == ("--name", "quick"))
        XCTAssertTrue(TrainingConfiguration.typedSetting(key: "createdBy", value: "x") == ("createdBy", "x"),
                      "a key no option knows stays as it is")
    }

    func testVariantsAreDeclaredOnceWithTheirShape() {
        XCTAssertEqual(TrainingConfiguration.variants, SimilarityVariantSpec.all.map(\.name))
        let choices = TrainingConfiguration.option(flag: "variant")?.kind
        XCTAssertEqual(choices, .choice(SimilarityVariantSpec.names))
        XCTAssertEqual(SimilarityVariantSpec.named("dynamic-full")?.mixing, .full)
        XCTAssertEqual(SimilarityVariantSpec.named("dynamic-full")?.isDynamic, true)
        XCTAssertEqual(SimilarityVariantSpec.named("static-diag")?.isDiagonal, true)
        XCTAssertEqual(SimilarityVariantSpec.named("conv")?.mixing, .identity)
        XCTAssertNil(SimilarityVariantSpec.named("sideways"))
    }

    func testKernelShapeValuesAndTheirErrors() throws {
        var configuration = TrainingConfiguration()
        for text in ["full", "cross", "learned:1", "learned:9"] {
            try configuration.set(flag: "kernel-shape", valueText: text)
            XCTAssertEqual(configuration.problems(), [], text)
        }
        for (text, message) in [
            ("learned:0", "--kernel-shape learned:N needs at least 1 active tap, got 0"),
            ("learned:x", "--kernel-shape learned:N needs a whole number of active taps N, got 'x'"),
            ("learned:", "--kernel-shape learned:N needs a whole number of active taps N, got ''"),
            ("star", "--kernel-shape must be full, cross or learned:N (N active taps per layer), got 'star'"),
            ("Cross", "--kernel-shape must be full, cross or learned:N (N active taps per layer), got 'Cross'"),
        ] {
            var unchanged = TrainingConfiguration()
            XCTAssertThrowsError(try unchanged.set(flag: "kernel-shape", valueText: text), text) { error in
                XCTAssertEqual("\(error)", message)
            }
        }
        // N ≤ k² depends on --kernel: a combination problem, whatever the order they are set in.
        try configuration.set(flag: "kernel-shape", valueText: "learned:10")
        XCTAssertEqual(configuration.problems(),
                       ["--kernel-shape learned:10 asks for 10 active taps, but a 3×3 kernel (--kernel 3) has 9"])
        try configuration.set(flag: "kernel", valueText: "5")
        XCTAssertEqual(configuration.problems(), [])
        XCTAssertEqual(try KernelShapeSetting(parsing: "learned:25").problem(kernelSize: 5), nil)
        XCTAssertEqual(try KernelShapeSetting(parsing: "cross"), .cross)
        XCTAssertEqual(try KernelShapeSetting(parsing: "learned:7").description, "learned:7")
        XCTAssertTrue(TrainingConfiguration.nsnLiteShapeFlags.contains("--kernel-shape"), "small-cnn refuses it")
    }

    func testClassSubsetsAreSortedAndBadListsRefusedWithTheirReason() throws {
        var configuration = TrainingConfiguration()
        XCTAssertNil(configuration.classes, "every class by default")
        XCTAssertEqual(configuration.trainedClasses(of: 10), Array(0...9))
        try configuration.set(flag: "classes", valueText: "5, 0,3,1")
        XCTAssertEqual(configuration.classes, [0, 1, 3, 5], "kept ascending: training label i is class classes[i]")
        XCTAssertEqual(configuration.settingsObject["classes"], [0, 1, 3, 5], "config.json records the subset")
        try configuration.set(flag: "classes", valueText: "")
        XCTAssertNil(configuration.classes, "empty (the Launch form's blank field) is every class")
        let refused = [
            "1,2,2": "--classes lists class 2 twice",
            "-1,3": "--classes must name class numbers 0, 1, 2, …, got -1",
            "4": "--classes needs at least 2 classes to train a classifier, got 1",
            "0,a": "--classes must be comma-separated class numbers like 0,1,2,3,4,5, got '0,a'",
        ]
        for (text, message) in refused {
            var unchanged = TrainingConfiguration()
            XCTAssertThrowsError(try unchanged.set(flag: "classes", valueText: text), text) { error in
                XCTAssertEqual("\(error)", message)
            }
        }
    }
}
