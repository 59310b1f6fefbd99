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

    /// (Σ_i d_i, Σ_i d_i·(x[i] − shift)) with d_i = dy[i], or dy[i]·[mask[i] > 0] when a
    /// mask is given (a ReLU's output: its gradient passes where the output is positive).
    @inline(__always)
    static func gradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, shift: Float,
                             mask: UnsafePointer<Float>?, count: Int) -> (Float, Float) {
        var plain = SIMD8<Float>(), centred = SIMD8<Float>()
        let center = SIMD8<Float>(repeating: shift), zero = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            var d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
            if let mask {
                let m = UnsafeRawPointer(mask + i).loadUnaligned(as: SIMD8<Float>.self)
                d = zero.replacing(with: d, where: m .> zero)
            }
            plain += d
            centred.addProduct(d, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - center)
            i += 8
        }
        var plainTotal = plain.sum(), centredTotal = centred.sum()
        while i < count {
            let d = mask.map { $0[i] > 0 ? dy[i] : 0 } ?? dy[i]
            plainTotal += d
            centredTotal += d * (x[i] - shift)
            i += 1
        }
        return (plainTotal, centredTotal)
    }
}
