import TensorCore

// Dimension legend: N bank rows, D pixels per row.

/// What the exact integer search needs of a bank built from 8-bit pixels: the pixels
/// themselves and per-row statistics in pixel units (Double), so that
///
///     cosine:     (q − μ)·(x − μ) / (‖q − μ‖‖x − μ‖) = (q·x − μ·x − μ·q + μ·μ) · (1/‖x − μ‖) · (1/‖q − μ‖)
///     euclidean:  −‖q − x‖² · scale² = −(‖q‖² + ‖x‖² − 2 q·x) · scale²
///
/// follow from the exact Int32 dot product q·x of the raw pixels (`GEMM.multiplyPixels`).
/// Cosine is scale-invariant, so μ is the exact pixel mean (column sum / N). Rows within
/// ~1e-4 of the mean would lose digits to cancellation in that expanded form, so cosine
/// scores are clamped to [−1, 1] (real images are hundreds of pixel units from the mean).
public struct PixelBankRows: Sendable {
    /// [N×D] the bank's pixels.
    public let pixels: [UInt8]
    /// The scale the bank applied to its pixels (queries must use the same).
    public let scale: Float
    /// [D] μ in pixel units (cosine; zeros for euclidean).
    let mean: [Double]
    /// [D] S, the exact column sums (cosine; empty for euclidean): μ = S / N.
    let columnSums: [UInt64]
    /// μ·μ.
    let meanSquaredNorm: Double
    /// [N] μ·x (cosine).
    let centreDots: [Double]
    /// [N] 1/‖x − μ‖, 0 for a row equal to the mean (cosine).
    let inverseNorms: [Double]
    /// [N] ‖x‖² in pixel units, exact (euclidean).
    let squaredNorms: [Int32]

    init(pixels: [UInt8], count: Int, dimension: Int, scale: Float, metric: SimilarityMetric,
         columnSums: [UInt64]?, threads: Int) {
        self.pixels = pixels
        self.scale = scale
        var mean = [Double](repeating: 0, count: dimension)
        if metric == .cosine, let columnSums, count > 0 {
            mean = columnSums.map { Double($0) / Double(count) }
        }
        self.mean = mean
        self.columnSums = metric == .cosine ? (columnSums ?? []) : []
        meanSquaredNorm = mean.reduce(0) { $0 + $1 * $1 }
        var centreDots = [Double](), inverseNorms = [Double](), squaredNorms = [Int32]()
        switch metric {
        case .cosine:
            centreDots = [Double](repeating: 0, count: count)
            inverseNorms = [Double](repeating: 0, count: count)
            centreDots.withUnsafeMutableBufferPointer { dots in
                inverseNorms.withUnsafeMutableBufferPointer { inverses in
                    pixels.withUnsafeBufferPointer { p in
                        mean.withUnsafeBufferPointer { m in
                            Parallel.forEach(FeatureBank.chunkCount(count), threads: threads) { chunk in
                                for row in FeatureBank.chunkRange(chunk, count: count) {
                                    let x = p.baseAddress! + row * dimension
                                    (dots[row], inverses[row]) = Self.centredStatistics(x, mean: m.baseAddress!,
                                                                                        dimension: dimension)
                                    if let columnSums, Self.equalsMean(x, columnSums: columnSums, count: count) {
                                        inverses[row] = 0
                                    }
                                }
                            }
                        }
                    }
                }
            }
        case .euclidean:
            squaredNorms = [Int32](repeating: 0, count: count)
            squaredNorms.withUnsafeMutableBufferPointer { norms in
                pixels.withUnsafeBufferPointer { p in
                    Parallel.forEach(FeatureBank.chunkCount(count), threads: threads) { chunk in
                        for row in FeatureBank.chunkRange(chunk, count: count) {
                            norms[row] = Self.squaredNorm(p.baseAddress! + row * dimension, dimension: dimension)
                        }
                    }
                }
            }
        }
        self.centreDots = centreDots
        self.inverseNorms = inverseNorms
        self.squaredNorms = squaredNorms
    }

    /// (μ·x, 1/‖x − μ‖) of one pixel row; 1/‖x − μ‖ is 0 when the row is the mean up to
    /// rounding (the exact test is `equalsMean`; a centred row that is not the mean has
    /// ‖x − μ‖² ≥ 1/N², far above this threshold for any N below 16 million).
    @inline(__always)
    static func centredStatistics(_ x: UnsafePointer<UInt8>, mean: UnsafePointer<Double>,
                                  dimension: Int) -> (Double, Double) {
        var dot = 0.0, norm2 = 0.0
        for d in 0..<dimension {
            let value = Double(x[d])
            dot += mean[d] * value
            let centred = value - mean[d]
            norm2 += centred * centred
        }
        return (dot, norm2 > 1e-20 ? 1 / norm2.squareRoot() : 0)
    }

    /// True when N·x = S (the column sums) in every column: the row is exactly the mean, so
    /// its centred row is zero and it is similar to nothing (as on the Float path).
    static func equalsMean(_ x: UnsafePointer<UInt8>, columnSums: [UInt64], count: Int) -> Bool {
        for d in 0..<columnSums.count where UInt64(x[d]) * UInt64(count) != columnSums[d] { return false }
        return true
    }

    /// ‖x‖² of one pixel row, exact (D ≤ `GEMM.maximumPixelDepth`).
    @inline(__always)
    static func squaredNorm(_ x: UnsafePointer<UInt8>, dimension: Int) -> Int32 {
        var sum: Int32 = 0
        for d in 0..<dimension { sum &+= Int32(x[d]) * Int32(x[d]) }
        return sum
    }
}
