// Dimension legend: N bank rows, D features, n queries, k neighbours.

extension NeighbourSearch {
    /// The reference twin: the full n×N score matrix in Double, then a stable sort
    /// (similarity descending, bank index ascending). Test oracle only.
    ///
    /// Cosine scores are dot products of prepared rows; euclidean scores are −Σ(q − x)²
    /// computed directly (not through the norm expansion the fast path uses).
    public static func naive(_ queries: [Float], in bank: FeatureBank, k: Int,
                             excluding: [Int]? = nil) -> NeighbourResult {
        let d = bank.dimension
        precondition(queries.count % d == 0,
                     "queries hold \(queries.count) scalars, not a multiple of the bank's D=\(d)")
        let n = queries.count / d
        let prepared = bank.preparedQueries(queries)
        var indices = [Int32](repeating: -1, count: n * k)
        var similarities = [Float](repeating: -.infinity, count: n * k)
        var counts = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            var scored: [(similarity: Double, index: Int)] = []
            for j in 0..<bank.count where j != (excluding?[i] ?? -1) {
                var s = 0.0
                for p in 0..<d {
                    let q = Double(prepared[i * d + p])
                    let x = Double(bank.features[j * d + p])
                    switch bank.metric {
                    case .cosine: s += q * x
                    case .euclidean: s -= (q - x) * (q - x)
                    }
                }
                scored.append((s, j))
            }
            scored.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.index < $1.index }
            let held = min(k, scored.count)
            counts[i] = Int32(held)
            for r in 0..<held {
                indices[i * k + r] = Int32(scored[r].index)
                similarities[i * k + r] = Float(scored[r].similarity)
            }
        }
        return NeighbourResult(queryCount: n, k: k, indices: indices, similarities: similarities,
                               counts: counts)
    }
}
