// Dimension legend: k neighbours kept, J columns (bank rows) in one block of scores.

/// A bounded, sorted top-k kept directly in one output row (best first).
///
/// Columns arrive in increasing bank index, so "insert after every equal similarity" and
/// "replace only when strictly better than the k-th" give lower-index-first ties.
/// The scan tests 8 scores at once against the current k-th best and touches the sorted
/// row only for the rare scores that beat it.
struct TopKSelector {
    let k: Int
    let similarities: UnsafeMutablePointer<Float>  // [k]
    let indices: UnsafeMutablePointer<Int32>       // [k]
    var count: Int = 0
    /// The k-th best so far, or −∞ while fewer than k are held.
    var threshold: Float = -.infinity

    init(k: Int, similarities: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>) {
        self.k = k
        self.similarities = similarities
        self.indices = indices
    }

    /// Offers scores[j] (minus offsets[j] when given) for bank row `base + j`, j in 0..<J,
    /// skipping bank row `excluded`.
    ///
    /// The 8-wide test is `threshold − v < 0` read from the sign bits of the difference
    /// (subtraction and an integer min-reduction vectorise; a lane-wise float `.>` does not).
    /// A −0 or NaN lane only sends the group to the exact scalar test in `offer`.
    @inline(__always)
    mutating func scan(scores: UnsafePointer<Float>, offsets: UnsafePointer<Float>?, columns: Int,
                       base: Int, excluded: Int) {
        if k == 0 { return }
        var j = 0
        if let offsets {
            while j + 8 <= columns {
                let v = UnsafeRawPointer(scores + j).loadUnaligned(as: SIMD8<Float>.self)
                    - UnsafeRawPointer(offsets + j).loadUnaligned(as: SIMD8<Float>.self)
                if Self.anyAbove(v, threshold) {
                    for lane in 0..<8 { offer(scores[j + lane] - offsets[j + lane], index: base + j + lane, excluded: excluded) }
                }
                j += 8
            }
            while j < columns {
                offer(scores[j] - offsets[j], index: base + j, excluded: excluded)
                j += 1
            }
        } else {
            while j + 8 <= columns {
                let v = UnsafeRawPointer(scores + j).loadUnaligned(as: SIMD8<Float>.self)
                if Self.anyAbove(v, threshold) {
                    for lane in 0..<8 { offer(scores[j + lane], index: base + j + lane, excluded: excluded) }
                }
                j += 8
            }
            while j < columns {
                offer(scores[j], index: base + j, excluded: excluded)
                j += 1
            }
        }
    }

    /// True when some lane may exceed `threshold` (exact for finite values, except −0).
    @inline(__always)
    static func anyAbove(_ v: SIMD8<Float>, _ threshold: Float) -> Bool {
        let difference = SIMD8<Float>(repeating: threshold) - v
        return unsafeBitCast(difference, to: SIMD8<Int32>.self).min() < 0
    }

    @inline(__always)
    mutating func offer(_ s: Float, index: Int, excluded: Int) {
        guard s > threshold, index != excluded else { return }
        var p = count < k ? count : k - 1
        while p > 0 && similarities[p - 1] < s {
            similarities[p] = similarities[p - 1]
            indices[p] = indices[p - 1]
            p -= 1
        }
        similarities[p] = s
        indices[p] = Int32(truncatingIfNeeded: index)
        if count < k { count += 1 }
        if count == k { threshold = similarities[k - 1] }
    }
}
