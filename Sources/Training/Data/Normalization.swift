import TensorCore

/// Per-channel normalisation `(x/255 − mean[c]) / std[c]`, with statistics from a training split.
///
/// One entry per channel (1 for grey, 3 for RGB). A single-channel normalisation computes
/// exactly what the scalar one before channels did, so Fashion-MNIST runs are unchanged.
public struct Normalization: Equatable, Sendable {
    public var means: [Float]
    public var standardDeviations: [Float]

    public init(means: [Float], standardDeviations: [Float]) {
        precondition(!means.isEmpty && means.count == standardDeviations.count,
                     "Normalization needs one mean and one standard deviation per channel, got \(means.count) and \(standardDeviations.count)")
        precondition(standardDeviations.allSatisfy { $0 > 0 },
                     "Normalization needs positive standard deviations, got \(standardDeviations)")
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// One channel.
    public init(mean: Float, standardDeviation: Float) {
        self.init(means: [mean], standardDeviations: [standardDeviation])
    }

    /// Identity on [0, 1] pixels, for `channels` channels.
    public static func none(channels: Int = 1) -> Normalization {
        Normalization(means: [Float](repeating: 0, count: channels), standardDeviations: [Float](repeating: 1, count: channels))
    }

    public var channels: Int { means.count }

    /// Mean and standard deviation of `pixels / 255` per channel, pixels laid out
    /// N × C × (plane) with `planeSize` bytes per channel plane.
    public static func compute(pixels: [UInt8], channels: Int = 1, planeSize: Int? = nil) -> Normalization {
        let plane = planeSize ?? pixels.count
        guard !pixels.isEmpty, channels >= 1, plane > 0 else { return .none(channels: max(1, channels)) }
        var histograms = [[Int]](repeating: [Int](repeating: 0, count: 256), count: channels)
        pixels.withUnsafeBufferPointer { p in
            var start = 0, channel = 0
            while start < p.count {
                let end = min(start + plane, p.count)
                for k in start..<end { histograms[channel][Int(p[k])] += 1 }
                start = end
                channel = channel + 1 == channels ? 0 : channel + 1
            }
        }
        var means: [Float] = [], deviations: [Float] = []
        for histogram in histograms {
            var sum = 0.0, sumSquares = 0.0, n = 0.0
            for (value, count) in histogram.enumerated() {
                let x = Double(value) / 255
                sum += x * Double(count)
                sumSquares += x * x * Double(count)
                n += Double(count)
            }
            guard n > 0 else { means.append(0); deviations.append(1); continue }
            let mean = sum / n
            let variance = max(0, sumSquares / n - mean * mean)
            means.append(Float(mean))
            deviations.append(Float(max(variance.squareRoot(), 1e-6)))
        }
        return Normalization(means: means, standardDeviations: deviations)
    }

    /// The normalised value of a pixel byte of `channel`.
    @inline(__always) public func apply(_ pixel: UInt8, channel: Int = 0) -> Float {
        (Float(pixel) * (1 / 255) - means[channel]) / standardDeviations[channel]
    }

    /// The normalised value of a black (zero) pixel per channel: what padding is filled with.
    public var backgrounds: [Float] { (0..<channels).map { apply(0, channel: $0) } }
}
