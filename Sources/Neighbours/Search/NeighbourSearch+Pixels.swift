import TensorCore

// Dimension legend: N bank rows, D pixels, n queries, k neighbours, Qb query rows per
// block, Bb bank rows per block.

extension NeighbourSearch {
    /// The exact integer engine for a bank built from pixels (`bank.pixelRows`) and 8-bit
    /// queries: blocks of the same shape as `run`, but the scores come from the exact Int32
    /// product of the raw pixels (`GEMM.multiplyPixels`, twice the multiply-adds per
    /// instruction of the Float GEMM) and are finished in Double (`PixelBankRows`).
    /// `loadRow(i, row)` writes query i's D pixels into `row`.
    func runPixels(bank: FeatureBank, rowsOf pixelBank: PixelBankRows, queryCount n: Int, k: Int,
                   excluding: [Int]?, loadRow: (Int, UnsafeMutablePointer<UInt8>) -> Void)
        -> (result: NeighbourResult, profile: SearchProfile) {
        Self.checkArguments(queryCount: n, k: k, excluding: excluding)
        let d = bank.dimension
        let bankCount = bank.count
        let cosine = bank.metric == .cosine
        var result = NeighbourResult.unfilled(queryCount: n, k: k)
        guard n > 0, k > 0, bankCount > 0 else { return (result, SearchProfile()) }
        let (threads, qb, bb, blockCount) = blockLayout(queryCount: n, bankCount: bankCount)
        let chunkRows = self.chunkRows
        let squaredScale = Double(pixelBank.scale) * Double(pixelBank.scale)
        var blockProfiles = [SearchProfile](repeating: SearchProfile(), count: blockCount)

        pixelBank.pixels.withUnsafeBufferPointer { bankPixels in
        pixelBank.mean.withUnsafeBufferPointer { mean in
        pixelBank.centreDots.withUnsafeBufferPointer { centreDots in
        pixelBank.inverseNorms.withUnsafeBufferPointer { inverseNorms in
        pixelBank.squaredNorms.withUnsafeBufferPointer { squaredNorms in
        result.indices.withUnsafeMutableBufferPointer { indexOut in
        result.similarities.withUnsafeMutableBufferPointer { similarityOut in
        result.counts.withUnsafeMutableBufferPointer { countOut in
        blockProfiles.withUnsafeMutableBufferPointer { profileOut in
            Parallel.forEach(blockCount, threads: threads) { block in
                let clock = ContinuousClock()
                var gemmTime = Duration.zero, otherTime = Duration.zero
                var mark = clock.now
                func lap(_ total: inout Duration) {
                    let now = clock.now
                    total += now - mark
                    mark = now
                }
                let rows = (block * qb)..<min(n, (block + 1) * qb)
                let m = rows.count
                // Per query: cosine μ·q − μ·μ and 1/‖q − μ‖ (0 at the mean); euclidean ‖q‖² only.
                let queryOffsets = UnsafeMutablePointer<Double>.allocate(capacity: m)
                let queryInverseNorms = UnsafeMutablePointer<Double>.allocate(capacity: m)
                let products = UnsafeMutablePointer<Int32>.allocate(capacity: chunkRows * bb)  // [chunk×Bb]
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: bb)                 // [Bb]
                defer { queryOffsets.deallocate(); queryInverseNorms.deallocate(); products.deallocate(); scores.deallocate() }
                var selectors = [TopKSelector]()
                selectors.reserveCapacity(m)
                var excluded = [Int](repeating: -1, count: m)
                let packedQueries: PackedPixelPanels
                do {
                    let queryBlock = UnsafeMutablePointer<UInt8>.allocate(capacity: m * d)   // [Qb×D]
                    defer { queryBlock.deallocate() }
                    for (r, i) in rows.enumerated() {
                        let row = queryBlock + r * d
                        loadRow(i, row)
                        if cosine {
                            let (dot, inverse) = PixelBankRows.centredStatistics(UnsafePointer(row), mean: mean.baseAddress!,
                                                                                 dimension: d)
                            queryOffsets[r] = dot - pixelBank.meanSquaredNorm
                            let isMean = PixelBankRows.equalsMean(UnsafePointer(row), columnSums: pixelBank.columnSums,
                                                                  count: bankCount)
                            queryInverseNorms[r] = isMean ? 0 : inverse
                        } else {
                            queryOffsets[r] = Double(PixelBankRows.squaredNorm(UnsafePointer(row), dimension: d))
                        }
                        if let excluding { excluded[r] = excluding[i] }
                        selectors.append(TopKSelector(k: k, similarities: similarityOut.baseAddress! + i * k,
                                                      indices: indexOut.baseAddress! + i * k))
                    }
                    lap(&otherTime)
                    packedQueries = PackedPixelPanels(side: .left, rows: m, depth: d, source: queryBlock,
                                                      leadingDimension: d)
                    lap(&gemmTime)
                }
                let packedBank = PackedPixelPanels(side: .right, capacityRows: bb, depth: d)
                var start = 0
                while start < bankCount {
                    let columns = min(bb, bankCount - start)
                    lap(&otherTime)
                    packedBank.pack(rows: columns, source: bankPixels.baseAddress! + start * d, leadingDimension: d)
                    for chunkStart in stride(from: 0, to: m, by: chunkRows) {
                        let chunkEnd = min(m, chunkStart + chunkRows)
                        lap(&otherTime)
                        GEMM.multiplyPixels(packedQueries, rows: chunkStart..<chunkEnd, packedBank,
                                            c: products, ldc: columns)
                        lap(&gemmTime)
                        for r in chunkStart..<chunkEnd {
                            let dots = products + (r - chunkStart) * columns
                            let offset = queryOffsets[r]
                            if cosine {
                                let queryInverse = queryInverseNorms[r]
                                let x = centreDots.baseAddress! + start, inverse = inverseNorms.baseAddress! + start
                                for j in 0..<columns {
                                    let similarity = (Double(dots[j]) - x[j] - offset) * inverse[j] * queryInverse
                                    scores[j] = Float(max(-1, min(1, similarity)))
                                }
                            } else {
                                let norms = squaredNorms.baseAddress! + start
                                for j in 0..<columns {
                                    // −‖q − x‖² = 2 q·x − ‖x‖² − ‖q‖², exact in integers.
                                    let distance = offset + Double(norms[j]) - 2 * Double(dots[j])
                                    scores[j] = min(0, Float(-distance * squaredScale))
                                }
                            }
                            selectors[r].scan(scores: scores, offsets: nil, columns: columns, base: start,
                                              excluded: excluded[r])
                        }
                    }
                    start += columns
                }
                for (r, i) in rows.enumerated() { countOut[i] = Int32(selectors[r].count) }
                lap(&otherTime)
                profileOut[block] = SearchProfile(gemmSeconds: Self.seconds(gemmTime),
                                                  otherSeconds: Self.seconds(otherTime))
            }
        }}}}}}}}}
        return (result, SearchProfile(summing: blockProfiles))
    }
}
