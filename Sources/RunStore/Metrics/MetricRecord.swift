import Foundation

/// The data split a metric was measured on. String-backed so unknown names survive.
public struct MetricSplit: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let train = MetricSplit(rawValue: "train")
    public static let val = MetricSplit(rawValue: "val")
    public static let test = MetricSplit(rawValue: "test")
    public var description: String { rawValue }
}

/// What a record summarises: a span of steps ("train" lines every N steps), an epoch, or
/// the final evaluation after training (one "test" line with the kNN and blended figures).
public enum MetricInterval: String, Sendable {
    case steps, epoch, evaluation
}

/// One line of metrics.jsonl: a flat JSON object.
///
/// ```
/// {"time":"2026-11-22T12:00:00.250Z","epoch":3,"step":1290,"split":"test","loss":0.31,"accuracy":0.902,
///  "lr":0.1,"imagesPerSecond":812.5,"epochSeconds":71.2,"interval":"epoch","knnAccuracy":0.88,
///  "blendedAccuracy":0.905,"top5":0.99}
/// ```
/// Keys beyond the fixed ones hold numbers and land in `extra`. Non-finite numbers (a
/// diverged loss) are written as the strings "NaN", "Infinity", "-Infinity".
public struct MetricRecord: Equatable, Sendable {
    public var time: Date
    public var epoch: Int
    public var step: Int
    public var split: MetricSplit
    public var loss: Double?
    public var accuracy: Double?
    public var lr: Double?
    public var imagesPerSecond: Double?
    public var epochSeconds: Double?
    public var interval: MetricInterval?
    public var knnAccuracy: Double?
    public var blendedAccuracy: Double?
    /// Any further figure, written after the fixed keys in key order.
    public var extra: [String: Double]

    /// `extra` key of the wall-clock seconds an evaluation took: on an epoch's val and test
    /// lines that split's inference pass, on the final evaluation line the whole evaluation.
    public static let evaluationSecondsKey = "evaluationSeconds"
    /// `extra` key of the final evaluation line: seconds of its feature passes (train,
    /// validation and test through the network).
    public static let featureSecondsKey = "featureSeconds"

    /// The final evaluation's record: `"interval":"evaluation"`, or as written before that
    /// interval existed, a second `"interval":"epoch"` test line carrying `knnAccuracy`.
    public var isFinalEvaluation: Bool {
        interval == .evaluation || (interval == .epoch && split == .test && knnAccuracy != nil)
    }

    /// An end-of-epoch record (train, val or test), never the final evaluation.
    public var isEpochSummary: Bool { interval == .epoch && !isFinalEvaluation }

    public init(time: Date = Date(), epoch: Int, step: Int, split: MetricSplit, loss: Double? = nil,
                accuracy: Double? = nil, lr: Double? = nil, imagesPerSecond: Double? = nil,
                epochSeconds: Double? = nil, interval: MetricInterval? = nil, knnAccuracy: Double? = nil,
                blendedAccuracy: Double? = nil, extra: [String: Double] = [:]) {
        self.time = time
        self.epoch = epoch
        self.step = step
        self.split = split
        self.loss = loss
        self.accuracy = accuracy
        self.lr = lr
        self.imagesPerSecond = imagesPerSecond
        self.epochSeconds = epochSeconds
        self.interval = interval
        self.knnAccuracy = knnAccuracy
        self.blendedAccuracy = blendedAccuracy
        self.extra = extra
    }

    /// The record as one JSON line, newline included. Times keep milliseconds.
    public func jsonLine() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(200)
        out.append(contentsOf: "{\"time\":\"".utf8)
        out.append(contentsOf: ISOTime.format(time, milliseconds: true).utf8)
        out.append(contentsOf: "\",\"epoch\":".utf8)
        out.append(contentsOf: String(epoch).utf8)
        out.append(contentsOf: ",\"step\":".utf8)
        out.append(contentsOf: String(step).utf8)
        out.append(contentsOf: ",\"split\":".utf8)
        JSONWriter.writeString(split.rawValue, into: &out)
        func number(_ key: String, _ value: Double?) {
            guard let value else { return }
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            if value.isNaN { out.append(contentsOf: "\"NaN\"".utf8) }
            else if value.isInfinite { out.append(contentsOf: (value > 0 ? "\"Infinity\"" : "\"-Infinity\"").utf8) }
            else { JSONWriter.writeNumber(value, into: &out) }
        }
        number("loss", loss)
        number("accuracy", accuracy)
        number("lr", lr)
        number("imagesPerSecond", imagesPerSecond)
        number("epochSeconds", epochSeconds)
        if let interval {
            out.append(contentsOf: ",\"interval\":\"".utf8)
            out.append(contentsOf: interval.rawValue.utf8)
            out.append(UInt8(ascii: "\""))
        }
        number("knnAccuracy", knnAccuracy)
        number("blendedAccuracy", blendedAccuracy)
        for key in extra.keys.sorted() where !MetricRecord.fixedKeys.contains(key) { number(key, extra[key]) }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    static let fixedKeys: Set<String> = ["time", "epoch", "step", "split", "loss", "accuracy", "lr",
                                         "imagesPerSecond", "epochSeconds", "interval", "knnAccuracy",
                                         "blendedAccuracy"]
}
