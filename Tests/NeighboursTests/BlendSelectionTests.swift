import XCTest
@testable import Neighbours

final class BlendSelectionTests: XCTestCase {
    /// Bank: rows 0..<10 of class 0, rows 10..<20 of class 1.
    let bankLabels = (0..<20).map { $0 < 10 ? 0 : 1 }

    /// n queries with k = 10 neighbours: the first 4 of the wrong class (similarity 0.90),
    /// the next 6 of the true class (0.89). So k = 5 votes wrong; k = 10 votes right only
    /// when T is warm enough: 6·exp(−0.01/T) > 4 ⇔ T > 0.0247 (0.01 fails, 0.03 passes).
    func trickyNeighbours(labels: [Int]) -> NeighbourResult {
        var indices: [Int32] = [], similarities: [Float] = []
        for y in labels {
            let right = y == 0 ? 0 : 10, wrong = y == 0 ? 10 : 0
            indices += (0..<4).map { Int32(wrong + $0) } + (0..<6).map { Int32(right + $0) }
            similarities += [Float](repeating: 0.90, count: 4) + [Float](repeating: 0.89, count: 6)
        }
        return NeighbourResult(queryCount: labels.count, k: 10, indices: indices, similarities: similarities,
                               counts: [Int32](repeating: 10, count: labels.count))
    }

    /// Every neighbour has the true class.
    func cleanNeighbours(labels: [Int]) -> NeighbourResult {
        let indices = labels.flatMap { y in (0..<10).map { Int32(y * 10 + $0) } }
        return NeighbourResult(queryCount: labels.count, k: 10, indices: indices,
                               similarities: [Float](repeating: 0.5, count: labels.count * 10),
                               counts: [Int32](repeating: 10, count: labels.count))
    }

    func network(labels: [Int], trueClassProbability p: Float) -> [Float] {
        labels.flatMap { y in y == 0 ? [p, 1 - p] : [1 - p, p] }
    }

    let labels = [0, 1, 1, 0, 1]

    func testChoosesKAndTemperatureThatMakeTheVoteRight() {
        let choice = BlendSelection.select(validationNeighbours: trickyNeighbours(labels: labels),
                                           bankLabels: bankLabels, validationLabels: labels,
                                           validationNetworkProbabilities: network(labels: labels, trueClassProbability: 0.5),
                                           classCount: 2, ks: [5, 10])
        // The network is uniform (its argmax is class 0), so any λ > 0 follows the vote.
        XCTAssertEqual(choice.lambda, 0.1)
        XCTAssertEqual(choice.k, 10)
        XCTAssertEqual(choice.temperature, 0.03)
        XCTAssertEqual(choice.validationAccuracy, 1)
        XCTAssertEqual(choice.accuracyByLambda.map(\.accuracy), [0.4] + [Double](repeating: 1, count: 10))
    }

    func testChoiceFollowsTheValidationData() {
        let neighbours = cleanNeighbours(labels: labels)
        // Network right: λ = 0 already scores 1 and is first.
        let trusted = BlendSelection.select(validationNeighbours: neighbours, bankLabels: bankLabels,
                                            validationLabels: labels,
                                            validationNetworkProbabilities: network(labels: labels, trueClassProbability: 0.9),
                                            classCount: 2)
        XCTAssertEqual(trusted.lambda, 0)
        // Network wrong with p(y) = 0.3: λ + (1 − λ)·0.3 > 0.5 ⇔ λ > 2/7, so λ = 0.3.
        let distrusted = BlendSelection.select(validationNeighbours: neighbours, bankLabels: bankLabels,
                                               validationLabels: labels,
                                               validationNetworkProbabilities: network(labels: labels, trueClassProbability: 0.3),
                                               classCount: 2)
        XCTAssertEqual(distrusted.lambda, 0.3, accuracy: 1e-6)
        XCTAssertEqual(distrusted.accuracyByLambda.map(\.accuracy),
                       [0, 0, 0] + [Double](repeating: 1, count: 8))
    }

    func testApplyUsesTheChoiceAndTestDataCannotChangeIt() {
        let choice = BlendSelection.select(validationNeighbours: trickyNeighbours(labels: labels),
                                           bankLabels: bankLabels, validationLabels: labels,
                                           validationNetworkProbabilities: network(labels: labels, trueClassProbability: 0.5),
                                           classCount: 2, ks: [5, 10])
        // The choice is made from validation data alone: λ = 0.1, k = 10, T = 0.03 (see the first
        // test). Applying it to test sets of other sizes, labels and network confidence must
        // blend with exactly those values, computed here in Double from the raw neighbours:
        // 4 wrong at s = 0.90 (weight 1), 6 right at s = 0.89 (weight exp((0.89 − 0.90)/T)).
        XCTAssertEqual(choice.lambda, 0.1)
        XCTAssertEqual(choice.k, 10)
        XCTAssertEqual(choice.temperature, 0.03)
        let lambda = 0.1, temperature = Double(Float(0.03))
        let rightWeight = exp((Double(Float(0.89)) - Double(Float(0.90))) / temperature)
        let knnTrue = 6 * rightWeight / (4 + 6 * rightWeight)
        for (testLabels, p) in [([1, 1, 0], Float(0.2)), ([0, 0, 0, 1, 1, 1, 0], Float(0.95))] {
            let testNeighbours = trickyNeighbours(labels: testLabels)
            let testNetwork = network(labels: testLabels, trueClassProbability: p)
            let blended = choice.apply(to: testNeighbours, bankLabels: bankLabels,
                                       networkProbabilities: testNetwork, classCount: 2)
            XCTAssertEqual(blended.count, testLabels.count * 2)
            for (q, y) in testLabels.enumerated() {
                for c in 0..<2 {
                    let knn = c == y ? knnTrue : 1 - knnTrue
                    let net = c == y ? Double(p) : 1 - Double(p)
                    XCTAssertEqual(Double(blended[q * 2 + c]), lambda * knn + (1 - lambda) * net,
                                   accuracy: 1e-6, "test set of \(testLabels.count), query \(q), class \(c)")
                }
            }
        }
    }
}
