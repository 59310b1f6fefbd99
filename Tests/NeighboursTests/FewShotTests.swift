import Neighbours
import XCTest

final class FewShotTests: XCTestCase {
    /// A pool of 6 classes (2, 3, 5, 7, 8, 9) with 12 images each, interleaved.
    let labels = (0..<72).map { [2, 3, 5, 7, 8, 9][$0 % 6] }

    func testEpisodesHoldDistinctImagesOfTheirWaysOnly() throws {
        let sampler = try EpisodeSampler(labels: labels, ways: 4, shots: 5, queries: 7, seed: 3)
        XCTAssertEqual(sampler.classes, [2, 3, 5, 7, 8, 9])
        var classesSeen = Set<Int>()
        for index in 0..<200 {
            let episode = sampler.episode(index)
            XCTAssertEqual(Set(episode.classes).count, 4, "four distinct ways")
            XCTAssertEqual(episode.support.count, 20)
            XCTAssertEqual(episode.queries.count, 28)
            XCTAssertTrue(Set(episode.support).isDisjoint(with: episode.queries), "no image is both support and query")
            XCTAssertEqual(Set(episode.support + episode.queries).count, 48, "no image drawn twice")
            for (image, way) in zip(episode.support, episode.supportLabels) {
                XCTAssertEqual(labels[image], episode.classes[way], "a support image belongs to its way's class")
            }
            for (image, way) in zip(episode.queries, episode.queryLabels) {
                XCTAssertEqual(labels[image], episode.classes[way], "a query image belongs to its way's class")
            }
            XCTAssertEqual(episode.supportLabels, (0..<4).flatMap { Array(repeating: $0, count: 5) })
            classesSeen.formUnion(episode.classes)
        }
        XCTAssertEqual(classesSeen, Set(labels), "every pool class is drawn, and nothing else")
    }

    func testEpisodesAreReproducibleBySeedAndIndex() throws {
        let a = try EpisodeSampler(labels: labels, ways: 3, shots: 1, queries: 4, seed: 11)
        let b = try EpisodeSampler(labels: labels, ways: 3, shots: 1, queries: 4, seed: 11)
        let other = try EpisodeSampler(labels: labels, ways: 3, shots: 1, queries: 4, seed: 12)
        let episodes = (0..<50).map(a.episode)
        XCTAssertEqual(episodes, (0..<50).map(b.episode), "same seed, same episodes")
        XCTAssertEqual(a.episode(37), episodes[37], "an episode does not depend on those drawn before it")
        XCTAssertNotEqual(episodes, (0..<50).map(other.episode), "another seed, other episodes")
        XCTAssertNotEqual(episodes[0], episodes[1], "episodes differ from one another")
    }

    func testSamplerRefusesPoolsTooSmallForTheEpisode() {
        XCTAssertThrowsError(try EpisodeSampler(labels: labels, ways: 7, shots: 1, queries: 1, seed: 0)) { error in
            XCTAssertEqual(error as? EpisodeSampler.Problem, .tooFewClasses(ways: 7, available: [2, 3, 5, 7, 8, 9]))
        }
        XCTAssertThrowsError(try EpisodeSampler(labels: labels, ways: 2, shots: 5, queries: 8, seed: 0)) { error in
            XCTAssertEqual(error as? EpisodeSampler.Problem, .tooFewImages(classLabel: 2, count: 12, needed: 13))
        }
        XCTAssertThrowsError(try EpisodeSampler(labels: labels, ways: 2, shots: 0, queries: 8, seed: 0)) { error in
            XCTAssertEqual(error as? EpisodeSampler.Problem, .notPositive(name: "--shots", value: 0))
        }
        XCTAssertNoThrow(try EpisodeSampler(labels: labels, ways: 6, shots: 5, queries: 7, seed: 0), "12 images are exactly enough")
    }

    func testConfidenceIntervalMatchesAHandComputedCase() throws {
        // mean 0.75; sample sd = √((0.0625 + 0 + 0.0625 + 0) / 3) = 0.204124…; 1.96 · sd / √4 = 0.200041…
        let interval = try XCTUnwrap(MeanConfidenceInterval([0.5, 0.75, 1.0, 0.75]))
        XCTAssertEqual(interval.mean, 0.75, accuracy: 1e-12)
        XCTAssertEqual(interval.standardDeviation, (0.125 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(interval.halfWidth, 0.2000416623, accuracy: 1e-9)
        XCTAssertEqual(interval.count, 4)
        XCTAssertEqual(MeanConfidenceInterval([0.6])?.halfWidth, 0, "one episode: no spread to measure")
        XCTAssertNil(MeanConfidenceInterval([]))
    }

    /// Two ways on the plane: way 0 around the x axis, way 1 around the y axis.
    func testPrototypeClassifierTakesTheNearestNormalisedClassMean() {
        let support: [Float] = [1, 0.2,   1, -0.2,   0.1, 1,   -0.1, 2]
        let supportLabels = [0, 0, 1, 1]
        // Query 2 is nearer way 0's prototype by angle, though far from every support image in length.
        let queries: [Float] = [0.9, 0.1,   0.2, 0.8,   10, 3]
        let predictions = FewShotClassifier.prototype.predict(support: support, supportLabels: supportLabels,
                                                             queries: queries, dimension: 2, ways: 2)
        XCTAssertEqual(predictions, [0, 1, 0])
    }

    func testPrototypeAndKNNDisagreeWhereTheMeanMisleads() {
        // Way 0: two support images at ±60° from the x axis; way 1: one at 40°. A query at 55°
        // is nearest a way-0 image (5° away) but nearest the way-1 prototype (the way-0 mean
        // points along x, 55° away; way 1 is 15° away).
        func unit(_ degrees: Float) -> [Float] { [cos(degrees * .pi / 180), sin(degrees * .pi / 180)] }
        let support = unit(60) + unit(-60) + unit(40)
        let supportLabels = [0, 0, 1]
        let query = unit(55)
        XCTAssertEqual(FewShotClassifier.prototype.predict(support: support, supportLabels: supportLabels,
                                                           queries: query, dimension: 2, ways: 2), [1])
        XCTAssertEqual(FewShotClassifier.knn.predict(support: support, supportLabels: supportLabels,
                                                     queries: query, dimension: 2, ways: 2, k: 1), [0])
        // k = 3: two votes for way 0 against one.
        XCTAssertEqual(FewShotClassifier.knn.predict(support: support, supportLabels: supportLabels,
                                                     queries: unit(45), dimension: 2, ways: 2, k: 3), [0])
        // k = 2 at 45°: one vote each; way 1 (40°, 5° away) has the larger summed similarity than way 0's 60° image.
        XCTAssertEqual(FewShotClassifier.knn.predict(support: support, supportLabels: supportLabels,
                                                     queries: unit(45), dimension: 2, ways: 2, k: 2), [1])
    }
}
