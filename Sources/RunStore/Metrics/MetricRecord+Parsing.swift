import Foundation

extension MetricRecord {
    /// Parses one metrics line (without its newline). Nil when the line is not a metrics
    /// object: not JSON, no time/epoch/step/split, or a fixed key of the wrong type.
    ///
    /// A hand-written scanner over the bytes: known keys are matched without allocating,
    /// so a million lines parse in a fraction of a second.
    public static func parse(line: UnsafeBufferPointer<UInt8>) -> MetricRecord? {
        var scanner = JSONScanner(line)
        return try? parse(&scanner)
    }

    public static func parse(line: String) -> MetricRecord? {
        var copy = line
        return copy.withUTF8 { parse(line: $0) }
    }

    private static func parse(_ s: inout JSONScanner) throws -> MetricRecord? {
        var time: Date?, epoch: Int?, step: Int?, split: MetricSplit?
        var record = MetricRecord(time: Date(timeIntervalSince1970: 0), epoch: 0, step: 0, split: .train)
        try s.expect(UInt8(ascii: "{"))
        if s.peek() == UInt8(ascii: "}") { return nil }
        while true {
            let (keyRange, keyEscaped) = try s.scanRawString()
            try s.expect(UInt8(ascii: ":"))
            let key = keyEscaped ? Key.other : Key(s.bytes, keyRange)
            switch key {
            case .time:
                let (range, _) = try s.scanRawString()
                guard let date = ISOTime.parse(UnsafeBufferPointer(rebasing: s.bytes[range])) else { return nil }
                time = date
            case .epoch:
                let v = try s.parseNumber()
                guard v.rounded() == v, abs(v) < 1e15 else { return nil }
                epoch = Int(v)
            case .step:
                let v = try s.parseNumber()
                guard v.rounded() == v, abs(v) < 1e15 else { return nil }
                step = Int(v)
            case .split:
                let (range, escaped) = try s.scanRawString()
                split = splitValue(s, range, escaped: escaped)
            case .interval:
                if s.peek() == UInt8(ascii: "n"), s.consume("null") { break }
                let (range, escaped) = try s.scanRawString()
                if !escaped && equal(s.bytes, range, "steps") { record.interval = .steps }
                else if !escaped && equal(s.bytes, range, "epoch") { record.interval = .epoch }
                else if !escaped && equal(s.bytes, range, "evaluation") { record.interval = .evaluation }
                else { return nil }
            case .loss: record.loss = try number(&s)
            case .accuracy: record.accuracy = try number(&s)
            case .lr: record.lr = try number(&s)
            case .imagesPerSecond: record.imagesPerSecond = try number(&s)
            case .epochSeconds: record.epochSeconds = try number(&s)
            case .knnAccuracy: record.knnAccuracy = try number(&s)
            case .blendedAccuracy: record.blendedAccuracy = try number(&s)
            case .other:
                // Open figures: numbers go to `extra`; anything else is skipped.
                switch s.peek() ?? 0 {
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "\""), UInt8(ascii: "N"),
                     UInt8(ascii: "I"):
                    let start = s.position
                    if let v = try? number(&s) {
                        record.extra[try s.decodeString(keyRange, hasEscapes: keyEscaped)] = v
                    } else {
                        s.position = start
                        try s.skipValue()
                    }
                default:
                    try s.skipValue()
                }
            }
            switch s.peek() {
            case UInt8(ascii: ","): s.position += 1
            case UInt8(ascii: "}"):
                s.position += 1
                guard s.peek() == nil, let time, let epoch, let step, let split else { return nil }
                record.time = time
                record.epoch = epoch
                record.step = step
                record.split = split
                return record
            default: return nil
            }
        }
    }

    /// A number, null, or one of the non-finite strings "NaN", "Infinity", "-Infinity"
    /// (bare NaN/Infinity as other writers produce them are accepted too).
    private static func number(_ s: inout JSONScanner) throws -> Double? {
        switch s.peek() {
        case UInt8(ascii: "n"):
            guard s.consume("null") else { throw s.error("bad literal") }
            return nil
        case UInt8(ascii: "\""):
            let (range, escaped) = try s.scanRawString()
            switch try s.decodeString(range, hasEscapes: escaped) {
            case "NaN": return .nan
            case "Infinity", "+Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: throw s.error("expected a number")
            }
        case UInt8(ascii: "N"):
            guard s.consume("NaN") else { throw s.error("bad literal") }
            return .nan
        case UInt8(ascii: "I"):
            guard s.consume("Infinity") else { throw s.error("bad literal") }
            return .infinity
        case UInt8(ascii: "-") where s.position + 1 < s.end && s.bytes[s.position + 1] == UInt8(ascii: "I"):
            s.position += 1
            guard s.consume("Infinity") else { throw s.error("bad literal") }
            return -.infinity
        default:
            return try s.parseNumber()
        }
    }

    private static func splitValue(_ s: JSONScanner, _ range: Range<Int>, escaped: Bool) -> MetricSplit {
        if !escaped {
            if equal(s.bytes, range, "train") { return .train }
            if equal(s.bytes, range, "val") { return .val }
            if equal(s.bytes, range, "test") { return .test }
        }
        return MetricSplit(rawValue: (try? s.decodeString(range, hasEscapes: escaped)) ?? "")
    }

    private enum Key {
        case time, epoch, step, split, interval, loss, accuracy, lr, imagesPerSecond, epochSeconds,
             knnAccuracy, blendedAccuracy, other

        init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
            switch range.count {
            case 2 where equal(bytes, range, "lr"): self = .lr
            case 4 where equal(bytes, range, "time"): self = .time
            case 4 where equal(bytes, range, "step"): self = .step
            case 4 where equal(bytes, range, "loss"): self = .loss
            case 5 where equal(bytes, range, "epoch"): self = .epoch
            case 5 where equal(bytes, range, "split"): self = .split
            case 8 where equal(bytes, range, "accuracy"): self = .accuracy
            case 8 where equal(bytes, range, "interval"): self = .interval
            case 11 where equal(bytes, range, "knnAccuracy"): self = .knnAccuracy
            case 12 where equal(bytes, range, "epochSeconds"): self = .epochSeconds
            case 15 where equal(bytes, range, "imagesPerSecond"): self = .imagesPerSecond
            case 15 where equal(bytes, range, "blendedAccuracy"): self = .blendedAccuracy
            default: self = .other
            }
        }
    }
}

@inline(__always)
private func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
    guard range.count == literal.utf8CodeUnitCount else { return false }
    return memcmp(bytes.baseAddress! + range.lowerBound, literal.utf8Start, range.count) == 0
}
