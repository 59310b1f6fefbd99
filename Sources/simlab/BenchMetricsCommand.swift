import ArgumentParser
import Foundation
import RunStore

/// `simlab bench metrics`: the hand-written metrics-line scanner and ISO-8601 time code
/// against Foundation's `JSONDecoder` and `Date.ISO8601FormatStyle`, on N synthetic lines
/// as a worker writes them (steps, epoch and evaluation lines, milliseconds in every time).
///
/// They are kept only while this shows them worth it: the dashboard and `simlab runs`
/// read every run's metrics file, a long run's is ~1,000,000 lines.
struct BenchMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Measure metrics-line parsing and time formatting against Foundation's coders.")

    @Option(help: "Synthetic metrics lines.")
    var lines = 1_000_000

    @Option(help: "Timed rounds per contender (alternating; the median is reported).")
    var rounds = 3

    func validate() throws {
        guard (1...50_000_000).contains(lines) else { throw ValidationError("--lines must be in 1...50000000, got \(lines)") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be in 1...20, got \(rounds)") }
    }

    /// The fixed keys of a metrics line, decoded by Foundation (extras are left out, which
    /// only favours JSONDecoder).
    struct DecodedLine: Decodable {
        var time: String
        var epoch: Int
        var step: Int
        var split: String
        var loss: Double?
        var accuracy: Double?
        var lr: Double?
        var imagesPerSecond: Double?
        var epochSeconds: Double?
        var interval: String?
        var knnAccuracy: Double?
        var blendedAccuracy: Double?
    }

    func run() throws {
        let start = Date(timeIntervalSince1970: 1_795_338_000.125)
        var text: [UInt8] = []
        var dates: [Date] = []
        dates.reserveCapacity(lines)
        for i in 0..<lines {
            let time = start.addingTimeInterval(Double(i) * 0.731)
            dates.append(time)
            let record: MetricRecord
            switch i % 50 {
            case 49: record = MetricRecord(time: time, epoch: i / 500, step: i, split: .test, loss: 0.31, accuracy: 0.902, interval: .epoch)
            case 48: record = MetricRecord(time: time, epoch: i / 500, step: i, split: .val, loss: 0.29, accuracy: 0.91, interval: .epoch)
            default: record = MetricRecord(time: time, epoch: i / 500, step: i, split: .train, loss: 0.4 + Double(i % 7) / 100,
                                           accuracy: 0.85, lr: 0.1, imagesPerSecond: 1512.5, interval: .steps)
            }
            text.append(contentsOf: record.jsonLine())
        }
        let lineRanges = text.withUnsafeBufferPointer { bytes -> [Range<Int>] in
            var ranges: [Range<Int>] = [], begin = 0
            for (i, byte) in bytes.enumerated() where byte == 0x0A { ranges.append(begin..<i); begin = i + 1 }
            return ranges
        }
        print("\(lines) metrics lines, \(text.count / 1_000_000) MB; median of \(rounds) alternating rounds")

        var scanner: [Double] = [], decoder: [Double] = []
        var formatHand: [Double] = [], formatFoundation: [Double] = []
        var parseHand: [Double] = [], parseFoundation: [Double] = []
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let strings = dates.map { ISOTime.format($0, milliseconds: true) }
        var sink = 0
        for _ in 0..<rounds {
            scanner.append(timed {
                text.withUnsafeBufferPointer { bytes in
                    for range in lineRanges where MetricRecord.parse(line: UnsafeBufferPointer(rebasing: bytes[range])) != nil { sink += 1 }
                }
            })
            decoder.append(timed {
                let json = JSONDecoder()
                for range in lineRanges {
                    if let line = try? json.decode(DecodedLine.self, from: Data(text[range])), (try? style.parse(line.time)) != nil { sink += 1 }
                }
            })
            formatHand.append(timed { for date in dates { sink &+= ISOTime.format(date, milliseconds: true).utf8.count } })
            formatFoundation.append(timed { for date in dates { sink &+= style.format(date).utf8.count } })
            parseHand.append(timed { for s in strings where ISOTime.parse(s) != nil { sink += 1 } })
            parseFoundation.append(timed { for s in strings where (try? style.parse(s)) != nil { sink += 1 } })
        }
        func report(_ what: String, _ hand: [Double], _ foundation: [Double], foundationName: String) {
            let h = median(hand), f = median(foundation)
            print(String(format: "%-34@ hand-written %7.3f s (%6.0f ns/line)   %@ %7.3f s (%6.0f ns/line)   %.1f×",
                         what as NSString, h, h / Double(lines) * 1e9, foundationName as NSString, f, f / Double(lines) * 1e9, f / h))
        }
        report("parse a metrics line (+ its time)", scanner, decoder, foundationName: "JSONDecoder+ISO8601FormatStyle")
        report("format a time (ms)", formatHand, formatFoundation, foundationName: "ISO8601FormatStyle")
        report("parse a time (ms)", parseHand, parseFoundation, foundationName: "ISO8601FormatStyle")
        if sink == -1 { print(sink) }
    }

    private func timed(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
