/// Single-precision matrix multiply, row-major:
///
///     C[M×N] = alpha · op(A) · op(B) + beta · C
///
/// op(A) is M×K (A is stored M×K, or K×M when `transposeA`), op(B) is K×N (B is stored
/// K×N, or N×K when `transposeB`). Leading dimensions are row strides in elements.
/// `beta == 0` overwrites C without reading it (C may hold NaNs).
///
/// `multiply` packs blocks of op(A) and op(B) into contiguous panels and runs a 6×16
/// register-blocked SIMD8 micro-kernel over them (GEMM+Blocked.swift, GEMM+Packing.swift,
/// GEMM+MicroKernel.swift). With `threads > 1` the columns (or, for tall C, the rows) of C
/// are split among threads. Every element of C is computed by the same sequence of
/// operations whatever the split, so results are bit-identical for any `threads` value
/// and run to run; they differ from `naive` only by Float rounding.
public enum GEMM {
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int? = nil
    ) {
        checkArguments(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                       lda: lda, ldb: ldb, ldc: ldc)
        if m == 0 || n == 0 { return }
        if k == 0 {
            scale(m: m, n: n, c: c, ldc: ldc, by: beta)
            return
        }
        // Every element of C gets the same arithmetic whichever thread computes its tile,
        // so the result does not depend on `threads` at all (nor on scheduling).
        let threads = max(1, threads ?? Parallel.threadCount)
        let parts = m * n * k < parallelThreshold ? 1 : threads
        let splitColumns = n >= m
        let tileCount = splitColumns ? (n + microColumns - 1) / microColumns : (m + microRows - 1) / microRows
        let ranges = Parallel.ranges(tileCount, parts: parts)
        Parallel.forEach(ranges.count, threads: threads) { part in
            let workspace = workspaces.take()
            defer { workspaces.give(workspace) }
            if splitColumns {
                let j0 = ranges[part].lowerBound * microColumns
                let j1 = min(n, ranges[part].upperBound * microColumns)
                blocked(transposeA: transposeA, transposeB: transposeB, m: m, n: j1 - j0, k: k, alpha: alpha,
                        a: a, lda: lda, b: transposeB ? b + j0 * ldb : b + j0, ldb: ldb,
                        beta: beta, c: c + j0, ldc: ldc, workspace: workspace)
            } else {
                let i0 = ranges[part].lowerBound * microRows
                let i1 = min(m, ranges[part].upperBound * microRows)
                blocked(transposeA: transposeA, transposeB: transposeB, m: i1 - i0, n: n, k: k, alpha: alpha,
                        a: transposeA ? a + i0 : a + i0 * lda, lda: lda, b: b, ldb: ldb,
                        beta: beta, c: c + i0 * ldc, ldc: ldc, workspace: workspace)
            }
        }
    }

    /// The reference twin: three loops with Double accumulation. Test oracle only.
    public static func naive(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        checkArguments(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                       lda: lda, ldb: ldb, ldc: ldc)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let aValue = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(aValue) * Double(bValue)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + previous)
            }
        }
    }

    static func checkArguments(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                               lda: Int, ldb: Int, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must be non-negative: m=\(m) n=\(n) k=\(k)")
        precondition(lda >= max(1, transposeA ? m : k),
                     "GEMM lda=\(lda) too small for A \(transposeA ? "K×M" : "M×K") with m=\(m) k=\(k)")
        precondition(ldb >= max(1, transposeB ? k : n),
                     "GEMM ldb=\(ldb) too small for B \(transposeB ? "N×K" : "K×N") with k=\(k) n=\(n)")
        precondition(ldc >= max(1, n), "GEMM ldc=\(ldc) too small for C M×N with n=\(n)")
    }
}

extension GEMM {
    /// Tensor convenience: returns op(A)·op(B) for rank-2 tensors.
    public static func matmul(_ a: Tensor, _ b: Tensor,
                              transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kB = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kB, "matmul inner dimensions differ: op(A) is \(m)×\(k), op(B) is \(kB)×\(n)")
        var c = Tensor(shape: [m, n])
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                             a: aBuffer.baseAddress!, lda: a.shape[1],
                             b: bBuffer.baseAddress!, ldb: b.shape[1],
                             c: cBuffer.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }
}
