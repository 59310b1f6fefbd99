import Foundation
import XCTest
@testable import RunStore

/// A run written by simlab before the run files had one schema each (Fixtures/: a 2-epoch
/// nsn-lite:dynamic-diag run with kNN reweighting and the final evaluation, on a tiny
/// dataset) still opens, every file through its record type.
final class RunFormatCompatibilityTests: XCTestCase {
    private func fixtureRun() throws -> RunDirectory {
        let source = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("20261206-073904-5749")
        let root = try makeTemporaryDirectory(self)
        try FileManager.default.copyItem(at: source, to: root.appendingPathComponent(source.lastPathComponent))
        let run = try XCTUnwrap(RunCatalog(root: root).find("20261206-073904"))
        return run
    }

    func testEveryFileOfARunWrittenByThePreviousFormatOpens() throws {
        let run = try fixtureRun()
        let config = try run.readConfig()
        XCTAssertEqual(config.epochs, 2)
        XCTAssertEqual(config.variant, "dynamic-diag")
        XCTAssertEqual(try config.trainingConfiguration().kernelShape, "full", "written before --kernel-shape: full")
        XCTAssertEqual(try run.readStatus().state, .finished)

        let records = try MetricsTailReader(url: run.metricsURL).readNew().records
        XCTAssertEqual(records.filter(\.isFinalEvaluation).count, 1, "the older final evaluation line is recognised")
        XCTAssertEqual(records.filter { $0.isEpochSummary && $0.split == .test }.map(\.epoch), [1, 2],
                       "each epoch's test line counted once")
        let summary = MetricsSummary(records)
        XCTAssertEqual(summary.epochsCompleted, 2)
        XCTAssertEqual(try XCTUnwrap(summary.knnAccuracy), 8.0 / 12, accuracy: 1e-12)

        XCTAssertEqual(try run.readModelInfo(), ModelInfo(label: "nsn-lite/dynamic-diag", parameterCount: 3460, featureCount: 4))

        XCTAssertEqual(run.kernelSnapshotEpochs, [1, 2])
        let kernels = try XCTUnwrap(run.readKernelSnapshot(epoch: 2))
        XCTAssertEqual(kernels.epoch, 2)
        XCTAssertEqual(kernels.classNames.count, 10)
        XCTAssertEqual(kernels.layers.count, 3)
        XCTAssertEqual(kernels.layers.map(\.variant), ["dynamic-diag", "dynamic-diag", "dynamic-diag"])
        XCTAssertEqual(kernels.layers[0].effectiveKernels?.shape, [4, 4, 3, 3])
        XCTAssertEqual(kernels.layers[0].effectiveKernels?.isConsistent, true)
        XCTAssertEqual(kernels.layers.map { $0.shapeMap?.count }, [9, 9, 9])
        XCTAssertEqual(kernels.layers[1].perClassDiagonal?.count, 10)
        XCTAssertEqual(kernels.layers.map(\.tapMask), [nil, nil, nil], "schema 1: no Boolean shape")

        XCTAssertEqual(run.knnStatisticsEpochs, [1, 2])
        let knn = try XCTUnwrap(run.readKNNStatistics(epoch: 2))
        XCTAssertEqual(knn.epoch, 2)
        XCTAssertEqual(knn.exampleCount, 160)
        XCTAssertEqual(knn.classCount, 10)
        XCTAssertEqual(knn.histogram.reduce(0, +), 160)
        XCTAssertEqual(knn.alpha, 0.01)
        XCTAssertEqual(knn.accuracyByLambda.count, 11)
        // The agreement as the file holds it, read without the record type.
        let rawKNN = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.knnSnapshotURL(epoch: 2))) as? [String: Any])
        let network = try XCTUnwrap((rawKNN["statistics"] as? [String: Any])?["network"] as? [String: Any])
        XCTAssertEqual(knn.agreement, try XCTUnwrap(network["agreement"] as? Double))

        let evaluation = try XCTUnwrap(run.readEvaluation())
        XCTAssertEqual(evaluation.k, 20)
        XCTAssertEqual(try XCTUnwrap(evaluation.lambda), 0.3, accuracy: 1e-6)
        XCTAssertEqual(evaluation.testCount, 12)
        XCTAssertEqual(evaluation.validationCurve.count, 11)
        XCTAssertEqual(try XCTUnwrap(evaluation.blendedAccuracy), 7.0 / 12, accuracy: 1e-12)

        let (browser, missing) = try XCTUnwrap(run.readNeighbours())
        XCTAssertEqual(missing, 0, "every image is in neighbours-images.bin")
        XCTAssertEqual(browser.results.queries.count, 12, "every test image is a query here (11 misclassified + 1)")
        XCTAssertEqual(browser.queryImages.filter { $0.count == 784 }.count, 12)
        XCTAssertEqual(browser.trainImages.count, browser.results.trainImageOrder.count)

        let checkpoint = try CheckpointFile.read(from: run.checkpointURL(epoch: 2))
        XCTAssertFalse(checkpoint.arrays.isEmpty)
    }

    /// Read in the old form, written in the new, read again: nothing lost.
    func testRecordsReadFromTheOldFormatSurviveARewrite() throws {
        let run = try fixtureRun()
        let kernels = try XCTUnwrap(run.readKernelSnapshot(epoch: 2))
        let knn = try XCTUnwrap(run.readKNNStatistics(epoch: 2))
        let evaluation = try XCTUnwrap(run.readEvaluation())
        let (browser, _) = try XCTUnwrap(run.readNeighbours())
        let images = try [UInt8](Data(contentsOf: run.neighbourImagesURL))
        try run.writeKernelSnapshot(kernels)
        try run.writeKNNStatistics(knn)
        try run.writeEvaluation(evaluation)
        try run.writeNeighbours(browser.results, images: images)
        XCTAssertEqual(try run.readKernelSnapshot(epoch: 2), kernels)
        XCTAssertEqual(try run.readKNNStatistics(epoch: 2), knn)
        XCTAssertEqual(try run.readEvaluation(), evaluation)
        XCTAssertEqual(try run.readNeighbours()?.data, browser)
    }
}
