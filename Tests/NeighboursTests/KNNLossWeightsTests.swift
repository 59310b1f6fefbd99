import XCTest
@testable import Neighbours

final class KNNLossWeightsTests: XCTestCase {
    func testLinearWeights() {
        let linear = KNNLossWeights.linear(alpha: 0.1)
        XCTAssertEqual(linear.weight(trueClassProbability: 1), 1)
        XCTAssertEqual(Double(linear.weight(trueClassProbability: 0.5)), 1 + 0.1 * log(2.0), accuracy: 1e-6)
        XCTAssertEqual(linear.weight(trueClassProbability: 0), 1 + 0.1 * 100, "p = 0 clamps ℓ at 100")
        XCTAssertEqual(KNNLossWeights.negativeLogLikelihood(1e-50), 100, "underflowing p clamps too")
        XCTAssertEqual(KNNLossWeights.negativeLogLikelihood(1.0000001), 0, "rounding above 1 is not a negative loss")
    }

    func testFocalWeights() {
        XCTAssertEqual(KNNLossWeights.focal(gamma: 2).weight(trueClassProbability: 0.25), 0.5625, accuracy: 1e-7)
        XCTAssertEqual(KNNLossWeights.focal(gamma: 1).weight(trueClassProbability: 0.9), 0.1, accuracy: 1e-6)
        XCTAssertEqual(KNNLossWeights.focal(gamma: 2).weight(trueClassProbability: 1), 0)
        XCTAssertEqual(KNNLossWeights.none.weight(trueClassProbability: 0), 1)
    }

    func testWeightsFromVoteUseTheTrueClass() {
        // Two examples, C = 2: p_knn(y) = 0.25 and 1.
        let weights = KNNLossWeights.linear(alpha: 2).weights(knnProbabilities: [0.75, 0.25, 0, 1],
                                                              labels: [1, 1], classCount: 2)
        XCTAssertEqual(Double(weights[0]), 1 + 2 * log(4.0), accuracy: 1e-5)
        XCTAssertEqual(weights[1], 1)
    }
}

#if canImport(Glibc)
import Glibc
#endif
