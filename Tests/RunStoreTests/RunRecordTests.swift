import Foundation
import XCTest
@testable import RunStore

/// Every run-file record type: written through RunDirectory, read back equal; a newer
/// schema is refused; hand-edited sizes and counts never reach arithmetic.
final class RunRecordTests: XCTestCase {
    private func makeRun() throws -> RunDirectory { RunDirectory(url: try makeTemporaryDirectory(self)) }

    static let kernelSnapshot = KernelSnapshot(epoch: 3, classNames: ["T-shirt", "Trouser"], layers: [
        .init(name: "stage1.block0", variant: "dynamic-full", kernelSize: 3,
              diagonal: (0..<9).map { 1 + Double($0) / 8 }, matrix: (0..<81).map { Double($0) / 81 },
              diagonalSpread: (0..<9).map { Double($0) / 100 }, perClassDiagonal: [[Double](repeating: 0.5, count: 9), [Double](repeating: 2, count: 9)],
              effectiveKernels: .init(shape: [2, 1, 3, 3], values: (0..<18).map { Double($0) - 9 })),
        .init(name: "stage2.block0", variant: "static-diag", kernelSize: 3, diagonal: [1, .nan, 1, 1, .infinity, 1, 1, 1, -.infinity]),
        .init(name: "stage3.block0", variant: "dynamic-diag", kernelSize: 3, diagonal: [0, 1, 0, 1, 1, 1, 0, 1, 0],
              kernelShape: "learned:5", tapMask: [0, 1, 0, 1, 1, 1, 0, 1, 0], tapFlips: [3, 0, 1, 0, 0, 0, 2, 0, 0]),
    ])

    func testKernelSnapshotRoundTrips() throws {
        let run = try makeRun()
        try run.writeKernelSnapshot(Self.kernelSnapshot)
        XCTAssertEqual(run.kernelSnapshotEpochs, [3])
        let read = try XCTUnwrap(run.readKernelSnapshot(epoch: 3))
        XCTAssertEqual(read.layers[0], Self.kernelSnapshot.layers[0])
        XCTAssertEqual(read.layers[2], Self.kernelSnapshot.layers[2])
        XCTAssertEqual(read.layers[2].activeTaps, [false, true, false, true, true, true, false, true, false])
        XCTAssertNil(read.layers[0].activeTaps, "an unshaped layer has no Boolean shape")
        // NaN ≠ NaN, so the layer with non-finite entries is compared by description.
        XCTAssertEqual(read.layers[1].diagonal?.map { "\($0)" }, Self.kernelSnapshot.layers[1].diagonal?.map { "\($0)" })
        XCTAssertEqual(read.classNames, Self.kernelSnapshot.classNames)
        XCTAssertEqual(read.layers[0].effectiveKernels?.isConsistent, true)
        let text = String(decoding: try Data(contentsOf: run.kernelSnapshotURL(epoch: 3)), as: UTF8.self)
        XCTAssertTrue(text.contains("\"schemaVersion\":2"), text)
        XCTAssertTrue(text.contains("\"NaN\""), "non-finite numbers are written as strings: \(text)")
    }

    func testKNNStatisticsRoundTripInTheNestedForm() throws {
        var statistics = KNNEpochStatistics(epoch: 4, exampleCount: 100, classCount: 2, histogram: [5, 10, 85],
                                            errorRateByClass: [0.25, 0.5], classCounts: [40, 60],
                                            accuracyByLambda: [.init(lambda: 0, accuracy: 0.8), .init(lambda: 0.5, accuracy: 0.9)])
        statistics.featureSpace = "pixels"
        statistics.knnAccuracy = 0.75
        statistics.knnErrorRate = 0.25
        statistics.alpha = 0.01
        statistics.meanWeight = 1.5
        statistics.bothRight = 0.7
        statistics.blendLambda = 0.5
        statistics.blendedAccuracy = 0.875
        let run = try makeRun()
        try run.writeKNNStatistics(statistics)
        XCTAssertEqual(try run.readKNNStatistics(epoch: 4), statistics)
        let object = try run.readJSON(from: run.knnSnapshotURL(epoch: 4))
        guard case .object(let top) = object, case .object(let nested)? = top["statistics"] else {
            return XCTFail("statistics nested under \"statistics\": \(object)")
        }
        XCTAssertEqual(nested["trueClassProbabilityHistogram"], [5, 10, 85])
        XCTAssertEqual(top["blendCurve"], [["accuracy": 0.8, "lambda": 0], ["accuracy": 0.9, "lambda": 0.5]],
                       "the λ sweep beside the statistics (keys sorted, as written)")
        XCTAssertNil(nested["network"].flatMap { if case .object(let n) = $0 { return n["agreement"] }; return nil },
                     "absent figures are left out, not invented")
    }

    func testEvaluationRoundTrips() throws {
        let evaluation = NeighbourEvaluationSummary(
            lambda: 0.3, k: 20, temperature: 0.07, validationAccuracy: 0.91, validationCount: 5000,
            validationCurve: [.init(lambda: 0, accuracy: 0.9), .init(lambda: 1, accuracy: 0.85)],
            featureSpace: "model", networkAccuracy: 0.9, knnAccuracy: 0.88, blendedAccuracy: 0.91, testCount: 10000)
        let run = try makeRun()
        XCTAssertNil(try run.readEvaluation(), "no file, no evaluation")
        try run.writeEvaluation(evaluation)
        XCTAssertEqual(try run.readEvaluation(), evaluation)
    }

    func testNeighbourResultsRoundTripWithTheirImages() throws {
        let results = NeighbourResults(
            k: 2, classNames: ["a", "b"],
            queries: [.init(testIndex: 7, label: 1, networkPrediction: 0, knnPrediction: 1, blendedPrediction: 1,
                            misclassified: true, hard: true,
                            neighbours: [.init(trainIndex: 3, label: 1, similarity: 0.5), .init(trainIndex: 9, label: 0, similarity: 0.25)])],
            trainImageOrder: [3, 9], imageHeight: 2, imageWidth: 3)
        let images: [UInt8] = Array(0..<18)
        let run = try makeRun()
        try run.writeNeighbours(results, images: images)
        let (data, missing) = try XCTUnwrap(run.readNeighbours())
        XCTAssertEqual(data.results, results)
        XCTAssertEqual(missing, 0)
        XCTAssertEqual(data.queryImages, [[0, 1, 2, 3, 4, 5]])
        XCTAssertEqual(data.trainImages[9], [12, 13, 14, 15, 16, 17])
    }

    func testModelInfoRoundTripsAndReadsTheOlderDoubleForm() throws {
        let run = try makeRun()
        try run.writeModelInfo(ModelInfo(label: "nsn-lite:conv", parameterCount: 75002, featureCount: 64))
        XCTAssertEqual(try run.readModelInfo(), ModelInfo(label: "nsn-lite:conv", parameterCount: 75002, featureCount: 64))
        try Data(#"{"featureCount":64.0,"label":"small-cnn","parameterCount":75002.0}"#.utf8).write(to: run.modelInfoURL)
        XCTAssertEqual(try run.readModelInfo(), ModelInfo(label: "small-cnn", parameterCount: 75002, featureCount: 64))
    }

    func testANewerSchemaIsRefusedNamingTheFile() throws {
        let run = try makeRun()
        try Data(#"{"schemaVersion":2,"k":1,"queries":[]}"#.utf8).write(to: run.neighboursURL)
        XCTAssertThrowsError(try run.readNeighbours()) { error in
            guard case .malformed(let path, let reason)? = error as? RunStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, run.neighboursURL.path)
            XCTAssertTrue(reason.contains("schemaVersion 2"), reason)
        }
        try Data("{\"epoch\":".utf8).write(to: run.evaluationURL)
        XCTAssertThrowsError(try run.readEvaluation()) { error in
            XCTAssertTrue("\(error)".contains("not JSON"), "\(error)")
        }
    }

    /// Hand-edited numbers that used to overflow (SIGILL) in the dashboard.
    func testHugeSizesAndCountsReadAsAbsentInsteadOfOverflowing() throws {
        let run = try makeRun()
        let huge = 1 << 32
        try run.createDirectory(run.kernelsURL)
        try Data(#"""
        {"epoch":1,"layers":[{"name":"a","variant":"static-diag","kernelSize":\#(huge),"diagonal":[1]},
          {"name":"b","variant":"conv","kernelSize":3,"effectiveKernels":{"shape":[\#(huge),\#(huge),\#(huge),1],"values":[1]}}]}
        """#.utf8).write(to: run.kernelSnapshotURL(epoch: 1))
        let kernels = try XCTUnwrap(run.readKernelSnapshot(epoch: 1))
        XCTAssertNil(kernels.layers[0].shapeMap, "an absurd kernel size has no map")
        XCTAssertEqual(kernels.layers[1].effectiveKernels?.isConsistent, false)

        try run.createDirectory(run.knnURL)
        try Data(#"{"statistics":{"epoch":1,"exampleCount":-5,"trueClassProbabilityHistogram":[9223372036854775807,1],"classCounts":[1,2]}}"#.utf8)
            .write(to: run.knnSnapshotURL(epoch: 1))
        let knn = try XCTUnwrap(run.readKNNStatistics(epoch: 1))
        XCTAssertEqual(knn.histogram, [], "a count beyond any dataset is not a histogram")
        XCTAssertEqual(knn.exampleCount, 0)
        XCTAssertEqual(knn.classCounts, [1, 2])

        try Data(#"{"k":1,"imageHeight":\#(huge),"imageWidth":\#(huge),"queries":[],"trainImageOrder":[-1]}"#.utf8)
            .write(to: run.neighboursURL)
        let neighbours = try XCTUnwrap(run.readNeighbours()).data.results
        XCTAssertEqual(neighbours.imageBytes, 28 * 28, "an absurd image size falls back to 28×28")
        XCTAssertEqual(neighbours.trainImageOrder, [], "negative indices are not an order")
    }

    func testElementCountRefusesOverflow() {
        XCTAssertEqual(RecordLimits.elementCount([2, 3, 4]), 24)
        XCTAssertNil(RecordLimits.elementCount([1 << 32, 1 << 32, 1 << 32, 1]))
        XCTAssertNil(RecordLimits.elementCount([Int.max, 2]))
        XCTAssertNil(RecordLimits.elementCount([0, 5]))
    }

    /// Schema 1 (before kernel shapes) still reads: no shape fields, the maps as before.
    func testKernelSnapshotOfSchemaOneReads() throws {
        let run = try makeRun()
        try FileManager.default.createDirectory(at: run.kernelSnapshotURL(epoch: 2).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try Data(#"{"schemaVersion":1,"epoch":2,"classNames":[],"layers":[{"name":"stage1.block1","variant":"static-diag","kernelSize":3,"diagonal":[1,1,1,1,2,1,1,1,1]}]}"#.utf8)
            .write(to: run.kernelSnapshotURL(epoch: 2))
        let read = try XCTUnwrap(run.readKernelSnapshot(epoch: 2))
        XCTAssertEqual(read.layers.first?.shapeMap?[4], 2)
        XCTAssertNil(read.layers.first?.tapMask)
        XCTAssertNil(read.layers.first?.kernelShape)
        // A mask of the wrong size is not a shape.
        let odd = KernelSnapshot.Layer(name: "x", variant: "conv", kernelSize: 3, tapMask: [1, 0])
        XCTAssertNil(odd.activeTaps)
    }
}
