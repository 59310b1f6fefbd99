import Foundation
@testable import RunStore
import XCTest

final class CheckpointSelectionTests: XCTestCase {
    func testParsesBestLatestAndEpochsAndRejectsTheRest() throws {
        XCTAssertEqual(try CheckpointSelection(parsing: "best"), .best)
        XCTAssertEqual(try CheckpointSelection(parsing: "latest"), .latest)
        XCTAssertEqual(try CheckpointSelection(parsing: "epoch-3"), .epoch(3))
        XCTAssertEqual(try CheckpointSelection(parsing: "epoch-012"), .epoch(12))
        for bad in ["", "Best", "epoch-0", "epoch--1", "epoch-", "epoch-x", "3", "last"] {
            XCTAssertThrowsError(try CheckpointSelection(parsing: bad), bad) { error in
                XCTAssertEqual(error as? CheckpointSelectionError, .badName(bad))
                XCTAssertTrue("\(error)".contains("best, latest or epoch-N"))
            }
        }
    }

    func testResolvesEachSelectionToItsFileOrSaysWhatExists() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self).appendingPathComponent("20261206-000000-abcd"))
        let id = run.id.rawValue
        for selection in [CheckpointSelection.best, .latest, .epoch(1)] {
            XCTAssertThrowsError(try run.checkpointURL(selection)) { error in
                XCTAssertEqual(error as? CheckpointSelectionError, .noCheckpoint(run: id), "\(selection)")
            }
        }
        try run.createDirectory(run.checkpointsURL)
        for epoch in [1, 2, 3] { try run.writeBytes([UInt8(epoch)], to: run.checkpointURL(epoch: epoch)) }
        try run.markLatestCheckpoint(run.checkpointURL(epoch: 3))
        XCTAssertEqual(try run.checkpointURL(.latest).lastPathComponent, "epoch-003.ckpt")
        XCTAssertEqual(try run.checkpointURL(.epoch(2)).lastPathComponent, "epoch-002.ckpt")
        XCTAssertThrowsError(try run.checkpointURL(.epoch(7))) { error in
            XCTAssertEqual(error as? CheckpointSelectionError, .missingEpoch(run: id, epoch: 7, available: [1, 2, 3]))
        }
        // best: no validation line yet, then the epoch whose validation accuracy is highest.
        XCTAssertThrowsError(try run.checkpointURL(.best)) { error in
            XCTAssertEqual(error as? CheckpointSelectionError, .noValidation(run: id))
        }
        let lines = [(1, 0.71), (2, 0.83), (3, 0.79)].map {
            "{\"time\":\"2026-12-06T10:00:0\($0.0)Z\",\"epoch\":\($0.0),\"step\":\($0.0 * 10),\"split\":\"val\",\"loss\":0.5,\"accuracy\":\($0.1)}\n"
        }
        try run.writeBytes(Array(lines.joined().utf8), to: run.metricsURL)
        XCTAssertEqual(try run.checkpointURL(.best).lastPathComponent, "epoch-002.ckpt")
    }
}
