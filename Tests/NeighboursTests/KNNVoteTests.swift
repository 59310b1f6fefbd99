import XCTest
@testable import Neighbours

final class KNNVoteTests: XCTestCase {
    /// One query whose neighbours (best first) are bank rows 0, 1, 2, … with `similarities`.
    func result(similarities: [Float], k: Int? = nil) -> NeighbourResult {
        let k = k ?? similarities.count
        var indices = [Int32](repeating: -1, count: k)
        var padded = [Float](repeating: -.infinity, count: k)
        for r in similarities.indices { indices[r] = Int32(r); padded[r] = similarities[r] }
        return NeighbourResult(queryCount: 1, k: k, indices: indices, similarities: padded,
                               counts: [Int32(similarities.count)])
    }

    func testHandComputedVote() {
        // sims 0.9, 0.8, 0.5 with labels 1, 0, 1 and C = 3.
        let neighbours = result(similarities: [0.9, 0.8, 0.5])
        for (t, w1, w2) in [(1.0, exp(-0.1), exp(-0.4)), (0.5, exp(-0.2), exp(-0.8))] {
            let p = KNNVote.probabilities(neighbours, labels: [1, 0, 1], classCount: 3, temperature: Float(t))
            let total = 1 + w1 + w2
            XCTAssertEqual(Double(p[0]), w1 / total, accuracy: 1e-6, "T=\(t) class 0")
            XCTAssertEqual(Double(p[1]), (1 + w2) / total, accuracy: 1e-6, "T=\(t) class 1")
            XCTAssertEqual(p[2], 0, "T=\(t) class 2")
        }
    }

    func testTinyTemperaturePutsAllWeightOnTheBest() {
        let neighbours = result(similarities: [-1, -1.5, -900])   // euclidean-like, far apart
        let p = KNNVote.probabilities(neighbours, labels: [2, 0, 1], classCount: 3, temperature: 1e-4)
        XCTAssertTrue(p.allSatisfy { $0.isFinite }, "probabilities \(p)")
        XCTAssertEqual(p, [0, 0, 1])
        XCTAssertEqual(KNNVote.predictions(p, classCount: 3), [2])
    }

    func testKLargerThanClassCountAndPrefixes() {
        // 7 neighbours, 2 classes, equal sims at T = 1 → a plain majority 4:3.
        let neighbours = result(similarities: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
        let labels = [1, 0, 1, 0, 1, 0, 1]
        let all = KNNVote.probabilities(neighbours, labels: labels, classCount: 2, temperature: 1)
        XCTAssertEqual(all[0], 3.0 / 7.0, accuracy: 1e-6)
        XCTAssertEqual(all[1], 4.0 / 7.0, accuracy: 1e-6)
        let two = KNNVote.probabilities(neighbours, labels: labels, classCount: 2, k: 2, temperature: 1)
        XCTAssertEqual(two, [0.5, 0.5])
        XCTAssertEqual(KNNVote.predictions(two, classCount: 2), [0], "ties go to the lowest class")
    }

    func testQueryWithoutNeighboursIsUniformAndFewerThanKAreUsed() {
        let none = NeighbourResult(queryCount: 1, k: 3, indices: [-1, -1, -1],
                                   similarities: [-.infinity, -.infinity, -.infinity], counts: [0])
        XCTAssertEqual(KNNVote.probabilities(none, labels: [], classCount: 4), [0.25, 0.25, 0.25, 0.25])
        let short = result(similarities: [0.3], k: 5)
        XCTAssertEqual(KNNVote.probabilities(short, labels: [1], classCount: 2), [0, 1])
    }
}

#if canImport(Glibc)
import Glibc
#endif
