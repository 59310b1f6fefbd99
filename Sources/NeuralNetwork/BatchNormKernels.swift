/// The per-plane loops of `BatchNorm2D` (one channel plane of one image: `count = H·W`
/// contiguous floats), vectorised eight lanes wide with a scalar tail.
///
/// The normalised value is always computed as `γ·((x − μ)·r) + β` with separate
/// multiplies and adds, in the vector lanes and in the tail alike, so the backward pass
/// recomputes a rectifying layer's output sign bit for bit from x instead of reading the
/// output back (one full-size read fewer in each backward pass).
enum BatchNormKernels {
    /// Per-channel constants of the affine map y = γ·((x − μ)·r) + β.
    struct Affine {
        var mean: Float
        var inverseStd: Float
        var gamma: Float
        var beta: Float
    }

    /// (Σ x, Σ (x − m)²) of one plane with m = Float(Σ x / count): two passes over a plane
    /// that stays in L1 (784 floats at 28×28), so the batch statistics need one memory pass.
    @inline(__always)
    static func planeMoments(_ x: UnsafePointer<Float>, count: Int) -> (sum: Float, shift: Float, squares: Float) {
        let sum = Reductions.sum(x, count: count)
        let shift = Float(Double(sum) / Double(count))
        return (sum, shift, Reductions.squaredDeviation(x, count: count, from: shift))
    }

    /// y = γ·((x − μ)·r) + β, and max(y, 0) when `rectifies` (NaN → 0).
    @inline(__always)
    static func normalize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                          _ a: Affine, rectifies: Bool) {
        let mean = SIMD8<Float>(repeating: a.mean), inverse = SIMD8<Float>(repeating: a.inverseStd)
        let gamma = SIMD8<Float>(repeating: a.gamma), beta = SIMD8<Float>(repeating: a.beta)
        let zero = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            var out = gamma * ((v - mean) * inverse) + beta
            if rectifies { out = zero.replacing(with: out, where: out .> zero) }
            UnsafeMutableRawPointer(y + i).storeBytes(of: out, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let out = a.gamma * ((x[i] - a.mean) * a.inverseStd) + a.beta
            y[i] = rectifies ? (out > 0 ? out : 0) : out
            i += 1
        }
    }

    /// (Σ d, Σ d·(x − μ)) with d = dy, or for a rectifying layer d = dy·[γ·((x − μ)·r) + β > 0]
    /// (the forward's output sign, recomputed from x).
    @inline(__always)
    static func gradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
                             _ a: Affine, rectifies: Bool) -> (plain: Float, centred: Float) {
        let mean = SIMD8<Float>(repeating: a.mean), inverse = SIMD8<Float>(repeating: a.inverseStd)
        let gamma = SIMD8<Float>(repeating: a.gamma), beta = SIMD8<Float>(repeating: a.beta)
        let zero = SIMD8<Float>()
        var plain = SIMD8<Float>(), centred = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            var d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
            let centredX = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - mean
            if rectifies { d = zero.replacing(with: d, where: gamma * (centredX * inverse) + beta .> zero) }
            plain += d
            centred.addProduct(d, centredX)
            i += 8
        }
        var plainTotal = plain.sum(), centredTotal = centred.sum()
        while i < count {
            let centredX = x[i] - a.mean
            let d = !rectifies || a.gamma * (centredX * a.inverseStd) + a.beta > 0 ? dy[i] : 0
            plainTotal += d
            centredTotal += d * centredX
            i += 1
        }
        return (plainTotal, centredTotal)
    }

    /// dx = scale·(d − meanDy − (x − μ)·hatScale), d as in `gradientSums`.
    @inline(__always)
    static func inputGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                              count: Int, _ a: Affine, rectifies: Bool, scale: Float, meanDy: Float, hatScale: Float) {
        let mean = SIMD8<Float>(repeating: a.mean), inverse = SIMD8<Float>(repeating: a.inverseStd)
        let gamma = SIMD8<Float>(repeating: a.gamma), beta = SIMD8<Float>(repeating: a.beta)
        let zero = SIMD8<Float>()
        let scales = SIMD8<Float>(repeating: scale), meanDys = SIMD8<Float>(repeating: meanDy)
        let hatScales = SIMD8<Float>(repeating: hatScale)
        var i = 0
        while i + 8 <= count {
            var d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
            let centredX = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - mean
            if rectifies { d = zero.replacing(with: d, where: gamma * (centredX * inverse) + beta .> zero) }
            let out = scales * (d - meanDys - centredX * hatScales)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: out, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let centredX = x[i] - a.mean
            let d = !rectifies || a.gamma * (centredX * a.inverseStd) + a.beta > 0 ? dy[i] : 0
            dx[i] = scale * (d - meanDy - centredX * hatScale)
            i += 1
        }
    }
}
