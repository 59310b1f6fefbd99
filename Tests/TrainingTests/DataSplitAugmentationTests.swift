import XCTest
import TensorCore
@testable import Training

final class DataSplitAugmentationTests: XCTestCase {
    func balancedLabels(perClass: Int, classes: Int = 10) -> [Int] { (0..<perClass * classes).map { $0 % classes } }

    func testValidationSplitIsStratifiedDisjointCoveringAndDeterministic() {
        let labels = balancedLabels(perClass: 6000)
        let split = DatasetSplit(labels: labels, classCount: 10, validationCount: 5000, seed: 42)
        XCTAssertEqual(split.validationIndices.count, 5000)
        XCTAssertEqual(split.trainIndices.count, 55_000)
        var perClass = [Int](repeating: 0, count: 10)
        for i in split.validationIndices { perClass[labels[i]] += 1 }
        XCTAssertEqual(perClass, [Int](repeating: 500, count: 10))
        XCTAssertTrue(Set(split.trainIndices).isDisjoint(with: split.validationIndices))
        XCTAssertEqual((split.trainIndices + split.validationIndices).sorted(), Array(0..<60_000))
        XCTAssertEqual(split.unusedIndices, [])
        XCTAssertEqual(DatasetSplit(labels: labels, classCount: 10, validationCount: 5000, seed: 42), split, "same seed")
        XCTAssertNotEqual(DatasetSplit(labels: labels, classCount: 10, validationCount: 5000, seed: 43).validationIndices,
                          split.validationIndices, "different seed")
    }

    func testUnbalancedClassesGetProportionalShares() {
        let counts = [100, 50, 10, 1]
        let labels = counts.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) }
        let split = DatasetSplit(labels: labels, classCount: 4, validationCount: 16, seed: 1)
        var perClass = [Int](repeating: 0, count: 4)
        for i in split.validationIndices { perClass[labels[i]] += 1 }
        // Exact shares 9.94, 4.97, 0.99, 0.10; largest remainders round up the first three.
        XCTAssertEqual(perClass, [10, 5, 1, 0])
        XCTAssertEqual(split.validationIndices.count + split.trainIndices.count, labels.count)
    }

    func testTrainFractionIsAStratifiedSubsetOfTheRest() {
        let labels = balancedLabels(perClass: 6000)
        for (fraction, perClassExpected) in [(0.01, 55), (0.1, 550)] {
            let split = DatasetSplit(labels: labels, classCount: 10, validationCount: 5000, trainFraction: fraction, seed: 7)
            var perClass = [Int](repeating: 0, count: 10)
            for i in split.trainIndices { perClass[labels[i]] += 1 }
            XCTAssertEqual(perClass, [Int](repeating: perClassExpected, count: 10), "fraction \(fraction)")
            XCTAssertEqual(split.validationIndices, DatasetSplit(labels: labels, classCount: 10, validationCount: 5000, seed: 7).validationIndices,
                           "fraction \(fraction): validation set does not depend on the fraction")
            XCTAssertEqual((split.trainIndices + split.validationIndices + split.unusedIndices).sorted(), Array(0..<60_000),
                           "fraction \(fraction)")
        }
        let tiny = DatasetSplit(labels: balancedLabels(perClass: 20), classCount: 10, validationCount: 0, trainFraction: 0.01, seed: 1)
        XCTAssertEqual(tiny.trainIndices.count, 10, "at least one example per class")
    }

    func testDataSplitsUseTrainingStatisticsAndRecordIndices() {
        let pixels = (0..<40 * 4).map { UInt8(($0 * 13) % 256) }
        let full = ImageDataset(name: "tiny", pixels: pixels, labels: balancedLabels(perClass: 4), height: 2, width: 2, classCount: 10)
        let test = ImageDataset(name: "tiny test", pixels: [UInt8](repeating: 200, count: 8), labels: [0, 1], height: 2, width: 2, classCount: 10)
        let data = LoadedDataset(location: DatasetLocation(directory: "/x", source: .argument), train: full, test: test)
        let split = DatasetSplit(labels: full.labels, classCount: 10, validationCount: 10, seed: 3)
        let splits = DataSplits(data, split: split)
        let trainPixels = split.trainIndices.flatMap { pixels[$0 * 4..<$0 * 4 + 4] }
        let expected = Normalization.compute(pixels: trainPixels)
        XCTAssertEqual(splits.train.normalization, expected)
        XCTAssertEqual(splits.validation.normalization, expected)
        XCTAssertEqual(splits.test.normalization, expected)
        XCTAssertEqual(splits.validation.sourceIndices, split.validationIndices)
        XCTAssertEqual(splits.train.subset([2, 0]).sourceIndices, [split.trainIndices[2], split.trainIndices[0]])
        let (batch, labels) = splits.test.batch([1])
        XCTAssertEqual(labels, [1])
        XCTAssertEqual(batch[0, 0, 1, 1], (200 / 255 - expected.means[0]) / expected.standardDeviations[0], accuracy: 1e-5)
        // Normalization against a direct two-pass computation.
        let values = trainPixels.map { Double($0) / 255 }
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(Double(expected.means[0]), mean, accuracy: 1e-6)
        XCTAssertEqual(Double(expected.standardDeviations[0]), std, accuracy: 1e-6)
    }

    func randomBatch(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomNormal(shape: shape, generator: &generator)
    }

    func testFlipTwiceAndZeroShiftAreIdentity() {
        for shape in [[3, 1, 28, 28], [2, 3, 5, 4], [1, 1, 1, 1]] {
            let original = randomBatch(shape, seed: 9)
            var x = original
            let flips = (0..<shape[0]).map { $0 % 2 == 0 }
            Augmentation.flipHorizontally(&x, where: flips)
            if shape[3] > 1 { XCTAssertNotEqual(x, original, "shape \(shape): one flip changes the batch") }
            Augmentation.flipHorizontally(&x, where: flips)
            XCTAssertEqual(x, original, "shape \(shape): flip twice")
            Augmentation.shift(&x, by: Array(repeating: (0, 0), count: shape[0]), fill: 5)
            XCTAssertEqual(x, original, "shape \(shape): zero shift")
        }
    }

    func testShiftMatchesPaddedCrop() {
        let original = randomBatch([2, 2, 6, 5], seed: 4)
        let shifts = [(dy: 2, dx: -1), (dy: -2, dx: 2)]
        var x = original
        Augmentation.shift(&x, by: shifts, fill: -0.5)
        // Reference: pad by 2 with the fill value, crop the 6×5 window at (2 + dy, 2 + dx).
        for n in 0..<2 {
            for c in 0..<2 {
                var padded = [[Float]](repeating: [Float](repeating: -0.5, count: 9), count: 10)
                for y in 0..<6 { for xx in 0..<5 { padded[y + 2][xx + 2] = original[n, c, y, xx] } }
                for y in 0..<6 {
                    for xx in 0..<5 {
                        XCTAssertEqual(x[n, c, y, xx], padded[y + 2 + shifts[n].dy][xx + 2 + shifts[n].dx], "n\(n) c\(c) y\(y) x\(xx)")
                    }
                }
            }
        }
    }

    func testApplyIsDeterministicAndKeepsShape() {
        let original = randomBatch([16, 1, 28, 28], seed: 1)
        let augmentation = Augmentation(padding: 2, horizontalFlip: true, fill: -0.81)
        func run(_ seed: UInt64) -> Tensor {
            var x = original
            var generator = SeededGenerator(seed: seed)
            augmentation.apply(to: &x, generator: &generator)
            return x
        }
        XCTAssertEqual(run(5).shape, [16, 1, 28, 28])
        XCTAssertEqual(run(5), run(5), "same seed, same batch")
        XCTAssertNotEqual(run(5), run(6), "different seeds")
        XCTAssertNotEqual(run(5), original)
        var x = original
        var generator = SeededGenerator(seed: 5)
        Augmentation(padding: 0, horizontalFlip: false).apply(to: &x, generator: &generator)
        XCTAssertEqual(x, original, "no padding and no flip is the identity")
    }
}
