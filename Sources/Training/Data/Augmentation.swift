import TensorCore

/// Training-time augmentation of a batch: pad-and-crop (a random shift of up to `padding`
/// pixels, uncovered pixels filled with each channel's `fills` value) and a random
/// horizontal flip.
///
/// Dimension legend: N batch, C channels, H height, W width. Works on N × C × H × W in place.
/// Deterministic given the generator: one shift pair and one flip bit drawn per image.
public struct Augmentation: Sendable {
    public var padding: Int
    public var horizontalFlip: Bool
    /// Value of the padded border per channel: the normalised black (`Normalization.backgrounds`);
    /// one value serves every channel.
    public var fills: [Float]

    public init(padding: Int = 2, horizontalFlip: Bool = true, fills: [Float]) {
        precondition(padding >= 0, "Augmentation padding must be non-negative, got \(padding)")
        precondition(!fills.isEmpty, "Augmentation needs a fill value")
        self.padding = padding
        self.horizontalFlip = horizontalFlip
        self.fills = fills
    }

    public init(padding: Int = 2, horizontalFlip: Bool = true, fill: Float = 0) {
        self.init(padding: padding, horizontalFlip: horizontalFlip, fills: [fill])
    }

    /// Augments `batch` (N × C × H × W) in place.
    public func apply(to batch: inout Tensor, generator: inout SeededGenerator) {
        precondition(batch.rank == 4, "Augmentation expects N×C×H×W, got \(batch.shape)")
        let n = batch.shape[0]
        var shifts: [(dy: Int, dx: Int)] = []
        var flips: [Bool] = []
        for _ in 0..<n {
            let span = 2 * padding + 1
            shifts.append((generator.nextInt(below: span) - padding, generator.nextInt(below: span) - padding))
            flips.append(horizontalFlip && generator.next() & 1 == 1)
        }
        Augmentation.shift(&batch, by: shifts, fills: fills)
        Augmentation.flipHorizontally(&batch, where: flips)
    }

    /// Pad-and-crop as a shift: output(y, x) = input(y + dy, x + dx), `fill` outside.
    /// A shift of (0, 0) is the identity; (dy, dx) in −P...P is a crop of the P-padded image.
    public static func shift(_ batch: inout Tensor, by shifts: [(dy: Int, dx: Int)], fill: Float) {
        shift(&batch, by: shifts, fills: [fill])
    }

    /// `shift` with a fill value per channel (`fills[c]`, or `fills[0]` for every channel).
    public static func shift(_ batch: inout Tensor, by shifts: [(dy: Int, dx: Int)], fills: [Float]) {
        precondition(batch.rank == 4 && shifts.count == batch.shape[0],
                     "shift: \(shifts.count) shifts for a batch of shape \(batch.shape)")
        let c = batch.shape[1], h = batch.shape[2], w = batch.shape[3]
        precondition(fills.count == 1 || fills.count == c, "shift: \(fills.count) fill values for \(c) channels")
        var plane = [Float](repeating: 0, count: h * w)
        batch.withUnsafeMutableBufferPointer { data in
            for (image, s) in shifts.enumerated() where s.dy != 0 || s.dx != 0 {
                for channel in 0..<c {
                    let fill = fills.count == 1 ? fills[0] : fills[channel]
                    let base = (image * c + channel) * h * w
                    for y in 0..<h {
                        let sy = y + s.dy
                        for x in 0..<w {
                            let sx = x + s.dx
                            plane[y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? data[base + sy * w + sx] : fill
                        }
                    }
                    for k in 0..<h * w { data[base + k] = plane[k] }
                }
            }
        }
    }

    /// Mirrors the images where `flips[i]` is true (x → W − 1 − x).
    public static func flipHorizontally(_ batch: inout Tensor, where flips: [Bool]) {
        precondition(batch.rank == 4 && flips.count == batch.shape[0],
                     "flip: \(flips.count) flags for a batch of shape \(batch.shape)")
        let c = batch.shape[1], h = batch.shape[2], w = batch.shape[3]
        batch.withUnsafeMutableBufferPointer { data in
            for (image, flip) in flips.enumerated() where flip {
                for row in 0..<c * h {
                    let base = (image * c * h + row) * w
                    var left = base, right = base + w - 1
                    while left < right { data.swapAt(left, right); left += 1; right -= 1 }
                }
            }
        }
    }
}
