// The micro-kernels of `DirectConvolution`'s forward and input gradient: a tile of 4 rows
// (output or input channels) by three (or two) vectors of 8 padded-flat positions, each B
// row read at an arbitrary (unaligned) offset into a padded image instead of from a packed
// panel. The vectors start at any three positions: 24 consecutive ones, or one 8-wide
// chunk per image row when rows are short (a 7-wide row in a 9-wide padded row).
//
// Four rows fit the 16/32/64 channels of nsn-lite exactly (a 6-row tile computes 18 rows
// for 16); three vectors per row keep 12 accumulators, as the 6×16 tile does. Every
// element is one FMA chain over the whole depth in order p = 0, 1, …, whichever kernel
// computes it, so results do not depend on the tiling.

extension GEMM {
    /// C[r, s_k + j] = Σ_p Apanel[p·4 + r] · base[offsets[p] + s_k + j] for r < 4, j < 8 and
    /// the three vector starts (s_0, s_1, s_2) = `starts`; C is overwritten there.
    @inline(never)
    public static func offsetKernel4x24(
        depth: Int, a: UnsafePointer<Float>, base: UnsafePointer<Float>, starts: (Int, Int, Int),
        offsets: UnsafePointer<Int>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c02 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>(), c12 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c22 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>(), c32 = SIMD8<Float>()
        var aPointer = a
        let base0 = UnsafeRawPointer(base + starts.0), base1 = UnsafeRawPointer(base + starts.1)
        let base2 = UnsafeRawPointer(base + starts.2)
        for p in 0..<depth {
            let offset = offsets[p] &* MemoryLayout<Float>.stride
            let b0 = base0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let b1 = base1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let b2 = base2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
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
        let c0 = c + starts.0, c1 = c + starts.1, c2 = c + starts.2
        store(c00, to: c0); store(c01, to: c1); store(c02, to: c2)
        store(c10, to: c0 + ldc); store(c11, to: c1 + ldc); store(c12, to: c2 + ldc)
        store(c20, to: c0 + 2 * ldc); store(c21, to: c1 + 2 * ldc); store(c22, to: c2 + 2 * ldc)
        store(c30, to: c0 + 3 * ldc); store(c31, to: c1 + 3 * ldc); store(c32, to: c2 + 3 * ldc)
    }

    /// `offsetKernel4x24` with two vectors (8 accumulators): the last tile of a row of tiles.
    @inline(never)
    public static func offsetKernel4x16(
        depth: Int, a: UnsafePointer<Float>, base: UnsafePointer<Float>, starts: (Int, Int),
        offsets: UnsafePointer<Int>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var aPointer = a
        let base0 = UnsafeRawPointer(base + starts.0), base1 = UnsafeRawPointer(base + starts.1)
        for p in 0..<depth {
            let offset = offsets[p] &* MemoryLayout<Float>.stride
            let b0 = base0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let b1 = base1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
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
        let c0 = c + starts.0, c1 = c + starts.1
        store(c00, to: c0); store(c01, to: c1)
        store(c10, to: c0 + ldc); store(c11, to: c1 + ldc)
        store(c20, to: c0 + 2 * ldc); store(c21, to: c1 + 2 * ldc)
        store(c30, to: c0 + 3 * ldc); store(c31, to: c1 + 3 * ldc)
    }

    @inline(__always)
    static func store(_ vector: SIMD8<Float>, to c: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(c).storeBytes(of: vector, as: SIMD8<Float>.self)
    }
}
