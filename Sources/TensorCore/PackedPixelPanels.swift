// Dimension legend: R rows of 8-bit pixels X[R×K], K2 = ⌈K/2⌉ depth pairs, P panels of
// `panelRows` rows (6 for the left operand, 16 for the right one).

/// 8-bit rows packed for the exact integer product `GEMM.multiplyPixels`: depth steps go in
/// pairs (two Int16 in one 32-bit word), which is what the AVX2 multiply-add of 16-bit pairs
/// (`vpmaddwd`) consumes — 16 products per instruction against the 8 of a Float FMA.
///
/// Left (op(A) = X, queries): panel q, pair p, row r at `[(q·K2 + p)·6 + r]` (one 32-bit
/// word = X[q·6 + r, 2p] | X[q·6 + r, 2p + 1] << 16). Right (op(B) = Xᵀ, bank): panel q,
/// pair p holds 32 Int16 — rows 0–7 of the panel as (X[·, 2p], X[·, 2p + 1]) pairs, then
/// rows 8–15 — at `[(q·K2 + p)·16 + j]` in 32-bit words. Rows past R and an odd K's last
/// depth step are zero.
public final class PackedPixelPanels: @unchecked Sendable {
    public let side: PackedPanels.Side
    /// K.
    public let depth: Int
    public let capacityRows: Int
    /// R, rows packed by the last `pack`.
    public private(set) var rows = 0
    /// K2.
    let pairs: Int
    let panelRows: Int
    let storage: UnsafeMutablePointer<UInt32>

    public init(side: PackedPanels.Side, capacityRows: Int, depth: Int) {
        precondition(capacityRows >= 0 && depth > 0,
                     "PackedPixelPanels needs capacityRows ≥ 0 and depth > 0, got \(capacityRows)×\(depth)")
        self.side = side
        self.capacityRows = capacityRows
        self.depth = depth
        self.pairs = (depth + 1) / 2
        self.panelRows = side == .left ? GEMM.microRows : GEMM.microColumns
        let count = max(1, GEMM.roundUp(capacityRows, to: panelRows) * pairs)
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<UInt32>.stride, alignment: 64)
            .bindMemory(to: UInt32.self, capacity: count)
    }

    public convenience init(side: PackedPanels.Side, rows: Int, depth: Int,
                            source: UnsafePointer<UInt8>, leadingDimension: Int) {
        self.init(side: side, capacityRows: rows, depth: depth)
        pack(rows: rows, source: source, leadingDimension: leadingDimension)
    }

    deinit { storage.deallocate() }

    /// Replaces the content with X[rows×K] (row stride `leadingDimension` ≥ K).
    public func pack(rows: Int, source: UnsafePointer<UInt8>, leadingDimension: Int) {
        precondition(rows >= 0 && rows <= capacityRows,
                     "PackedPixelPanels holds at most \(capacityRows) rows, asked to pack \(rows)")
        precondition(leadingDimension >= depth,
                     "PackedPixelPanels leading dimension \(leadingDimension) is below the depth K=\(depth)")
        self.rows = rows
        let k = depth, fullPairs = depth / 2
        let panels = (rows + panelRows - 1) / panelRows
        for panel in 0..<panels {
            let target = storage + panel * pairs * panelRows
            for r in 0..<panelRows {
                let row = panel * panelRows + r
                let lane = r   // word r of each pair's group
                if row >= rows {
                    for p in 0..<pairs { target[p * panelRows + lane] = 0 }
                    continue
                }
                let x = source + row * leadingDimension
                for p in 0..<fullPairs {
                    target[p * panelRows + lane] = UInt32(x[2 * p]) | UInt32(x[2 * p + 1]) << 16
                }
                if k % 2 == 1 { target[fullPairs * panelRows + lane] = UInt32(x[k - 1]) }
            }
        }
    }

    /// Panel `panel`'s K2 groups of `panelRows` words.
    @inline(__always)
    func panel(_ panel: Int) -> UnsafePointer<UInt32> {
        UnsafePointer(storage + panel * pairs * panelRows)
    }
}
