/// Vectorised sums for the hot loops (eight independent lanes: Swift never reorders a
/// scalar Float reduction, so a plain loop runs at one add per add-latency).
enum Reductions {
    /// Σ_i x[i]
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += x[i]
            i += 1
        }
        return total
    }

    /// Σ_i x[i]·y[i]
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let a = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes.addProduct(a, b)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += x[i] * y[i]
            i += 1
        }
        return total
    }

    /// Σ_i (x[i] − shift)²
    @inline(__always)
    static func squaredDeviation(_ x: UnsafePointer<Float>, count: Int, from shift: Float) -> Float {
        var lanes = SIMD8<Float>()
        let center = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= count {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - center
            lanes.addProduct(d, d)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            let d = x[i] - shift
            total += d * d
            i += 1
        }
        return total
    }
}
