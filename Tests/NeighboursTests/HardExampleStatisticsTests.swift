import Foundation
import XCTest
@testable import Neighbours

final class HardExampleStatisticsTests: XCTestCase {
    // Labels 0, 1, 1, 0. kNN predicts 0, 1, 0, 0 (last is a tie → class 0): one error, in class 1.
    // Network predicts 1, 1, 1, 0: one error, in example 0.
    let labels = [0, 1, 1, 0]
    let knn: [Float] = [0.95, 0.05, 0.25, 0.75, 0.55, 0.45, 0.5, 0.5]
    let network: [Float] = [0.2, 0.8, 0.1, 0.9, 0.3, 0.7, 0.6, 0.4]

    func testHandMadeExample() throws {
        let stats = HardExampleStatistics(knnProbabilities: knn, labels: labels, classCount: 2,
                                          networkProbabilities: network, blendLambda: 0.5,
                                          alpha: 0.5, gamma: 2, binCount: 10, epoch: 3, featureSpace: "pixels")
        // p_knn(y) = 0.95, 0.75, 0.45, 0.5 → bins 9, 7, 4, 5.
        XCTAssertEqual(stats.trueClassProbabilityHistogram, [0, 0, 0, 0, 1, 1, 0, 1, 0, 1])
        XCTAssertEqual(stats.knnErrorRate, 0.25)
        XCTAssertEqual(stats.knnAccuracy, 0.75)
        XCTAssertEqual(stats.knnErrorRateByClass, [0, 0.5])
        XCTAssertEqual(stats.classCounts, [2, 2])
        let nll = [0.95, 0.75, 0.45, 0.5].map { -log($0) }
        let meanNLL = nll.reduce(0, +) / 4
        XCTAssertEqual(stats.lossWeights.meanNegativeLogLikelihood, meanNLL, accuracy: 1e-6)
        XCTAssertEqual(stats.lossWeights.maxNegativeLogLikelihood, -log(0.45), accuracy: 1e-6)
        XCTAssertEqual(stats.lossWeights.meanWeight, 1 + 0.5 * meanNLL, accuracy: 1e-6)
        XCTAssertEqual(stats.lossWeights.maxWeight, 1 + 0.5 * -log(0.45), accuracy: 1e-6)
        let focal = [0.05, 0.25, 0.55, 0.5].map { $0 * $0 }
        XCTAssertEqual(stats.lossWeights.meanFocalWeight, focal.reduce(0, +) / 4, accuracy: 1e-6)
        XCTAssertEqual(stats.lossWeights.maxFocalWeight, 0.55 * 0.55, accuracy: 1e-6)

        let comparison = try XCTUnwrap(stats.network)
        XCTAssertEqual(comparison.bothRight, 0.5)              // examples 1 and 3
        XCTAssertEqual(comparison.bothWrong, 0)
        XCTAssertEqual(comparison.networkWrongKNNRight, 0.25)  // example 0
        XCTAssertEqual(comparison.networkRightKNNWrong, 0.25)  // example 2
        XCTAssertEqual(comparison.agreement, 0.5)
        XCTAssertEqual(comparison.networkAccuracy, 0.75)
        // Blend at λ = 0.5: (0.575, 0.425), (0.175, 0.825), (0.425, 0.575), (0.55, 0.45) → all right.
        XCTAssertEqual(comparison.blendedAccuracy, 1)
    }

    func testRoundTripsThroughJSONAndWorksWithoutNetwork() throws {
        let stats = HardExampleStatistics(knnProbabilities: knn, labels: labels, classCount: 2, alpha: 0.01)
        XCTAssertNil(stats.network)
        XCTAssertEqual(stats.trueClassProbabilityHistogram.count, 20)
        XCTAssertEqual(stats.trueClassProbabilityHistogram.reduce(0, +), 4)
        let data = try JSONEncoder().encode(stats)
        XCTAssertEqual(try JSONDecoder().decode(HardExampleStatistics.self, from: data), stats)
    }

    func testCertainVoteFallsInTheLastBinAndZeroClampsTheWeight() {
        let stats = HardExampleStatistics(knnProbabilities: [1, 0, 1, 0], labels: [0, 1], classCount: 2,
                                          alpha: 1, binCount: 4)
        XCTAssertEqual(stats.trueClassProbabilityHistogram, [1, 0, 0, 1])
        XCTAssertEqual(stats.lossWeights.maxNegativeLogLikelihood, 100)
        XCTAssertEqual(stats.lossWeights.maxWeight, 101)
        XCTAssertEqual(stats.knnErrorRateByClass, [0, 1])
    }
}
