import Foundation
import RunStore
@testable import Training
import XCTest

final class TrainingConfigurationProblemsTests: XCTestCase {
    func testDefaultsAreValid() {
        XCTAssertEqual(TrainingConfiguration().problems(), [])
    }

    func testEachBadValueIsReportedNamingItsOption() {
        let cases: [(String, (inout TrainingConfiguration) -> Void)] = [
            ("--model", { $0.model = "resnet" }),
            ("--model", { $0.model = "resnet"; $0.variant = "static-diag" }),   // not also a variant complaint
            ("--variant", { $0.variant = "diagonal" }),
            ("--variant static-diag needs --model nsn-lite", { $0.model = "small-cnn"; $0.variant = "static-diag" }),
            ("--stem-width", { $0.stemWidth = 0 }),
            ("--widths needs 1 to 4 stages", { $0.widths = [] }),
            ("--widths must be in", { $0.widths = [16, -1] }),
            ("--blocks", { $0.blocksPerStage = 0 }),
            ("--kernel", { $0.kernelSize = 4 }),
            ("--meta-hidden", { $0.metaHidden = 0 }),
            ("--kernel-shape must be full, cross or learned:N", { $0.kernelShape = "star" }),
            ("--kernel-shape learned:10 asks for 10 active taps", { $0.kernelShape = "learned:10" }),
            ("--similarity-penalty", { $0.similarityPenalty = -1 }),
            ("--epochs", { $0.epochs = 0 }),
            ("--epochs", { $0.epochs = 10_001 }),
            ("--epochs", { $0.epochs = -1 }),   // not also a warm-up complaint
            ("--batch-size", { $0.batchSize = 0 }),
            ("--optimizer", { $0.optimizer = "lbfgs" }),
            ("--lr", { $0.learningRate = 0 }),
            ("--lr", { $0.learningRate = .nan }),
            ("--momentum", { $0.momentum = 1 }),
            ("--weight-decay", { $0.weightDecay = -0.1 }),
            ("--warmup", { $0.warmupEpochs = 20 }),
            ("--label-smoothing", { $0.labelSmoothing = 1 }),
            ("--validation", { $0.validationSize = -1 }),
            ("--train-fraction", { $0.trainFraction = 0 }),
            ("--train-fraction", { $0.trainFraction = 1.5 }),
            ("--threads", { $0.threads = 0 }),
            ("--log-every", { $0.logEverySteps = 0 }),
            ("--knn-alpha must be", { $0.knnAlpha = -1 }),
            ("--knn-focal must be", { $0.knnFocalGamma = -2 }),
            ("--knn-alpha and --knn-focal", { $0.knnAlpha = 0.1; $0.knnFocalGamma = 2 }),
            ("--knn-features", { $0.knnFeatures = "frozen:" }),
            ("--knn-features", { $0.knnFeatures = "texture" }),
            ("--knn-k", { $0.knnK = 0 }),
            ("--knn-t", { $0.knnTemperature = 0 }),
            ("--knn-metric", { $0.knnMetric = "manhattan" }),
        ]
        for (option, change) in cases {
            var configuration = TrainingConfiguration()
            change(&configuration)
            let problems = configuration.problems()
            XCTAssertEqual(problems.count, 1, "\(option): exactly one problem, got \(problems)")
            XCTAssertTrue(problems.first?.hasPrefix(option) ?? false, "\(option): the problem names the option: \(problems)")
        }
    }

    func testEveryProblemIsListedAtOnce() {
        var configuration = TrainingConfiguration()
        configuration.epochs = 0
        configuration.batchSize = 0
        configuration.threads = 0
        XCTAssertEqual(configuration.problems().count, 3, "\(configuration.problems())")
    }

    func testValidEdgeValuesPass() {
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        configuration.batchSize = 1
        configuration.kernelSize = 5
        configuration.validationSize = 0
        configuration.trainFraction = 0.01
        configuration.knnFeatures = "frozen:20261122-120000-abcd"
        configuration.knnFocalGamma = 2
        configuration.warmupEpochs = 1
        XCTAssertEqual(configuration.problems(), [])
    }
}

final class MetricsRewriterTests: XCTestCase {
    private func temporaryFile() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rewrite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory.appendingPathComponent("metrics.jsonl")
    }

    private func line(epoch: Int, step: Int, split: String, interval: String) -> String {
        "{\"time\":\"2026-11-22T12:00:00.250Z\",\"epoch\":\(epoch),\"step\":\(step),\"split\":\"\(split)\",\"loss\":0.5,\"interval\":\"\(interval)\"}\n"
    }

    private func progress(completedEpochs: Int, globalStep: Int) -> TrainingProgress {
        var progress = TrainingProgress()
        progress.completedEpochs = completedEpochs
        progress.globalStep = globalStep
        return progress
    }

    /// The rewrite with the very predicate a resume uses, not a copy of it.
    private func keepWhatResumeKeeps(in url: URL, at progress: TrainingProgress) throws {
        try MetricsRewriter.keepRecords(in: url) { TrainingSession.resumeKeeps($0, at: progress) }
    }

    func testKeepsAcceptedRecordsDropsTheRestAndCorruptLines() throws {
        let url = try temporaryFile()
        // Epoch 1 complete (steps 1...8), epoch 2 interrupted at step 13; a corrupt line and
        // a half-written last line from the crash.
        var text = ""
        for step in [2, 4, 6] { text += line(epoch: 1, step: step, split: "train", interval: "steps") }
        for split in ["train", "val", "test"] { text += line(epoch: 1, step: 8, split: split, interval: "epoch") }
        text += "not json at all\n"
        for step in [10, 12] { text += line(epoch: 2, step: step, split: "train", interval: "steps") }
        text += "{\"time\":\"2026-11-22T12:00:01.000Z\",\"epoch\":2,\"st"
        try text.write(to: url, atomically: true, encoding: .utf8)

        // Resume from the epoch-1 checkpoint: global step 8, one epoch completed.
        try keepWhatResumeKeeps(in: url, at: progress(completedEpochs: 1, globalStep: 8))
        let kept = try String(contentsOf: url, encoding: .utf8)
        let expected = [2, 4, 6].map { line(epoch: 1, step: $0, split: "train", interval: "steps") }.joined()
            + ["train", "val", "test"].map { line(epoch: 1, step: 8, split: $0, interval: "epoch") }.joined()
        XCTAssertEqual(kept, expected, "epoch 1 kept byte for byte; epoch 2, the corrupt and the half line gone")
    }

    func testResumeAtAStepKeepsTheStepLinesOfThePartialEpoch() throws {
        let url = try temporaryFile()
        var text = ""
        for step in [2, 4, 6] { text += line(epoch: 1, step: step, split: "train", interval: "steps") }
        for split in ["train", "val", "test"] { text += line(epoch: 1, step: 8, split: split, interval: "epoch") }
        for step in [10, 12, 14] { text += line(epoch: 2, step: step, split: "train", interval: "steps") }
        try text.write(to: url, atomically: true, encoding: .utf8)
        // A stop checkpoint at global step 12 in epoch 2 (one completed epoch).
        try keepWhatResumeKeeps(in: url, at: progress(completedEpochs: 1, globalStep: 12))
        let steps = try MetricsTailReader(url: url).readNew().records.map(\.step)
        XCTAssertEqual(steps, [2, 4, 6, 8, 8, 8, 10, 12])
    }

    func testMissingFileStaysMissing() throws {
        let url = try temporaryFile()
        XCTAssertNoThrow(try MetricsRewriter.keepRecords(in: url) { _ in true })
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
