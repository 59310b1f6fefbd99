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
    @inline(__always)
    mutating func scan(scores: UnsafePointer<Float>, offsets: UnsafePointer<Float>?, columns: Int,
                       base: Int, excluded: Int) {
        if k == 0 { return }
        var j = 0
        if let offsets {
            while j + 8 <= columns {
                let v = UnsafeRawPointer(scores + j).loadUnaligned(as: SIMD8<Float>.self)
                    - UnsafeRawPointer(offsets + j).loadUnaligned(as: SIMD8<Float>.self)
                let mask = v .> SIMD8(repeating: threshold)
                if any(mask) { offerLanes(v, mask: mask, index: base + j, excluded: excluded) }
                j += 8
            }
            while j < columns {
                offer(scores[j] - offsets[j], index: base + j, excluded: excluded)
                j += 1
            }
        } else {
            while j + 8 <= columns {
                let v = UnsafeRawPointer(scores + j).loadUnaligned(as: SIMD8<Float>.self)
                let mask = v .> SIMD8(repeating: threshold)
                if any(mask) { offerLanes(v, mask: mask, index: base + j, excluded: excluded) }
                j += 8
            }
            while j < columns {
                offer(scores[j], index: base + j, excluded: excluded)
                j += 1
            }
        }
    }

    @inline(never)
    mutating func offerLanes(_ v: SIMD8<Float>, mask: SIMDMask<SIMD8<Int32>>, index: Int, excluded: Int) {
        for lane in 0..<8 where mask[lane] {
            offer(v[lane], index: index + lane, excluded: excluded)
        }
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
