import Foundation
import RunStore
@testable import Training
import XCTest

/// The trainer's run files are the RunStore record types: what a writer produces is what
/// the dashboard and the CLI read back, value for value.
final class RunRecordWriterTests: XCTestCase {
    func testKernelSnapshotsOfEveryVariantReadBackAsWritten() throws {
        let data = try writeTextureDataset(self, trainCount: 120, testCount: 40)
        for variant in ["conv", "static-diag", "static-full", "dynamic-diag", "dynamic-full"] {
            var configuration = tinyConfiguration(dataDirectory: data, epochs: 1)
            configuration.variant = variant
            let trainer = try makeTrainer(configuration)
            takeSteps(trainer, 2)
            let run = RunDirectory(url: try makeDataTemporaryDirectory(self))
            let written = try XCTUnwrap(KernelSnapshotWriter.snapshot(model: trainer.model, epoch: 1, data: trainer.data), variant)
            try KernelSnapshotWriter.write(model: trainer.model, epoch: 1, data: trainer.data, run: run)
            let read = try XCTUnwrap(run.readKernelSnapshot(epoch: 1), variant)
            XCTAssertEqual(read, written, variant)
            XCTAssertEqual(read.layers.count, trainer.model.similarityLayers.count, variant)
            XCTAssertTrue(read.layers.allSatisfy { $0.variant == variant && $0.shapeMap?.count == 9 }, variant)
            XCTAssertEqual(read.layers[0].effectiveKernels?.isConsistent, true, variant)
            XCTAssertEqual(read.layers[0].perClassDiagonal != nil, variant.hasPrefix("dynamic"), variant)
            XCTAssertEqual(read.layers[0].matrix != nil, variant.hasSuffix("full"), variant)
        }
    }

    func testFloatFiguresAreRecordedInTheirShortestForm() {
        XCTAssertEqual(Double(shortest: Float(0.3)), 0.3)
        XCTAssertEqual(Double(shortest: Float(0.07)), 0.07)
        XCTAssertEqual(Double(shortest: Float(1) / 3), 0.33333334)
        XCTAssertTrue(Double(shortest: .nan).isNaN)
        XCTAssertEqual(Double(shortest: -.infinity), -.infinity)
    }
}
