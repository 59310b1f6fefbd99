import TensorCore

// Dimension legend: N bank rows, D feature dimension, C classes, n queries.

/// How two feature vectors are compared.
public enum SimilarityMetric: String, Codable, Sendable, CaseIterable {
    /// Rows are centred by the bank's mean and L2-normalised; similarity = q·x ∈ [−1, 1].
    case cosine
    /// Raw rows; similarity = −‖q − x‖² (so larger is nearer for both metrics).
    case euclidean
}

/// The labelled N×D feature matrix that queries are searched against.
///
/// Rows are stored *prepared*: for `cosine` centred by `mean` and L2-normalised (a zero
/// row stays zero and so is similar to nothing); for `euclidean` unchanged, with their
/// squared norms kept so that ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x needs only one GEMM.
/// Queries are prepared with the *bank's* mean (`prepareQuery`), never their own.
public struct FeatureBank: Sendable {
    /// N.
    public let count: Int
    /// D.
    public let dimension: Int
    /// C; every label is in 0..<C.
    public let classCount: Int
    public let metric: SimilarityMetric
    /// [N×D] prepared rows (see the type's summary).
    public private(set) var features: [Float]
    /// [N] class of each row.
    public let labels: [Int]
    /// [D] mean of the raw rows (`cosine` only; all zeros for `euclidean`).
    public private(set) var mean: [Float]
    /// ‖mean‖², the scale against which a centred row counts as zero (`normalise`).
    private(set) var meanSquaredNorm: Float = 0
    /// [N] ‖x‖² of each prepared row (`euclidean` only; empty for `cosine`).
    public private(set) var squaredNorms: [Float]
    /// The source pixels and their statistics when built from 8-bit rows (searches with
    /// pixel queries then use the exact integer product), nil otherwise.
    public private(set) var pixelRows: PixelBankRows?

    /// A bank from raw Float rows [N×D]. The array is prepared in place: no copy is made
    /// when the caller hands over its only reference (`FeatureBank(features: consume rows, …)`).
    public init(features: consuming [Float], count: Int, dimension: Int, labels: [Int], classCount: Int,
                metric: SimilarityMetric = .cosine, threads: Int? = nil) {
        var storage = features
        Self.checkArguments(featureCount: storage.count, count: count, dimension: dimension,
                            labels: labels, classCount: classCount)
        let threads = threads ?? Parallel.threadCount
        var mean = [Float](repeating: 0, count: dimension)
        var meanNorm2: Float = 0
        var norms: [Float] = []
        switch metric {
        case .cosine:
            storage.withUnsafeMutableBufferPointer { f in
                let base = f.baseAddress!
                mean = Self.columnMeans(count: count, dimension: dimension, threads: threads) { row, sums in
                    let x = base + row * dimension
                    for d in 0..<dimension { sums[d] += Double(x[d]) }
                }
                meanNorm2 = Self.squaredNorm(&mean, dimension: dimension)
                mean.withUnsafeBufferPointer { m in
                    Parallel.forEach(Self.chunkCount(count), threads: threads) { chunk in
                        for row in Self.chunkRange(chunk, count: count) {
                            let x = base + row * dimension
                            let raw = Self.squaredNorm(x, dimension: dimension)
                            for d in 0..<dimension { x[d] -= m[d] }
                            Self.normalise(x, dimension: dimension, relativeTo: raw + meanNorm2)
                        }
                    }
                }
            }
        case .euclidean:
            norms = Self.rowSquaredNorms(storage, count: count, dimension: dimension, threads: threads)
        }
        self.count = count
        self.dimension = dimension
        self.classCount = classCount
        self.metric = metric
        self.labels = labels
        self.mean = mean
        self.meanSquaredNorm = meanNorm2
        self.squaredNorms = norms
        self.features = storage
    }

    /// A bank straight from 8-bit pixel rows [N×D], each scaled by `scale` (default 1/255).
    /// Only the final N×D Float matrix is allocated.
    public init(pixels: [UInt8], count: Int, dimension: Int, labels: [Int], classCount: Int,
                metric: SimilarityMetric = .cosine, scale: Float = 1.0 / 255.0, threads: Int? = nil) {
        Self.checkArguments(featureCount: pixels.count, count: count, dimension: dimension,
                            labels: labels, classCount: classCount)
        self.count = count
        self.dimension = dimension
        self.classCount = classCount
        self.metric = metric
        self.labels = labels
        self.mean = [Float](repeating: 0, count: dimension)
        self.squaredNorms = []
        let threads = threads ?? Parallel.threadCount
        precondition(dimension <= GEMM.maximumPixelDepth,
                     "FeatureBank pixel rows support D ≤ \(GEMM.maximumPixelDepth), got \(dimension)")
        var columnSums: [UInt64]? = nil
        if metric == .cosine {
            let sums = Self.pixelColumnSums(pixels, count: count, dimension: dimension, threads: threads)
            columnSums = sums
            mean = sums.map { count > 0 ? Float(Double($0) / Double(count)) * scale : 0 }
        }
        pixelRows = PixelBankRows(pixels: pixels, count: count, dimension: dimension, scale: scale,
                                  metric: metric, columnSums: columnSums, threads: threads)
        meanSquaredNorm = Self.squaredNorm(&mean, dimension: dimension)
        let mean = self.mean, meanNorm2 = meanSquaredNorm
        let centre = metric == .cosine
        features = [Float](unsafeUninitializedCapacity: count * dimension) { out, initialised in
            let outBase = out.baseAddress
            pixels.withUnsafeBufferPointer { p in
                mean.withUnsafeBufferPointer { m in
                    Parallel.forEach(Self.chunkCount(count), threads: threads) { chunk in
                        for row in Self.chunkRange(chunk, count: count) {
                            let x = outBase! + row * dimension
                            let source = p.baseAddress! + row * dimension
                            var raw: Float = 0
                            for d in 0..<dimension {
                                let value = Float(source[d]) * scale
                                raw += value * value
                                x[d] = value - m[d]
                            }
                            if centre { Self.normalise(x, dimension: dimension, relativeTo: raw + meanNorm2) }
                        }
                    }
                }
            }
            initialised = count * dimension
        }
        if metric == .euclidean {
            squaredNorms = Self.rowSquaredNorms(features, count: count, dimension: dimension,
                                                threads: threads)
        }
    }

    /// Prepares one raw query row [D] in place like the bank's rows (centred by the bank's
    /// mean and normalised for `cosine`). Returns ‖q‖² after preparation.
    @inline(__always)
    public func prepareQuery(_ row: UnsafeMutablePointer<Float>) -> Float {
        switch metric {
        case .cosine:
            let raw = Self.squaredNorm(row, dimension: dimension)
            mean.withUnsafeBufferPointer { m in
                for d in 0..<dimension { row[d] -= m[d] }
            }
            return Self.normalise(row, dimension: dimension, relativeTo: raw + meanSquaredNorm)
        case .euclidean:
            return Self.squaredNorm(row, dimension: dimension)
        }
    }

    /// Prepared copy of raw query rows [n×D] (convenience for tests and small inputs).
    public func preparedQueries(_ queries: [Float]) -> [Float] {
        precondition(queries.count % max(1, dimension) == 0,
                     "queries hold \(queries.count) scalars, not a multiple of D=\(dimension)")
        var prepared = queries
        prepared.withUnsafeMutableBufferPointer { q in
            for row in 0..<(dimension == 0 ? 0 : queries.count / dimension) {
                _ = prepareQuery(q.baseAddress! + row * dimension)
            }
        }
        return prepared
    }

    // MARK: - Helpers

    static func checkArguments(featureCount: Int, count: Int, dimension: Int, labels: [Int],
                               classCount: Int) {
        precondition(count >= 0 && dimension > 0, "FeatureBank needs N ≥ 0 and D > 0, got N=\(count) D=\(dimension)")
        precondition(featureCount == count * dimension,
                     "FeatureBank N×D = \(count)×\(dimension) needs \(count * dimension) scalars, got \(featureCount)")
        precondition(labels.count == count, "FeatureBank has N=\(count) rows but \(labels.count) labels")
        precondition(classCount > 0, "FeatureBank needs classCount > 0, got \(classCount)")
        if let bad = labels.first(where: { $0 < 0 || $0 >= classCount }) {
            preconditionFailure("FeatureBank label \(bad) outside 0..<\(classCount)")
        }
    }

    /// A fixed number of row chunks (independent of the thread count, so sums are too).
    static func chunkCount(_ count: Int) -> Int { max(1, min(64, count / 256)) }

    static func chunkRange(_ chunk: Int, count: Int) -> Range<Int> {
        let chunks = chunkCount(count)
        return (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
    }

    /// Column means in Double: per-chunk partial sums, added in chunk order.
    static func columnMeans(count: Int, dimension: Int, threads: Int,
                            addRow: (Int, UnsafeMutablePointer<Double>) -> Void) -> [Float] {
        guard count > 0 else { return [Float](repeating: 0, count: dimension) }
        let chunks = chunkCount(count)
        var partials = [Double](repeating: 0, count: chunks * dimension)
        partials.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            Parallel.forEach(chunks, threads: threads) { chunk in
                for row in chunkRange(chunk, count: count) { addRow(row, base + chunk * dimension) }
            }
        }
        var means = [Float](repeating: 0, count: dimension)
        for d in 0..<dimension {
            var sum = 0.0
            for chunk in 0..<chunks { sum += partials[chunk * dimension + d] }
            means[d] = Float(sum / Double(count))
        }
        return means
    }

    /// Column sums of 8-bit rows [N×D], exact: integer sums per chunk (UInt32 cannot
    /// overflow below 16 million rows), so they do not depend on the chunking or the thread
    /// count, and the inner loop is a vectorised byte widening add.
    static func pixelColumnSums(_ pixels: [UInt8], count: Int, dimension: Int, threads: Int) -> [UInt64] {
        guard count > 0 else { return [UInt64](repeating: 0, count: dimension) }
        precondition(count < 16_000_000, "FeatureBank pixel means support fewer than 16M rows, got N=\(count)")
        let chunks = chunkCount(count)
        var partials = [UInt32](repeating: 0, count: chunks * dimension)
        partials.withUnsafeMutableBufferPointer { sums in
            pixels.withUnsafeBufferPointer { p in
                let sumBase = sums.baseAddress!, pixelBase = p.baseAddress!
                Parallel.forEach(chunks, threads: threads) { chunk in
                    let target = sumBase + chunk * dimension
                    for row in chunkRange(chunk, count: count) {
                        let source = pixelBase + row * dimension
                        for d in 0..<dimension { target[d] &+= UInt32(source[d]) }
                    }
                }
            }
        }
        var sums = [UInt64](repeating: 0, count: dimension)
        for d in 0..<dimension {
            for chunk in 0..<chunks { sums[d] += UInt64(partials[chunk * dimension + d]) }
        }
        return sums
    }

    static func rowSquaredNorms(_ features: [Float], count: Int, dimension: Int, threads: Int) -> [Float] {
        var norms = [Float](repeating: 0, count: count)
        norms.withUnsafeMutableBufferPointer { n in
            features.withUnsafeBufferPointer { f in
                Parallel.forEach(chunkCount(count), threads: threads) { chunk in
                    for row in chunkRange(chunk, count: count) {
                        n[row] = squaredNorm(UnsafeMutablePointer(mutating: f.baseAddress! + row * dimension),
                                             dimension: dimension)
                    }
                }
            }
        }
        return norms
    }

    @inline(__always)
    static func squaredNorm(_ x: UnsafeMutablePointer<Float>, dimension: Int) -> Float {
        var acc = SIMD8<Float>()
        var d = 0
        while d + 8 <= dimension {
            let v = UnsafeRawPointer(x + d).loadUnaligned(as: SIMD8<Float>.self)
            acc.addProduct(v, v)
            d += 8
        }
        var sum = acc.sum()
        while d < dimension { sum += x[d] * x[d]; d += 1 }
        return sum
    }

    /// Scales x to unit norm; a zero row is set to exactly zero. Returns ‖x‖². A centred row
    /// whose ‖x‖² is below 1e-10 of `reference` (‖raw row‖² + ‖mean‖²) is zero too: it is the
    /// mean up to Float rounding (≈ 1e-15 of that), which normalising would blow up to a
    /// unit vector of noise.
    @discardableResult @inline(__always)
    static func normalise(_ x: UnsafeMutablePointer<Float>, dimension: Int, relativeTo reference: Float = 0) -> Float {
        let norm2 = squaredNorm(x, dimension: dimension)
        if norm2 > max(1e-30, 1e-10 * reference) {
            let inverse = 1 / norm2.squareRoot()
            for d in 0..<dimension { x[d] *= inverse }
            return squaredNorm(x, dimension: dimension)
        }
        for d in 0..<dimension { x[d] = 0 }
        return 0
    }
}
