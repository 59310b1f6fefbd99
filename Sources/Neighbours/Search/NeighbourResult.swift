// Dimension legend: n queries, k neighbours asked for.

/// The top-k neighbours of n queries, best first.
///
/// Row i holds `counts[i]` ≤ k valid neighbours (fewer when the bank, minus an excluded
/// self, is smaller than k); the rest of the row is padding (index −1, similarity −∞).
/// Equal similarities are ordered by bank index, lowest first.
public struct NeighbourResult: Codable, Equatable, Sendable {
    public static let serializationVersion = 1

    /// n.
    public let queryCount: Int
    /// k (the row stride of `indices` and `similarities`).
    public let k: Int
    /// [n×k] bank row of each neighbour.
    public var indices: [Int32]
    /// [n×k] similarity of each neighbour (cosine, or −‖q − x‖² for euclidean).
    public var similarities: [Float]
    /// [n] number of valid neighbours per query.
    public var counts: [Int32]

    public init(queryCount: Int, k: Int, indices: [Int32], similarities: [Float], counts: [Int32]) {
        precondition(indices.count == queryCount * k && similarities.count == queryCount * k,
                     "NeighbourResult n×k = \(queryCount)×\(k) needs \(queryCount * k) entries, got indices \(indices.count), similarities \(similarities.count)")
        precondition(counts.count == queryCount, "NeighbourResult has n=\(queryCount) but \(counts.count) counts")
        self.queryCount = queryCount
        self.k = k
        self.indices = indices
        self.similarities = similarities
        self.counts = counts
    }

    /// n rows of padding only (no neighbour yet): what a search starts from and fills.
    public static func unfilled(queryCount: Int, k: Int) -> NeighbourResult {
        NeighbourResult(queryCount: queryCount, k: k,
                        indices: [Int32](repeating: -1, count: queryCount * k),
                        similarities: [Float](repeating: -.infinity, count: queryCount * k),
                        counts: [Int32](repeating: 0, count: queryCount))
    }

    /// Bank rows of the valid neighbours of query `i`, best first.
    public func neighbours(of i: Int) -> ArraySlice<Int32> {
        indices[(i * k)..<(i * k + Int(counts[i]))]
    }

    /// Similarities of the valid neighbours of query `i`, best first.
    public func neighbourSimilarities(of i: Int) -> ArraySlice<Float> {
        similarities[(i * k)..<(i * k + Int(counts[i]))]
    }

    /// The same result cut to the first `newK` neighbours (a search with the largest k
    /// serves every smaller k).
    public func prefix(_ newK: Int) -> NeighbourResult {
        precondition(newK >= 0 && newK <= k, "prefix(\(newK)) of a result with k=\(k)")
        if newK == k { return self }
        var newIndices = [Int32](repeating: -1, count: queryCount * newK)
        var newSimilarities = [Float](repeating: -.infinity, count: queryCount * newK)
        for i in 0..<queryCount {
            for r in 0..<newK {
                newIndices[i * newK + r] = indices[i * k + r]
                newSimilarities[i * newK + r] = similarities[i * k + r]
            }
        }
        return NeighbourResult(queryCount: queryCount, k: newK, indices: newIndices,
                               similarities: newSimilarities,
                               counts: counts.map { min($0, Int32(newK)) })
    }
}
