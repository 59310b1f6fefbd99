// Dimension legend: S support rows (N ways × K shots), n queries, D feature dimension, N ways.

/// Classifies an episode's queries from its support set, on L2-normalised features (cosine
/// similarity is then a dot product).
public enum FewShotClassifier: String, CaseIterable, Sendable {
    /// Nearest class mean: each way's prototype is the mean of its normalised support
    /// features, normalised again; a query takes the way of the most similar prototype.
    case prototype
    /// k nearest support images by cosine similarity vote; ties go to the way with the
    /// larger summed similarity, then to the lower way.
    case knn

    /// [n] predicted ways of `queries` [n×D] given `support` [S×D] and its ways `supportLabels`
    /// [S] in 0..<ways. Rows need not be normalised: each is normalised here (a zero row stays
    /// zero). `k` is the kNN classifier's neighbour count (clamped to S).
    public func predict(support: [Float], supportLabels: [Int], queries: [Float], dimension: Int,
                        ways: Int, k: Int = 1) -> [Int] {
        precondition(dimension > 0 && support.count == supportLabels.count * dimension && queries.count % dimension == 0,
                     "FewShotClassifier: support \(support.count) for \(supportLabels.count) rows of \(dimension), queries \(queries.count)")
        let supportRows = Self.normalisedRows(support, dimension: dimension)
        let queryRows = Self.normalisedRows(queries, dimension: dimension)
        let queryCount = queries.count / dimension
        switch self {
        case .prototype:
            var prototypes = [Float](repeating: 0, count: ways * dimension)
            for (row, way) in supportLabels.enumerated() {
                for d in 0..<dimension { prototypes[way * dimension + d] += supportRows[row * dimension + d] }
            }
            prototypes = Self.normalisedRows(prototypes, dimension: dimension)
            return (0..<queryCount).map { q in
                let similarities = (0..<ways).map { Self.dot(queryRows, q, prototypes, $0, dimension) }
                return similarities.indices.max { similarities[$0] < similarities[$1] || (similarities[$0] == similarities[$1] && $0 > $1) }!
            }
        case .knn:
            let neighbours = min(max(1, k), supportLabels.count)
            return (0..<queryCount).map { q in
                let similarities = supportLabels.indices.map { Self.dot(queryRows, q, supportRows, $0, dimension) }
                let nearest = similarities.indices.sorted { similarities[$0] > similarities[$1] || (similarities[$0] == similarities[$1] && $0 < $1) }
                    .prefix(neighbours)
                var votes = [Int](repeating: 0, count: ways), weight = [Float](repeating: 0, count: ways)
                for row in nearest {
                    votes[supportLabels[row]] += 1
                    weight[supportLabels[row]] += similarities[row]
                }
                return (0..<ways).max { a, b in
                    (votes[a], weight[a], -a) < (votes[b], weight[b], -b)
                }!
            }
        }
    }

    /// Each D-row divided by its L2 norm (a zero row stays zero).
    static func normalisedRows(_ rows: [Float], dimension: Int) -> [Float] {
        var result = rows
        for start in stride(from: 0, to: rows.count, by: dimension) {
            var norm: Float = 0
            for d in 0..<dimension { norm += rows[start + d] * rows[start + d] }
            guard norm > 0 else { continue }
            let scale = 1 / norm.squareRoot()
            for d in 0..<dimension { result[start + d] *= scale }
        }
        return result
    }

    private static func dot(_ a: [Float], _ rowA: Int, _ b: [Float], _ rowB: Int, _ dimension: Int) -> Float {
        var sum: Float = 0
        for d in 0..<dimension { sum += a[rowA * dimension + d] * b[rowB * dimension + d] }
        return sum
    }
}
