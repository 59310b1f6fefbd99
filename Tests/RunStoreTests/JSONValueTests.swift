import XCTest
@testable import RunStore

final class JSONValueTests: XCTestCase {
    func testRoundTripKeepsKeyOrderAndValues() throws {
        let value: JSONValue = [
            "zeta": 1, "alpha": "text with \"quotes\" and \\ and\nnewline é 🙂", "mid": [true, false, nil, 0.1, -2.5e-7],
            "nested": ["b": 2, "a": ["x": 1e300]], "int": 9007199254740992, "neg": -42,
        ]
        for pretty in [false, true] {
            let text = JSONWriter.string(value, pretty: pretty)
            let back = try JSONValue.parse(text)
            XCTAssertEqual(back, value, "pretty=\(pretty): \(text)")
            XCTAssertEqual(back.objectValue?.keys, ["zeta", "alpha", "mid", "nested", "int", "neg"], "pretty=\(pretty)")
        }
    }

    func testParsesEscapesAndRejectsGarbage() throws {
        XCTAssertEqual(try JSONValue.parse(#"["\u00e9\ud83d\ude42\t"]"#), ["é🙂\t"])
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "1 2", "\"abc", "{\"a\":1,}"] {
            XCTAssertThrowsError(try JSONValue.parse(bad), "input \(bad.debugDescription)")
        }
    }

    func testNumbersParseExactlyLikeSwift() throws {
        var generator = SystemRandomNumberGenerator()
        var samples: [Double] = [0, 1, -1, 0.1, 0.2, 0.3, 1e-5, 123456.789, 0.9020000100135803, 1e22, 1e23, Double.leastNonzeroMagnitude, 1.7976931348623157e308]
        for _ in 0..<2000 {
            samples.append(Double(Float.random(in: -10...10, using: &generator)))
            samples.append(Double.random(in: 0...1, using: &generator))
            samples.append((Double.random(in: 0...1000, using: &generator) * 1000).rounded() / 1000)
        }
        for x in samples {
            let text = JSONWriter.string(.number(x))
            XCTAssertEqual(try JSONValue.parse(text).doubleValue, x, "number \(x) written as \(text)")
        }
    }

    func testISOTimeRoundTripAndFormat() {
        let date = Date(timeIntervalSince1970: 1_795_338_000)
        XCTAssertEqual(ISOTime.format(date), "2026-11-22T09:00:00Z")
        XCTAssertEqual(ISOTime.format(date.addingTimeInterval(0.25), milliseconds: true), "2026-11-22T09:00:00.250Z")
        XCTAssertEqual(ISOTime.parse("2026-11-22T09:00:00Z"), date)
        XCTAssertEqual(ISOTime.parse("2026-11-22T10:00:00+01:00"), date)
        XCTAssertEqual(ISOTime.parse("2026-11-22T09:00:00.250Z")!.timeIntervalSince1970, date.timeIntervalSince1970 + 0.25, accuracy: 1e-6)
        let formatter = ISO8601DateFormatter()
        for seconds in stride(from: -86_400.0 * 400, to: 86_400.0 * 365 * 80, by: 86_400.0 * 17.3) {
            let d = Date(timeIntervalSince1970: seconds.rounded())
            XCTAssertEqual(ISOTime.format(d), formatter.string(from: d), "t=\(seconds)")
            XCTAssertEqual(ISOTime.parse(ISOTime.format(d)), d, "t=\(seconds)")
        }
        // Every millisecond of a second survives format → parse → format (Foundation's
        // ISO8601FormatStyle turns the time parsed from .123 into .122).
        for millis in 0..<1000 {
            let text = String(format: "2026-11-22T09:00:00.%03dZ", millis)
            XCTAssertEqual(ISOTime.parse(text).map { ISOTime.format($0, milliseconds: true) }, text)
        }
        for bad in ["", "2026-11-22", "2026-13-22T08:40:00Z", "2026-11-22T08:40:00", "2026-11-22T08:40:00Zx"] {
            XCTAssertNil(ISOTime.parse(bad), bad)
        }
    }
}
