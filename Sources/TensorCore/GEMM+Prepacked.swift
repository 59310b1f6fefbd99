// Products of operands packed once (`PackedPanels`), for callers that multiply the same
// rows many times (a kNN search multiplies every query block by every bank block).
//
// Dimension legend: A[M×K] packed as the left operand, B[N×K] packed as the right one
// (op(B) = Bᵀ), C[M×N]; a row range of A is multiplied at a time.

extension GEMM {
    /// C[rows.count × N] = alpha · A[rows, :] · Bᵀ + beta · C, one thread.
    ///
    /// `rows.lowerBound` must be a multiple of 6 (a panel boundary of A). Row r of C is
    /// row `rows.lowerBound + r` of the product. Every element gets the arithmetic that
    /// `multiply(transposeB: true, …)` gives it on the unpacked matrices, bit for bit.
    /// `beta == 0` overwrites C without reading it.
    public static func multiplyPacked(
        _ a: PackedPanels, rows: Range<Int>, _ b: PackedPanels,
        alpha: Float = 1, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(a.side == .left && b.side == .right,
                     "multiplyPacked needs a left and a right operand, got \(a.side) and \(b.side)")
        precondition(a.depth == b.depth, "multiplyPacked depths differ: A has K=\(a.depth), B has K=\(b.depth)")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= a.rows && rows.lowerBound % microRows == 0,
                     "multiplyPacked rows \(rows) must lie in 0..<\(a.rows) and start on a multiple of \(microRows)")
        precondition(ldc >= max(1, b.rows), "multiplyPacked ldc=\(ldc) too small for N=\(b.rows)")
        let n = b.rows, k = a.depth, kc = a.depthBlock
        if rows.isEmpty || n == 0 { return }
        let mr = microRows, nr = microColumns
        let firstPanel = rows.lowerBound / mr
        var p0 = 0
        while p0 < k {
            let kb = min(kc, k - p0)
            let blockBeta: Float = p0 == 0 ? beta : 1
            for jr in stride(from: 0, to: n, by: nr) {
                let columns = min(nr, n - jr)
                let bPanel = b.panel(jr / nr, depthStart: p0, depth: kb)
                for ir in stride(from: 0, to: rows.count, by: mr) {
                    let tileRows = min(mr, rows.count - ir)
                    let aPanel = a.panel(firstPanel + ir / mr, depthStart: p0, depth: kb)
                    tileKernel(depth: kb, a: aPanel, b: bPanel, c: c + ir * ldc + jr, ldc: ldc,
                               rows: tileRows, columns: columns, alpha: alpha, beta: blockBeta)
                }
            }
            p0 += kb
        }
    }
}
