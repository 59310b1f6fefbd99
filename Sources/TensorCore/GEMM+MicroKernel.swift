// The register-blocked inner kernel of the blocked GEMM.
//
// Dimension legend: MR×NR is the register tile of C (6×16), kc the depth of one packed
// block. The packed A micro-panel holds kc columns of MR values (`a[p * MR + r]`), the
// packed B micro-panel holds kc rows of NR values (`b[p * NR + j]`), both zero-padded.

extension GEMM {
    /// Rows of the register tile (one broadcast of A each).
    static let microRows = 6
    /// Columns of the register tile (two 8-lane vectors of B).
    static let microColumns = 16

    /// C[6×16] = alpha · Apanel[6×kc] · Bpanel[kc×16] + beta · C, with `beta == 0` not
    /// reading C. Twelve 8-lane accumulators stay in registers for the whole depth, so
    /// every element of C sums its kc products in the same order wherever the tile sits.
    @inline(never)
    static func microKernel6x16(
        depth kc: Int,
        a: UnsafePointer<Float>,   // packed 6×kc micro-panel, `a[p * 6 + r]`
        b: UnsafePointer<Float>,   // packed kc×16 micro-panel, `b[p * 16 + j]`, 32-byte aligned
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float, beta: Float
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var aPointer = a
        var bPointer = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = bPointer.load(as: SIMD8<Float>.self)
            let b1 = bPointer.load(fromByteOffset: 32, as: SIMD8<Float>.self)
            var broadcast = SIMD8<Float>(repeating: aPointer[0])
            c00 = c00.addingProduct(broadcast, b0); c01 = c01.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[1])
            c10 = c10.addingProduct(broadcast, b0); c11 = c11.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[2])
            c20 = c20.addingProduct(broadcast, b0); c21 = c21.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[3])
            c30 = c30.addingProduct(broadcast, b0); c31 = c31.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[4])
            c40 = c40.addingProduct(broadcast, b0); c41 = c41.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[5])
            c50 = c50.addingProduct(broadcast, b0); c51 = c51.addingProduct(broadcast, b1)
            aPointer += 6
            bPointer += 64
        }
        storeRow(c00, c01, to: c, alpha: alpha, beta: beta)
        storeRow(c10, c11, to: c + ldc, alpha: alpha, beta: beta)
        storeRow(c20, c21, to: c + 2 * ldc, alpha: alpha, beta: beta)
        storeRow(c30, c31, to: c + 3 * ldc, alpha: alpha, beta: beta)
        storeRow(c40, c41, to: c + 4 * ldc, alpha: alpha, beta: beta)
        storeRow(c50, c51, to: c + 5 * ldc, alpha: alpha, beta: beta)
    }

    /// C[0..<16] = alpha · (low, high) + beta · C[0..<16]; beta == 0 never reads C.
    @inline(__always)
    static func storeRow(_ low: SIMD8<Float>, _ high: SIMD8<Float>, to c: UnsafeMutablePointer<Float>,
                         alpha: Float, beta: Float) {
        let raw = UnsafeMutableRawPointer(c)
        var outLow = low * alpha
        var outHigh = high * alpha
        if beta != 0 {
            outLow += raw.loadUnaligned(as: SIMD8<Float>.self) * beta
            outHigh += raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) * beta
        }
        raw.storeBytes(of: outLow, as: SIMD8<Float>.self)
        raw.storeBytes(of: outHigh, toByteOffset: 32, as: SIMD8<Float>.self)
    }

    /// One rows×columns tile of C (≤ 6×16): the micro-kernel, or `edgeKernel` at an edge.
    @inline(__always)
    static func tileKernel(depth kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                           c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                           alpha: Float, beta: Float) {
        if rows == microRows && columns == microColumns {
            microKernel6x16(depth: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        } else {
            edgeKernel(depth: kc, a: a, b: b, c: c, ldc: ldc, rows: rows, columns: columns, alpha: alpha, beta: beta)
        }
    }

    /// The micro-kernel on a tile cut by the edge of C (rows ≤ 6, columns ≤ 16): runs on a
    /// full 6×16 scratch tile, so the arithmetic is exactly that of an interior tile.
    static func edgeKernel(
        depth kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
        alpha: Float, beta: Float
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: microRows * microColumns) { tile in
            let scratch = tile.baseAddress!
            if beta != 0 {
                scratch.initialize(repeating: 0, count: microRows * microColumns)
                for r in 0..<rows {
                    (scratch + r * microColumns).update(from: c + r * ldc, count: columns)
                }
            }
            microKernel6x16(depth: kc, a: a, b: b, c: scratch, ldc: microColumns, alpha: alpha, beta: beta)
            for r in 0..<rows {
                (c + r * ldc).update(from: scratch + r * microColumns, count: columns)
            }
        }
    }
}
