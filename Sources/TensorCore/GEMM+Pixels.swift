#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

// The exact integer product of 8-bit rows (kNN search on raw pixels).
//
// Dimension legend: A[M×K] and B[N×K] 8-bit rows packed by `PackedPixelPanels` (left and
// right), C[M×N] Int32, K2 = ⌈K/2⌉ depth pairs. Every entry is Σ_p A[i,p]·B[j,p] exactly:
// products ≤ 255² and K ≤ 33,000 keep the sum below 2³¹.

extension GEMM {
    /// The largest K whose sums of 8-bit products cannot overflow Int32.
    public static let maximumPixelDepth = Int(Int32.max) / (255 * 255)

    /// C[rows.count × N] = A[rows, :] · Bᵀ, exact, one thread. `rows.lowerBound` must be a
    /// multiple of 6. Row r of C is row `rows.lowerBound + r` of the product.
    public static func multiplyPixels(_ a: PackedPixelPanels, rows: Range<Int>, _ b: PackedPixelPanels,
                                      c: UnsafeMutablePointer<Int32>, ldc: Int) {
        precondition(a.side == .left && b.side == .right,
                     "multiplyPixels needs a left and a right operand, got \(a.side) and \(b.side)")
        precondition(a.depth == b.depth, "multiplyPixels depths differ: A has K=\(a.depth), B has K=\(b.depth)")
        precondition(a.depth <= maximumPixelDepth, "multiplyPixels supports K ≤ \(maximumPixelDepth), got \(a.depth)")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= a.rows && rows.lowerBound % microRows == 0,
                     "multiplyPixels rows \(rows) must lie in 0..<\(a.rows) and start on a multiple of \(microRows)")
        precondition(ldc >= max(1, b.rows), "multiplyPixels ldc=\(ldc) too small for N=\(b.rows)")
        let n = b.rows, pairs = a.pairs
        if rows.isEmpty || n == 0 { return }
        let mr = microRows, nr = microColumns
        let firstPanel = rows.lowerBound / mr
        for jr in stride(from: 0, to: n, by: nr) {
            let columns = min(nr, n - jr)
            let bPanel = b.panel(jr / nr)
            for ir in stride(from: 0, to: rows.count, by: mr) {
                let tileRows = min(mr, rows.count - ir)
                let aPanel = a.panel(firstPanel + ir / mr)
                let tile = c + ir * ldc + jr
                if tileRows == mr && columns == nr {
                    pixelKernel6x16(pairs: pairs, a: aPanel, b: bPanel, c: tile, ldc: ldc)
                } else {
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: mr * nr) { scratch in
                        pixelKernel6x16(pairs: pairs, a: aPanel, b: bPanel, c: scratch.baseAddress!, ldc: nr)
                        for r in 0..<tileRows {
                            (tile + r * ldc).update(from: scratch.baseAddress! + r * nr, count: columns)
                        }
                    }
                }
            }
        }
    }

    /// C[6×16] = A panel · B panel over K2 pairs: twelve 8-lane Int32 accumulators; each
    /// step broadcasts one row's pair and multiplies-adds it with 8 columns' pairs.
    @inline(never)
    static func pixelKernel6x16(pairs: Int, a: UnsafePointer<UInt32>, b: UnsafePointer<UInt32>,
                                c: UnsafeMutablePointer<Int32>, ldc: Int) {
        var c00 = SIMD8<Int32>(), c01 = SIMD8<Int32>()
        var c10 = SIMD8<Int32>(), c11 = SIMD8<Int32>()
        var c20 = SIMD8<Int32>(), c21 = SIMD8<Int32>()
        var c30 = SIMD8<Int32>(), c31 = SIMD8<Int32>()
        var c40 = SIMD8<Int32>(), c41 = SIMD8<Int32>()
        var c50 = SIMD8<Int32>(), c51 = SIMD8<Int32>()
        var aPointer = a
        var bPointer = UnsafeRawPointer(b)
        for _ in 0..<pairs {
            let b0 = bPointer.load(as: SIMD8<UInt32>.self)
            let b1 = bPointer.load(fromByteOffset: 32, as: SIMD8<UInt32>.self)
            var broadcast = SIMD8<UInt32>(repeating: aPointer[0])
            c00 &+= multiplyAddPairs(broadcast, b0); c01 &+= multiplyAddPairs(broadcast, b1)
            broadcast = SIMD8<UInt32>(repeating: aPointer[1])
            c10 &+= multiplyAddPairs(broadcast, b0); c11 &+= multiplyAddPairs(broadcast, b1)
            broadcast = SIMD8<UInt32>(repeating: aPointer[2])
            c20 &+= multiplyAddPairs(broadcast, b0); c21 &+= multiplyAddPairs(broadcast, b1)
            broadcast = SIMD8<UInt32>(repeating: aPointer[3])
            c30 &+= multiplyAddPairs(broadcast, b0); c31 &+= multiplyAddPairs(broadcast, b1)
            broadcast = SIMD8<UInt32>(repeating: aPointer[4])
            c40 &+= multiplyAddPairs(broadcast, b0); c41 &+= multiplyAddPairs(broadcast, b1)
            broadcast = SIMD8<UInt32>(repeating: aPointer[5])
            c50 &+= multiplyAddPairs(broadcast, b0); c51 &+= multiplyAddPairs(broadcast, b1)
            aPointer += 6
            bPointer += 64
        }
        storePixelRow(c00, c01, to: c)
        storePixelRow(c10, c11, to: c + ldc)
        storePixelRow(c20, c21, to: c + 2 * ldc)
        storePixelRow(c30, c31, to: c + 3 * ldc)
        storePixelRow(c40, c41, to: c + 4 * ldc)
        storePixelRow(c50, c51, to: c + 5 * ldc)
    }

    @inline(__always)
    static func storePixelRow(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, to c: UnsafeMutablePointer<Int32>) {
        let raw = UnsafeMutableRawPointer(c)
        raw.storeBytes(of: low, as: SIMD8<Int32>.self)
        raw.storeBytes(of: high, toByteOffset: 32, as: SIMD8<Int32>.self)
    }

    /// Lane j: low16(x_j)·low16(y_j) + high16(x_j)·high16(y_j), as signed 16-bit values.
    @inline(__always)
    static func multiplyAddPairs(_ x: SIMD8<UInt32>, _ y: SIMD8<UInt32>) -> SIMD8<Int32> {
        #if arch(x86_64)
        unsafeBitCast(_mm256_madd_epi16(unsafeBitCast(x, to: SIMD4<Int64>.self),
                                        unsafeBitCast(y, to: SIMD4<Int64>.self)), to: SIMD8<Int32>.self)
        #else
        let xLow = SIMD8<Int32>(truncatingIfNeeded: x & 0xFFFF), xHigh = SIMD8<Int32>(truncatingIfNeeded: x &>> 16)
        let yLow = SIMD8<Int32>(truncatingIfNeeded: y & 0xFFFF), yHigh = SIMD8<Int32>(truncatingIfNeeded: y &>> 16)
        return xLow &* yLow &+ xHigh &* yHigh
        #endif
    }
}
