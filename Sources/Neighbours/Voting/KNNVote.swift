// Dimension legend: n queries, k neighbours, C classes.

/// The temperature-weighted neighbour vote:
///
///     w_i = exp((s_i − s_max) / T),   p(c) = Σ_i w_i·[y_i = c] / Σ_i w_i
///
/// Subtracting s_max keeps every exponent ≤ 0 and the best neighbour's weight at 1, so the
/// sum is ≥ 1 and tiny temperatures (T → 0) put all weight on the best without overflow.
/// k is not capped at C.
public enum KNNVote {
    /// Defaults from the design: k = 20, T = 0.07.
    public static let defaultK = 20
    public static let defaultTemperature: Float = 0.07

    /// [n×C] class probabilities from the first `min(k, counts[i])` neighbours of each query
    /// (all of `result.k` when k is nil). `labels` [N] are the bank's. A query with no
    /// neighbour gets the uniform 1/C.
    public static func probabilities(_ result: NeighbourResult, labels: [Int], classCount: Int,
                                     k: Int? = nil, temperature: Float = defaultTemperature) -> [Float] {
        let k = k ?? result.k
        precondition(k >= 0 && k <= result.k, "vote k=\(k) exceeds the searched k=\(result.k)")
        precondition(temperature > 0, "vote temperature must be positive, got \(temperature)")
        precondition(classCount > 0, "vote needs classCount > 0, got \(classCount)")
        let n = result.queryCount
        let stride = result.k
        var probabilities = [Float](repeating: 0, count: n * classCount)
        let inverseT = 1 / Double(temperature)
        var weights = [Double](repeating: 0, count: classCount)
        for i in 0..<n {
            let held = min(k, Int(result.counts[i]))
            let row = i * classCount
            guard held > 0 else {
                for c in 0..<classCount { probabilities[row + c] = 1 / Float(classCount) }
                continue
            }
            for c in 0..<classCount { weights[c] = 0 }
            let best = Double(result.similarities[i * stride])   // rows are sorted, best first
            var total = 0.0
            for r in 0..<held {
                let label = labels[Int(result.indices[i * stride + r])]
                precondition(label >= 0 && label < classCount, "neighbour label \(label) outside 0..<\(classCount)")
                let w = exp((Double(result.similarities[i * stride + r]) - best) * inverseT)
                weights[label] += w
                total += w
            }
            for c in 0..<classCount { probabilities[row + c] = Float(weights[c] / total) }
        }
        return probabilities
    }

    /// [n] argmax of each row of [n×C] probabilities; ties go to the lowest class.
    public static func predictions(_ probabilities: [Float], classCount: Int) -> [Int] {
        precondition(classCount > 0 && probabilities.count % classCount == 0,
                     "predictions: \(probabilities.count) probabilities are not n×C with C=\(classCount)")
        return (0..<(probabilities.count / classCount)).map { i in
            var best = 0
            for c in 1..<classCount where probabilities[i * classCount + c] > probabilities[i * classCount + best] {
                best = c
            }
            return best
        }
    }

    /// [n] probability each row gives its true class.
    public static func trueClassProbabilities(_ probabilities: [Float], labels: [Int], classCount: Int) -> [Float] {
        precondition(probabilities.count == labels.count * classCount,
                     "\(probabilities.count) probabilities for n=\(labels.count) labels and C=\(classCount)")
        return labels.enumerated().map { i, y in probabilities[i * classCount + y] }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
