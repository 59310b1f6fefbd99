// Dimension legend: n examples, C classes, k neighbours.

/// Test-time blend of the kNN vote and the network, `p = λ·p_knn + (1 − λ)·p_net`, with
/// λ, k and T chosen on the VALIDATION split only.
///
/// `select` takes nothing but validation arrays, so test data cannot reach the choice;
/// the returned `BlendChoice` is a value that `apply` only reads.
public enum BlendSelection {
    /// λ ∈ {0, 0.1, …, 1}.
    public static let defaultLambdas: [Float] = (0...10).map { Float($0) / 10 }
    public static let defaultKs = [5, 10, 20, 50, 100]
    public static let defaultTemperatures: [Float] = [0.01, 0.03, 0.07, 0.1, 0.3, 1]

    /// [n×C] λ·knn + (1 − λ)·network.
    public static func blend(knn: [Float], network: [Float], lambda: Float) -> [Float] {
        precondition(knn.count == network.count,
                     "blend: kNN holds \(knn.count) probabilities, the network \(network.count)")
        return zip(knn, network).map { lambda * $0 + (1 - lambda) * $1 }
    }

    /// The (λ, k, T) with the best validation accuracy over the grids.
    ///
    /// - Parameters:
    ///   - validationNeighbours: validation queries searched once with the largest k; each
    ///     smaller k uses a prefix, and grid ks above the searched k are left out.
    ///   - bankLabels: [N] labels of the bank the validation split was searched in.
    ///   - validationLabels: [n] true classes; `validationNetworkProbabilities`: [n×C].
    /// Ties keep the first in grid order (λ, then k, then T, each as given), so with the
    /// default ascending grids the smallest λ, k and T among equals win.
    public static func select(validationNeighbours: NeighbourResult, bankLabels: [Int],
                              validationLabels: [Int], validationNetworkProbabilities: [Float],
                              classCount: Int,
                              lambdas: [Float] = defaultLambdas, ks: [Int] = defaultKs,
                              temperatures: [Float] = defaultTemperatures) -> BlendChoice {
        let n = validationLabels.count
        precondition(validationNeighbours.queryCount == n,
                     "validation neighbours for \(validationNeighbours.queryCount) queries, labels for \(n)")
        precondition(validationNetworkProbabilities.count == n * classCount,
                     "validation network probabilities hold \(validationNetworkProbabilities.count), expected n×C = \(n)×\(classCount)")
        precondition(!lambdas.isEmpty && !ks.isEmpty && !temperatures.isEmpty, "blend grids must not be empty")
        precondition(ks.allSatisfy { $0 > 0 }, "blend ks \(ks) must be positive")
        let ks = ks.filter { $0 <= validationNeighbours.k }
        precondition(!ks.isEmpty, "no blend k fits the searched k=\(validationNeighbours.k)")

        // accuracy[λ index][k index][T index]
        var accuracy = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: temperatures.count),
                                                           count: ks.count), count: lambdas.count)
        for (ki, k) in ks.enumerated() {
            for (ti, t) in temperatures.enumerated() {
                let knn = KNNVote.probabilities(validationNeighbours, labels: bankLabels, classCount: classCount,
                                                k: k, temperature: t)
                for (li, lambda) in lambdas.enumerated() {
                    accuracy[li][ki][ti] = Self.accuracy(knn: knn, network: validationNetworkProbabilities,
                                                         lambda: lambda, labels: validationLabels,
                                                         classCount: classCount)
                }
            }
        }
        var best = (li: 0, ki: 0, ti: 0)
        for li in lambdas.indices {
            for ki in ks.indices {
                for ti in temperatures.indices where accuracy[li][ki][ti] > accuracy[best.li][best.ki][best.ti] {
                    best = (li, ki, ti)
                }
            }
        }
        let curve = lambdas.indices.map { li in
            BlendChoice.CurvePoint(lambda: lambdas[li], accuracy: accuracy[li][best.ki][best.ti])
        }
        return BlendChoice(lambda: lambdas[best.li], k: ks[best.ki], temperature: temperatures[best.ti],
                           validationAccuracy: accuracy[best.li][best.ki][best.ti],
                           validationCount: n, accuracyByLambda: curve)
    }

    /// Fraction of rows whose blended argmax (ties → lowest class) is the label.
    static func accuracy(knn: [Float], network: [Float], lambda: Float, labels: [Int], classCount: Int) -> Double {
        guard !labels.isEmpty else { return 0 }
        var right = 0
        for i in labels.indices {
            var best = 0
            var bestValue = -Float.infinity
            for c in 0..<classCount {
                let v = lambda * knn[i * classCount + c] + (1 - lambda) * network[i * classCount + c]
                if v > bestValue { bestValue = v; best = c }
            }
            if best == labels[i] { right += 1 }
        }
        return Double(right) / Double(labels.count)
    }
}

/// The chosen blend, recorded with the run.
public struct BlendChoice: Codable, Equatable, Sendable {
    public static let serializationVersion = 1

    public struct CurvePoint: Codable, Equatable, Sendable {
        public var lambda: Float
        public var accuracy: Double
    }

    public var serializationVersion: Int = Self.serializationVersion
    public var lambda: Float
    public var k: Int
    public var temperature: Float
    public var validationAccuracy: Double
    public var validationCount: Int
    /// Validation accuracy against λ at the chosen k and T (for the dashboard).
    public var accuracyByLambda: [CurvePoint]

    public init(lambda: Float, k: Int, temperature: Float, validationAccuracy: Double,
                validationCount: Int, accuracyByLambda: [CurvePoint]) {
        self.lambda = lambda
        self.k = k
        self.temperature = temperature
        self.validationAccuracy = validationAccuracy
        self.validationCount = validationCount
        self.accuracyByLambda = accuracyByLambda
    }

    /// [n×C] blended probabilities for new (test) queries searched with k ≥ `self.k`.
    public func apply(to neighbours: NeighbourResult, bankLabels: [Int], networkProbabilities: [Float],
                      classCount: Int) -> [Float] {
        precondition(neighbours.k >= k, "apply: neighbours searched with k=\(neighbours.k) < chosen k=\(k)")
        precondition(networkProbabilities.count == neighbours.queryCount * classCount,
                     "apply: network probabilities hold \(networkProbabilities.count), expected n×C = \(neighbours.queryCount)×\(classCount)")
        let knn = KNNVote.probabilities(neighbours, labels: bankLabels, classCount: classCount,
                                        k: k, temperature: temperature)
        return BlendSelection.blend(knn: knn, network: networkProbabilities, lambda: lambda)
    }
}
