// Dimension legend: R rows of a row-major matrix X[R×K], K its depth (columns), kc the
// depth of one cache block (the same split `GEMM.multiply` uses for this K), P panels of
// `panelRows` rows (6 for the left operand, 16 for the right one).

/// A matrix X[R×K] packed once into the GEMM micro-kernel's panels, for products that
/// reuse it many times: as the left operand op(A) = X (panels of 6 rows) or as the right
/// operand op(B) = Xᵀ (panels of 16 rows), see `GEMM.multiplyPacked`.
///
/// Layout: depth blocks one after another, block `[p0, p0 + kb)` starting at
/// `p0 · P · panelRows`; inside it, panel q holds `kb × panelRows` values
/// `[q·kb·panelRows + p·panelRows + r] = X[q·panelRows + r, p0 + p]`, rows past R zero.
/// This is exactly what `multiply` packs on the fly, so a product of packed operands
/// has the same bits as `multiply` on the unpacked matrices.
public final class PackedPanels: @unchecked Sendable {
    public enum Side: Sendable {
        /// op(A) = X: panels of `GEMM.microRows` rows.
        case left
        /// op(B) = Xᵀ: panels of `GEMM.microColumns` rows.
        case right
    }

    public let side: Side
    /// K.
    public let depth: Int
    /// The most rows `pack` accepts (the buffer is sized for them).
    public let capacityRows: Int
    /// R: rows packed by the last `pack` (0 before).
    public private(set) var rows = 0
    /// kc: rows of every depth block but the last, as in `GEMM.multiply` for this K.
    let depthBlock: Int
    let panelRows: Int
    let storage: UnsafeMutablePointer<Float>

    /// An empty buffer for up to `capacityRows` rows of depth `depth`.
    public init(side: Side, capacityRows: Int, depth: Int) {
        precondition(capacityRows >= 0 && depth > 0,
                     "PackedPanels needs capacityRows ≥ 0 and depth > 0, got \(capacityRows)×\(depth)")
        self.side = side
        self.capacityRows = capacityRows
        self.depth = depth
        self.depthBlock = GEMM.depthBlock(forDepth: depth)
        self.panelRows = side == .left ? GEMM.microRows : GEMM.microColumns
        let count = max(1, GEMM.roundUp(capacityRows, to: panelRows) * depth)
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    /// Packs X[rows×K] (row stride `leadingDimension`) at once.
    public convenience init(side: Side, rows: Int, depth: Int,
                            source: UnsafePointer<Float>, leadingDimension: Int) {
        self.init(side: side, capacityRows: rows, depth: depth)
        pack(rows: rows, source: source, leadingDimension: leadingDimension)
    }

    deinit { storage.deallocate() }

    /// Replaces the content with X[rows×K] (row stride `leadingDimension` ≥ K).
    public func pack(rows: Int, source: UnsafePointer<Float>, leadingDimension: Int) {
        precondition(rows >= 0 && rows <= capacityRows,
                     "PackedPanels holds at most \(capacityRows) rows, asked to pack \(rows)")
        precondition(leadingDimension >= depth,
                     "PackedPanels leading dimension \(leadingDimension) is below the depth K=\(depth)")
        self.rows = rows
        let panels = panelCount
        var p0 = 0
        while p0 < depth {
            let kb = min(depthBlock, depth - p0)
            let block = storage + p0 * panels * panelRows
            switch side {
            case .left:
                GEMM.packA(transposed: false, a: source, lda: leadingDimension, rowStart: 0, rows: rows,
                           depthStart: p0, depth: kb, into: block)
            case .right:
                GEMM.packB(transposed: true, b: source, ldb: leadingDimension, depthStart: p0, depth: kb,
                           columnStart: 0, columns: rows, into: block)
            }
            p0 += kb
        }
    }

    /// P = ⌈R / panelRows⌉.
    var panelCount: Int { (rows + panelRows - 1) / panelRows }

    /// Panel `panel` of the depth block starting at `p0` (of depth `kb`).
    @inline(__always)
    func panel(_ panel: Int, depthStart p0: Int, depth kb: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage + p0 * panelCount * panelRows + panel * kb * panelRows)
    }
}
