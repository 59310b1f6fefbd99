import TensorCore

// Dimension legend: N bank rows, D features, n queries, k neighbours,
// Qb query rows per block, Bb bank rows per block.

/// Where the time of one search went, summed over threads (thread-seconds).
public struct SearchProfile: Sendable {
    public var gemmSeconds: Double = 0
    /// Top-k selection plus query preparation.
    public var otherSeconds: Double = 0

    public init(gemmSeconds: Double = 0, otherSeconds: Double = 0) {
        self.gemmSeconds = gemmSeconds
        self.otherSeconds = otherSeconds
    }

    /// The sum of per-block profiles.
    init(summing blocks: [SearchProfile]) {
        self.init(gemmSeconds: blocks.reduce(0) { $0 + $1.gemmSeconds },
                  otherSeconds: blocks.reduce(0) { $0 + $1.otherSeconds })
    }
    public var gemmShare: Double {
        let total = gemmSeconds + otherSeconds
        return total > 0 ? gemmSeconds / total : 0
    }
}

/// Exact top-k search of query rows against a `FeatureBank`.
///
/// Scores come block by block from one GEMM, Q[Qb×D] · B[Bb×D]ᵀ → S[Qb×Bb], and each row of
/// S is folded at once into its query's bounded top-k (`TopKSelector`), so memory is
/// O(threads·Qb·Bb) whatever N and n are — never an n×N matrix. Query blocks run in
/// parallel; a query's result does not depend on the thread count or the block sizes.
public struct NeighbourSearch: Sendable {
    /// Qb: queries per block (one block per task).
    public var queryBlockRows: Int
    /// Bb: bank rows per GEMM.
    public var bankBlockRows: Int
    /// Queries per GEMM call (a multiple of the micro-kernel's 6 rows).
    public var chunkRows: Int
    /// nil → `Parallel.threadCount`.
    public var threads: Int?

    public static let `default` = NeighbourSearch()

    /// Each of a block's Qb queries is packed once for the whole bank and each Bb-row bank
    /// block once per query block (`PackedPanels`), so packing is a small cost; scores are
    /// made `chunkRows` queries at a time, so the chunk×Bb score block and the chunk's packed
    /// queries stay in L2 while the bank block streams past them. Against the earlier
    /// per-block `GEMM.multiply` (which packed both operands on every call) this took
    /// 10,000 × 60,000 × 784 from 5.5–5.9 s to 4.6–5.1 s on 2 threads; Bb 256–1536 and
    /// chunks of 48–240 rows are within the machine's noise of each other
    /// (`simlab bench knn --bank-block … --chunk …`).
    public init(queryBlockRows: Int = 4096, bankBlockRows: Int = 768, chunkRows: Int = 96, threads: Int? = nil) {
        precondition(queryBlockRows > 0 && bankBlockRows > 0 && chunkRows > 0 && chunkRows % 6 == 0,
                     "NeighbourSearch block sizes must be positive and the chunk a multiple of 6, got Qb=\(queryBlockRows) Bb=\(bankBlockRows) chunk=\(chunkRows)")
        self.chunkRows = chunkRows
        self.queryBlockRows = queryBlockRows
        self.bankBlockRows = bankBlockRows
        self.threads = threads
    }

    /// Top-k of raw Float query rows [n×D] (prepared with the bank's mean here).
    /// `excluding[i]` (−1 for none) is a bank row query i must not return.
    public func search(_ queries: [Float], in bank: FeatureBank, k: Int,
                       excluding: [Int]? = nil) -> NeighbourResult {
        searchProfiled(queries, in: bank, k: k, excluding: excluding).result
    }

    public func searchProfiled(_ queries: [Float], in bank: FeatureBank, k: Int,
                               excluding: [Int]? = nil) -> (result: NeighbourResult, profile: SearchProfile) {
        let d = bank.dimension
        precondition(queries.count % d == 0,
                     "queries hold \(queries.count) scalars, not a multiple of the bank's D=\(d)")
        return queries.withUnsafeBufferPointer { q in
            run(bank: bank, queryCount: queries.count / d, k: k, excluding: excluding, prepared: false) { i, row in
                row.update(from: q.baseAddress! + i * d, count: d)
            }
        }
    }

    /// Top-k of 8-bit pixel query rows [n×D], each scaled by `scale` like the bank's pixels.
    public func search(pixels: [UInt8], scale: Float = 1.0 / 255.0, in bank: FeatureBank, k: Int,
                       excluding: [Int]? = nil) -> NeighbourResult {
        searchProfiled(pixels: pixels, scale: scale, in: bank, k: k, excluding: excluding).result
    }

    public func searchProfiled(pixels: [UInt8], scale: Float = 1.0 / 255.0, in bank: FeatureBank, k: Int,
                               excluding: [Int]? = nil) -> (result: NeighbourResult, profile: SearchProfile) {
        let d = bank.dimension
        precondition(pixels.count % d == 0,
                     "pixel queries hold \(pixels.count) bytes, not a multiple of the bank's D=\(d)")
        if let pixelBank = bank.pixelRows, pixelBank.scale == scale {
            return pixels.withUnsafeBufferPointer { p in
                runPixels(bank: bank, rowsOf: pixelBank, queryCount: pixels.count / d, k: k, excluding: excluding) { i, row in
                    row.update(from: p.baseAddress! + i * d, count: d)
                }
            }
        }
        return pixels.withUnsafeBufferPointer { p in
            run(bank: bank, queryCount: pixels.count / d, k: k, excluding: excluding, prepared: false) { i, row in
                let source = p.baseAddress! + i * d
                for j in 0..<d { row[j] = Float(source[j]) * scale }
            }
        }
    }

    /// Top-k of the bank's own rows `rows` (training queries); each excludes itself, so a
    /// duplicate of the row is still found but the row never is.
    public func searchBankRows(_ rows: [Int], in bank: FeatureBank, k: Int) -> NeighbourResult {
        for row in rows {
            precondition(row >= 0 && row < bank.count, "bank row \(row) outside 0..<\(bank.count)")
        }
        let d = bank.dimension
        if let pixelBank = bank.pixelRows {
            return pixelBank.pixels.withUnsafeBufferPointer { p in
                runPixels(bank: bank, rowsOf: pixelBank, queryCount: rows.count, k: k, excluding: rows) { i, row in
                    row.update(from: p.baseAddress! + rows[i] * d, count: d)
                }.result
            }
        }
        return bank.features.withUnsafeBufferPointer { f in
            run(bank: bank, queryCount: rows.count, k: k, excluding: rows, prepared: true) { i, row in
                row.update(from: f.baseAddress! + rows[i] * d, count: d)
            }.result
        }
    }

    /// The engine: `loadRow(i, row)` writes query i's D values into `row`; `prepared` says
    /// they are already in the bank's space (bank rows).
    func run(bank: FeatureBank, queryCount n: Int, k: Int, excluding: [Int]?, prepared: Bool,
             loadRow: (Int, UnsafeMutablePointer<Float>) -> Void) -> (result: NeighbourResult, profile: SearchProfile) {
        Self.checkArguments(queryCount: n, k: k, excluding: excluding)
        let d = bank.dimension
        let bankCount = bank.count
        let euclidean = bank.metric == .euclidean
        var result = NeighbourResult.unfilled(queryCount: n, k: k)
        guard n > 0, k > 0, bankCount > 0 else { return (result, SearchProfile()) }
        let (threads, qb, bb, blockCount) = blockLayout(queryCount: n, bankCount: bankCount)
        let chunkRows = self.chunkRows
        var blockProfiles = [SearchProfile](repeating: SearchProfile(), count: blockCount)

        bank.features.withUnsafeBufferPointer { f in
        bank.squaredNorms.withUnsafeBufferPointer { norms in
        result.indices.withUnsafeMutableBufferPointer { indexOut in
        result.similarities.withUnsafeMutableBufferPointer { similarityOut in
        result.counts.withUnsafeMutableBufferPointer { countOut in
        blockProfiles.withUnsafeMutableBufferPointer { profileOut in
            let bankBase = f.baseAddress!
            let normBase = norms.baseAddress
            Parallel.forEach(blockCount, threads: threads) { block in
                let clock = ContinuousClock()
                var gemmTime = Duration.zero
                var otherTime = Duration.zero
                var mark = clock.now
                let rows = (block * qb)..<min(n, (block + 1) * qb)
                let m = rows.count
                let queryNorms = UnsafeMutablePointer<Float>.allocate(capacity: m)        // [Qb]
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: chunkRows * bb)  // [chunk×Bb]
                defer { queryNorms.deallocate(); scores.deallocate() }
                var selectors = [TopKSelector]()
                selectors.reserveCapacity(m)
                var excluded = [Int](repeating: -1, count: m)
                // The block's queries are packed once for every bank block, each bank block
                // once for all of the block's queries.
                let packedQueries: PackedPanels
                do {
                    let queryBlock = UnsafeMutablePointer<Float>.allocate(capacity: m * d)  // [Qb×D]
                    defer { queryBlock.deallocate() }
                    for (r, i) in rows.enumerated() {
                        let row = queryBlock + r * d
                        loadRow(i, row)
                        if prepared {
                            queryNorms[r] = euclidean ? FeatureBank.squaredNorm(row, dimension: d) : 1
                        } else {
                            queryNorms[r] = bank.prepareQuery(row)
                        }
                        if let excluding { excluded[r] = excluding[i] }
                        selectors.append(TopKSelector(k: k, similarities: similarityOut.baseAddress! + i * k,
                                                      indices: indexOut.baseAddress! + i * k))
                    }
                    var now = clock.now
                    otherTime += now - mark
                    mark = now
                    packedQueries = PackedPanels(side: .left, rows: m, depth: d, source: queryBlock,
                                                 leadingDimension: d)
                    now = clock.now
                    gemmTime += now - mark
                    mark = now
                }
                let packedBank = PackedPanels(side: .right, capacityRows: bb, depth: d)
                var start = 0
                while start < bankCount {
                    let columns = min(bb, bankCount - start)
                    var now = clock.now
                    otherTime += now - mark
                    mark = now
                    packedBank.pack(rows: columns, source: bankBase + start * d, leadingDimension: d)
                    now = clock.now
                    gemmTime += now - mark
                    mark = now
                    let offsets = euclidean ? UnsafePointer(normBase! + start) : nil
                    for chunkStart in stride(from: 0, to: m, by: chunkRows) {
                        let chunkEnd = min(m, chunkStart + chunkRows)
                        now = clock.now
                        otherTime += now - mark
                        mark = now
                        // S = alpha · Q · Bᵀ; euclidean: alpha = 2 and the scan subtracts ‖x‖²,
                        // so S − ‖x‖² = −‖q − x‖² + ‖q‖² ranks like −distance².
                        GEMM.multiplyPacked(packedQueries, rows: chunkStart..<chunkEnd, packedBank,
                                            alpha: euclidean ? 2 : 1, beta: 0, c: scores, ldc: columns)
                        now = clock.now
                        gemmTime += now - mark
                        mark = now
                        for r in chunkStart..<chunkEnd {
                            selectors[r].scan(scores: scores + (r - chunkStart) * columns, offsets: offsets,
                                              columns: columns, base: start, excluded: excluded[r])
                        }
                    }
                    start += columns
                }
                for (r, i) in rows.enumerated() {
                    let held = selectors[r].count
                    countOut[i] = Int32(held)
                    if euclidean {
                        // −‖q − x‖² = (2q·x − ‖x‖²) − ‖q‖², never above 0.
                        for j in 0..<held {
                            similarityOut[i * k + j] = min(0, similarityOut[i * k + j] - queryNorms[r])
                        }
                    }
                }
                otherTime += clock.now - mark
                profileOut[block] = SearchProfile(gemmSeconds: Self.seconds(gemmTime),
                                                  otherSeconds: Self.seconds(otherTime))
            }
        }}}}}}
        return (result, SearchProfile(summing: blockProfiles))
    }

    static func checkArguments(queryCount n: Int, k: Int, excluding: [Int]?) {
        precondition(k >= 0, "k must be non-negative, got \(k)")
        if let excluding {
            precondition(excluding.count == n, "excluding has \(excluding.count) entries for n=\(n) queries")
        }
    }

    /// How n queries split into blocks: a multiple of the thread count of blocks of at most
    /// Qb queries, so that every thread gets an equal share (a query's result does not
    /// depend on it), and Bb-row bank blocks.
    func blockLayout(queryCount n: Int, bankCount: Int)
        -> (threads: Int, queriesPerBlock: Int, bankRowsPerBlock: Int, blockCount: Int) {
        let threads = max(1, self.threads ?? Parallel.threadCount)
        let rounds = max(1, (n + threads * queryBlockRows - 1) / (threads * queryBlockRows))
        let qb = max(1, (n + threads * rounds - 1) / (threads * rounds))
        return (threads, qb, min(bankBlockRows, bankCount), (n + qb - 1) / qb)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
