// The micro-kernels of `DirectConvolution`'s forward and input gradient: a tile of 4 rows
// (output or input channels) by 24 or 16 padded-flat positions, each B row read at an
// arbitrary (unaligned) offset into a padded image instead of from a packed panel.
//
// Four rows fit the 16/32/64 channels of nsn-lite exactly (a 6-row tile computes 18 rows
// for 16); three 8-lane vectors per row keep 12 accumulators, as the 6×16 tile does.
// Every element is one FMA chain over the whole depth in order p = 0, 1, …, whichever
// kernel (24 or 16 wide) computes it, so results do not depend on the tiling.

extension GEMM {
    /// C[4×24] = Σ_p Apanel[p·4 + r] · base[offsets[p] + j]; C is overwritten.
    @inline(never)
    public static func offsetKernel4x24(
        depth: Int, a: UnsafePointer<Float>, base: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c02 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>(), c12 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c22 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>(), c32 = SIMD8<Float>()
        var aPointer = a
        let bBase = UnsafeRawPointer(base)
        for p in 0..<depth {
            let bPointer = bBase + offsets[p] &* MemoryLayout<Float>.stride
            let b0 = bPointer.loadUnaligned(as: SIMD8<Float>.self)
            let b1 = bPointer.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            let b2 = bPointer.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
            var broadcast = SIMD8<Float>(repeating: aPointer[0])
            c00 = c00.addingProduct(broadcast, b0); c01 = c01.addingProduct(broadcast, b1)
            c02 = c02.addingProduct(broadcast, b2)
            broadcast = SIMD8<Float>(repeating: aPointer[1])
            c10 = c10.addingProduct(broadcast, b0); c11 = c11.addingProduct(broadcast, b1)
            c12 = c12.addingProduct(broadcast, b2)
            broadcast = SIMD8<Float>(repeating: aPointer[2])
            c20 = c20.addingProduct(broadcast, b0); c21 = c21.addingProduct(broadcast, b1)
            c22 = c22.addingProduct(broadcast, b2)
            broadcast = SIMD8<Float>(repeating: aPointer[3])
            c30 = c30.addingProduct(broadcast, b0); c31 = c31.addingProduct(broadcast, b1)
            c32 = c32.addingProduct(broadcast, b2)
            aPointer += 4
        }
        storeRow(c00, c01, c02, to: c)
        storeRow(c10, c11, c12, to: c + ldc)
        storeRow(c20, c21, c22, to: c + 2 * ldc)
        storeRow(c30, c31, c32, to: c + 3 * ldc)
    }

    /// C[4×16] = Σ_p Apanel[p·4 + r] · base[offsets[p] + j]: the last, narrower tile of a row.
    @inline(never)
    public static func offsetKernel4x16(
        depth: Int, a: UnsafePointer<Float>, base: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var aPointer = a
        let bBase = UnsafeRawPointer(base)
        for p in 0..<depth {
            let bPointer = bBase + offsets[p] &* MemoryLayout<Float>.stride
            let b0 = bPointer.loadUnaligned(as: SIMD8<Float>.self)
            let b1 = bPointer.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var broadcast = SIMD8<Float>(repeating: aPointer[0])
            c00 = c00.addingProduct(broadcast, b0); c01 = c01.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[1])
            c10 = c10.addingProduct(broadcast, b0); c11 = c11.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[2])
            c20 = c20.addingProduct(broadcast, b0); c21 = c21.addingProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: aPointer[3])
            c30 = c30.addingProduct(broadcast, b0); c31 = c31.addingProduct(broadcast, b1)
            aPointer += 4
        }
        storeRow(c00, c01, to: c, alpha: 1, beta: 0)
        storeRow(c10, c11, to: c + ldc, alpha: 1, beta: 0)
        storeRow(c20, c21, to: c + 2 * ldc, alpha: 1, beta: 0)
        storeRow(c30, c31, to: c + 3 * ldc, alpha: 1, beta: 0)
    }

    /// C[0..<24] = (v0, v1, v2).
    @inline(__always)
    static func storeRow(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, to c: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(c)
        raw.storeBytes(of: v0, as: SIMD8<Float>.self)
        raw.storeBytes(of: v1, toByteOffset: 32, as: SIMD8<Float>.self)
        raw.storeBytes(of: v2, toByteOffset: 64, as: SIMD8<Float>.self)
    }
}
