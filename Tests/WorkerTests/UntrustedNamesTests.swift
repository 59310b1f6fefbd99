import Foundation
import RunStore
import XCTest

/// The real binary prints names it did not choose safely, marks a corrupt config.json, and
/// exports times to the millisecond.
final class UntrustedNamesTests: XCTestCase {
    func testRunsAndShowPrintFolderNamesWithoutControlCharacters() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 1)
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        // A user renames the run folder to a name with an ESC sequence and a newline.
        let hostile = "evil\u{1B}[2J\nrow"
        try FileManager.default.moveItem(at: run.url, to: harness.runs.appendingPathComponent(hostile))
        // And another run's config.json is damaged.
        let damaged = try harness.launch(epochs: 1)
        XCTAssertEqual(try harness.waitForState(damaged, [.finished, .failed, .stopped]).state, .finished)
        try Data("{\"schemaVersion\":1,".utf8).write(to: damaged.configURL)

        let listed = try harness.run(["runs", "--runs", harness.runs.path])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertFalse(listed.stdout.contains("\u{1B}"), "no escape byte reaches the terminal: \(listed.stdout.debugDescription)")
        let lines = listed.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, "a header and one row per run, a newline in a name splits nothing: \(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("evil?[2J?row ") }, listed.stdout)
        let damagedRow = try XCTUnwrap(lines.first { $0.hasPrefix(damaged.id.rawValue) })
        XCTAssertTrue(damagedRow.contains("corrupt: config.json unreadable"), String(damagedRow))

        let shown = try harness.run(["show", "evil", "--runs", harness.runs.path])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertFalse(shown.stdout.contains("\u{1B}"), shown.stdout.debugDescription)
        XCTAssertTrue(shown.stdout.hasPrefix("run       evil?[2J?row  ("), shown.stdout)
    }

    func testExportedCSVTimesKeepTheirMilliseconds() throws {
        let harness = try SimlabHarness(self)
        let run = try harness.launch(epochs: 1)
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped]).state, .finished)
        let csv = try harness.run(["export", run.id.rawValue, "--csv", "--runs", harness.runs.path])
        let rows = csv.stdout.split(separator: "\n").dropFirst()
        XCTAssertFalse(rows.isEmpty)
        let records = SimlabHarness.records(run)
        XCTAssertEqual(rows.count, records.count)
        for (row, record) in zip(rows, records) {
            let time = String(row.split(separator: ",")[0])
            XCTAssertEqual(time, ISOTime.format(record.time, milliseconds: true), "CSV time with milliseconds")
            XCTAssertEqual(ISOTime.parse(time), record.time)
        }
    }
}
