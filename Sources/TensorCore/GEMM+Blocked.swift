// The cache-blocked driver of GEMM.multiply (one thread's share of C).
//
// Dimension legend: op(A) is M×K, op(B) is K×N, C is M×N. Loops, outermost first:
//   jc: columns of C in blocks of nc  (a packed kc×nc block of op(B) stays in L3/L2)
//   pc: depth in blocks of kc         (C is updated once per depth block; beta only on the first)
//   ic: rows of C in blocks of mc     (a packed mc×kc block of op(A) stays in L2)
//   jr, ir: 16-column and 6-row register tiles (a kc×16 B micro-panel stays in L1)

extension GEMM {
    /// Cache block sizes, measured on a 2-core AMD EPYC (L1d 32 KiB, L2 1 MiB per core,
    /// L3 32 MiB): kc 512 makes a B micro-panel (kc×16, 32 KiB) stream from L2 past L1 and
    /// an A block (mc×kc, 192 KiB) stay in L2, with half the C passes of kc 256. Best of
    /// three interleaved rounds (`simlab bench gemm --blocks mc,kc,nc`) against the earlier
    /// 144/256/1024: 1 thread +19 % at n = 1024 and 2048; 2 threads +5 % at 512, +20 % at
    /// 1024, +33 % at 2048; 48 or 72 rows and kc 384/640 were no better over all sizes.
    /// mc must be a multiple of 6 and nc of 16. Variables only so that tests can shrink them.
    nonisolated(unsafe) static var blockRows = 96
    nonisolated(unsafe) static var blockDepth = 512
    nonisolated(unsafe) static var blockColumns = 1024
    /// (mc, kc, nc), settable for benchmark sweeps (`simlab bench gemm --blocks`); mc must be
    /// a multiple of 6 and nc of 16. Not for use while products run.
    public static var cacheBlocks: (rows: Int, depth: Int, columns: Int) {
        get { (blockRows, blockDepth, blockColumns) }
        set {
            precondition(newValue.rows > 0 && newValue.rows % microRows == 0 && newValue.depth > 0
                         && newValue.columns > 0 && newValue.columns % microColumns == 0,
                         "GEMM cache blocks need mc a multiple of \(microRows), kc > 0, nc a multiple of \(microColumns); got \(newValue)")
            (blockRows, blockDepth, blockColumns) = newValue
        }
    }
    /// Below this many multiply-adds (m·n·k) one thread does the whole product.
    static let parallelThreshold = 96 * 96 * 96

    static func blocked(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: Workspace
    ) {
        let mr = microRows, nr = microColumns
        let mc = min(blockRows, roundUp(m, to: mr))
        let kc = depthBlock(forDepth: k)
        let nc = min(blockColumns, roundUp(n, to: nr))
        workspace.reserve(a: mc * kc, b: kc * nc)
        let packedA = workspace.packedA, packedB = workspace.packedB

        for jc in stride(from: 0, to: n, by: nc) {
            let nb = min(nc, n - jc)
            for pc in stride(from: 0, to: k, by: kc) {
                let kb = min(kc, k - pc)
                let blockBeta: Float = pc == 0 ? beta : 1
                packB(transposed: transposeB, b: b, ldb: ldb, depthStart: pc, depth: kb,
                      columnStart: jc, columns: nb, into: packedB)
                for ic in stride(from: 0, to: m, by: mc) {
                    let mb = min(mc, m - ic)
                    packA(transposed: transposeA, a: a, lda: lda, rowStart: ic, rows: mb,
                          depthStart: pc, depth: kb, into: packedA)
                    for jr in stride(from: 0, to: nb, by: nr) {
                        let columns = min(nr, nb - jr)
                        let bPanel = packedB + (jr / nr) * kb * nr
                        for ir in stride(from: 0, to: mb, by: mr) {
                            let rows = min(mr, mb - ir)
                            let aPanel = packedA + (ir / mr) * kb * mr
                            tileKernel(depth: kb, a: aPanel, b: bPanel, c: c + (ic + ir) * ldc + jc + jr, ldc: ldc,
                                       rows: rows, columns: columns, alpha: alpha, beta: blockBeta)
                        }
                    }
                }
            }
        }
    }

    /// kc for depth k: depth blocks of equal size (≤ blockDepth), no thin last block. They
    /// depend on k only, so the summation order of every element is fixed by the shape alone.
    static func depthBlock(forDepth k: Int) -> Int {
        let depthBlocks = (k + blockDepth - 1) / blockDepth
        return (k + depthBlocks - 1) / depthBlocks
    }

    /// C = beta · C (beta == 0 writes zeros without reading C).
    static func scale(m: Int, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int, by beta: Float) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    @inline(__always)
    public static func roundUp(_ value: Int, to multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}

