import XCTest
@testable import RunStore

final class MetricsTests: XCTestCase {
    func record(_ step: Int, split: MetricSplit = .train, loss: Double? = 0.5) -> MetricRecord {
        MetricRecord(time: Date(timeIntervalSince1970: 1_795_338_000 + Double(step) * 0.125), epoch: step / 10, step: step,
                     split: split, loss: loss, accuracy: 0.75, lr: 0.1, interval: .steps)
    }

    func testRecordRoundTripWithAllFields() throws {
        let full = MetricRecord(time: Date(timeIntervalSince1970: 1_795_338_000.25), epoch: 3, step: 1290, split: .test,
                                loss: 0.31, accuracy: 0.902, lr: 0.001, imagesPerSecond: 812.5, epochSeconds: 71.25,
                                interval: .epoch, knnAccuracy: 0.88, blendedAccuracy: Double(Float(0.905)),
                                extra: ["top5": 0.99, "weird key \"x\"": -1e-9])
        let diverged = MetricRecord(time: Date(timeIntervalSince1970: 0), epoch: 0, step: 0, split: MetricSplit(rawValue: "holdout"),
                                    loss: .infinity, accuracy: -.infinity)
        for r in [full, diverged, record(5, loss: nil)] {
            let line = String(decoding: r.jsonLine(), as: UTF8.self)
            XCTAssertTrue(line.hasSuffix("}\n"), line)
            XCTAssertEqual(MetricRecord.parse(line: String(line.dropLast())), r, line)
            XCTAssertNoThrow(try JSONValue.parse(line), "line is standard JSON: \(line)")
        }
        let nan = MetricRecord(time: Date(timeIntervalSince1970: 0), epoch: 0, step: 0, split: .train, loss: .nan)
        XCTAssertTrue(MetricRecord.parse(line: String(decoding: nan.jsonLine().dropLast(), as: UTF8.self))!.loss!.isNaN)
    }

    /// The final evaluation has its own interval, so filtering epoch test lines counts the
    /// last epoch once; the older form (a second "epoch" test line with kNN figures) still reads.
    func testFinalEvaluationIsItsOwnRecordAndTheOlderFormIsRecognised() throws {
        let epochTest = MetricRecord(time: Date(timeIntervalSince1970: 0), epoch: 3, step: 30, split: .test,
                                     loss: 0.4, accuracy: 0.9, interval: .epoch)
        let evaluation = MetricRecord(time: Date(timeIntervalSince1970: 1), epoch: 3, step: 30, split: .test,
                                      accuracy: 0.9, interval: .evaluation, knnAccuracy: 0.88, blendedAccuracy: 0.91)
        let line = String(decoding: evaluation.jsonLine().dropLast(), as: UTF8.self)
        XCTAssertTrue(line.contains(#""interval":"evaluation""#), line)
        XCTAssertEqual(MetricRecord.parse(line: line), evaluation)
        let older = #"{"time":"2026-11-22T12:00:01Z","epoch":3,"step":30,"split":"test","accuracy":0.9,"interval":"epoch","knnAccuracy":0.88,"blendedAccuracy":0.91}"#
        let olderRecord = try XCTUnwrap(MetricRecord.parse(line: older))
        for final in [evaluation, olderRecord] {
            XCTAssertTrue(final.isFinalEvaluation)
            XCTAssertFalse(final.isEpochSummary)
            let summary = MetricsSummary([epochTest, final])
            XCTAssertEqual(summary.lastTestAccuracy, 0.9)
            XCTAssertEqual(summary.knnAccuracy, 0.88)
            XCTAssertEqual(summary.blendedAccuracy, 0.91)
            XCTAssertEqual(summary.epochsCompleted, 3)
        }
        XCTAssertTrue(epochTest.isEpochSummary)
        XCTAssertFalse(epochTest.isFinalEvaluation)
    }

    func testParserAcceptsContractExampleAndForeignWriters() {
        let contract = #"{"time": "2026-11-22T12:00:00Z", "epoch": 3, "step": 1290, "split": "test", "loss": 0.31, "accuracy": 0.902}"#
        let r = MetricRecord.parse(line: contract)
        XCTAssertEqual(r?.split, .test)
        XCTAssertEqual(r?.loss, 0.31)
        XCTAssertEqual(r?.accuracy, 0.902)
        XCTAssertEqual(r?.step, 1290)
        let python = #"{"split":"val","epoch":1,"step":2,"time":"2026-11-22T12:00:00.5+00:00","loss":NaN,"notes":{"a":[1,2]},"lr":null,"flag":true,"top1":1E-2}"#
        let p = MetricRecord.parse(line: python)
        XCTAssertEqual(p?.split, .val)
        XCTAssertTrue(p?.loss?.isNaN == true)
        XCTAssertNil(p?.lr)
        XCTAssertEqual(p?.extra, ["top1": 0.01])
        for bad in ["", "{}", "[1]", #"{"time":"x","epoch":1,"step":1,"split":"train"}"#, #"{"epoch":1,"step":1,"split":"train"}"#,
                    #"{"time":"2026-11-22T12:00:00Z","epoch":1.5,"step":1,"split":"train"}"#,
                    #"{"time":"2026-11-22T12:00:00Z","epoch":1,"step":1,"split":"train"} trailing"#,
                    #"{"time":"2026-11-22T12:00:00Z","epoch":1,"step":1,"split":"train","loss":"high"}"#] {
            XCTAssertNil(MetricRecord.parse(line: bad), bad)
        }
    }

    func testPartialLastLineAppearsExactlyOnceWhenCompleted() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("metrics.jsonl")
        let reader = MetricsTailReader(url: url)
        XCTAssertEqual(try reader.readNew().records, [], "missing file is no records")
        let writer = try MetricsWriter(url: url)
        try writer.append(record(1))
        try writer.append(record(2))
        let line3 = record(3).jsonLine()
        try appendBytes(String(decoding: line3.prefix(40), as: UTF8.self), to: url)
        XCTAssertEqual(try reader.readNew().records, [record(1), record(2)])
        XCTAssertEqual(try reader.readNew().records, [], "half line is held back")
        try appendBytes(String(decoding: line3.dropFirst(40), as: UTF8.self), to: url)
        XCTAssertEqual(try reader.readNew().records, [record(3)])
        XCTAssertEqual(try reader.readNew().records, [])
        XCTAssertEqual(reader.corruptLineCount, 0)
    }

    func testWriterFencesAHalfLineLeftByACrash() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("metrics.jsonl")
        try appendBytes(String(decoding: record(1).jsonLine() + record(2).jsonLine().prefix(30), as: UTF8.self), to: url)
        let writer = try MetricsWriter(url: url)
        try writer.append(record(3))
        try writer.close()
        let reader = MetricsTailReader(url: url)
        XCTAssertEqual(try reader.readNew().records, [record(1), record(3)])
        XCTAssertEqual(reader.corruptLineCount, 1)
        XCTAssertEqual(reader.corruptLineNumbers, [2])
    }

    func testCorruptMiddleLineIsSkippedAndCounted() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("metrics.jsonl")
        let text = String(decoding: record(1).jsonLine(), as: UTF8.self) + "{not json\n\n"
            + String(decoding: record(2).jsonLine(), as: UTF8.self) + "\u{0}\u{0}garbage\r\n"
            + String(decoding: record(3).jsonLine(), as: UTF8.self)
        try appendBytes(text, to: url)
        let reader = MetricsTailReader(url: url)
        XCTAssertEqual(try reader.readNew().records, [record(1), record(2), record(3)])
        XCTAssertEqual(reader.corruptLineCount, 2)
        XCTAssertEqual(reader.corruptLineNumbers, [2, 5])
    }

    func testTruncatedOrReplacedFileRestartsFromTheBeginning() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("metrics.jsonl")
        let writer = try MetricsWriter(url: url)
        for step in 1...5 { try writer.append(record(step)) }
        let reader = MetricsTailReader(url: url)
        XCTAssertEqual(try reader.readNew().records.count, 5)

        // Truncated to a shorter file in place.
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 0)
        try handle.close()
        try appendBytes(String(decoding: record(7).jsonLine(), as: UTF8.self), to: url)
        var result = try reader.readNew()
        XCTAssertTrue(result.restarted, "shrunk file")
        XCTAssertEqual(result.records, [record(7)])

        // Replaced by a different, longer file (new inode).
        let other = dir.appendingPathComponent("other.jsonl")
        var text = ""
        for step in 10...20 { text += String(decoding: record(step).jsonLine(), as: UTF8.self) }
        try appendBytes(text, to: other)
        XCTAssertEqual(rename(other.path, url.path), 0)
        result = try reader.readNew()
        XCTAssertTrue(result.restarted, "replaced file")
        XCTAssertEqual(result.records.map(\.step), Array(10...20))
        XCTAssertEqual(reader.restartCount, 2)
    }
}
