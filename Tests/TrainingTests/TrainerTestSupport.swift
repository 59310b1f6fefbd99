import Foundation
import RunStore
@testable import Training
import XCTest

/// Ten textures a small convolutional network tells apart: flat grey, horizontal and
/// vertical stripes of period 2/4/8, two checkerboards and a dot grid, each with a random
/// phase and ±20 noise. `side`×`side` pixels, labels `i % 10` in a seeded order.
func textureImages(count: Int, side: Int, seed: UInt64) -> (pixels: [UInt8], labels: [Int]) {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    func next() -> UInt64 {  // xorshift64*: independent of the code under test
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    func pixel(_ label: Int, _ r: Int, _ c: Int) -> Int {
        let bright = 230, dark = 20
        switch label {
        case 0: return 128
        case 1, 2, 3: return (r >> (label - 1)) % 2 == 0 ? bright : dark
        case 4, 5, 6: return (c >> (label - 4)) % 2 == 0 ? bright : dark
        case 7: return (r + c) % 2 == 0 ? bright : dark
        case 8: return (r / 2 + c / 2) % 2 == 0 ? bright : dark
        default: return r % 4 == 0 && c % 4 == 0 ? 250 : 10
        }
    }
    var labels = (0..<count).map { $0 % 10 }
    for i in stride(from: count - 1, to: 0, by: -1) { labels.swapAt(i, Int(next() % UInt64(i + 1))) }
    var pixels = [UInt8](repeating: 0, count: count * side * side)
    for (n, label) in labels.enumerated() {
        let phase = Int(next() % 8)
        for r in 0..<side {
            for c in 0..<side {
                let value = pixel(label, r + phase, c + phase) + Int(next() % 41) - 20
                pixels[(n * side + r) * side + c] = UInt8(max(0, min(255, value)))
            }
        }
    }
    return (pixels, labels)
}

/// Writes the four plain IDX files of a texture dataset into a new temporary directory.
func writeTextureDataset(_ test: XCTestCase, trainCount: Int = 300, testCount: Int = 100, side: Int = 14) throws -> URL {
    let directory = try makeDataTemporaryDirectory(test)
    let train = textureImages(count: trainCount, side: side, seed: 1)
    let testSet = textureImages(count: testCount, side: side, seed: 2)
    let files: [(String, [UInt8])] = [
        ("train-images-idx3-ubyte", idxBytes(dimensions: [trainCount, side, side], data: train.pixels)),
        ("train-labels-idx1-ubyte", idxBytes(dimensions: [trainCount], data: train.labels.map(UInt8.init))),
        ("t10k-images-idx3-ubyte", idxBytes(dimensions: [testCount, side, side], data: testSet.pixels)),
        ("t10k-labels-idx1-ubyte", idxBytes(dimensions: [testCount], data: testSet.labels.map(UInt8.init))),
    ]
    for (name, bytes) in files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
    return directory
}

/// The tiny run every trainer test uses: 250 training images (50 held out), 8 steps of 32.
func tinyConfiguration(dataDirectory: URL, epochs: Int = 4, seed: UInt64 = 3) -> TrainingConfiguration {
    var configuration = TrainingConfiguration()
    configuration.model = "nsn-lite"
    configuration.variant = "static-diag"
    configuration.stemWidth = 4
    configuration.widths = [4, 8]
    configuration.blocksPerStage = 1
    configuration.batchSize = 32
    configuration.epochs = epochs
    configuration.learningRate = 0.05
    configuration.schedule = "cosine"
    configuration.validationSize = 50
    configuration.threads = 1
    configuration.seed = seed
    configuration.dataDirectory = dataDirectory.path
    configuration.knnEvaluate = false
    return configuration
}

func makeTrainer(_ configuration: TrainingConfiguration) throws -> Trainer {
    let data = try DataPreparation.load(configuration)
    let model = try ModelFactory.build(configuration, classCount: data.train.classCount,
                                       imageHeight: data.train.height, imageWidth: data.train.width)
    return try Trainer(configuration: configuration, data: data, model: model)
}

/// Takes `count` steps, closing epochs as the worker does; returns each step's loss.
@discardableResult
func takeSteps(_ trainer: Trainer, _ count: Int) -> [Double] {
    var losses: [Double] = []
    for _ in 0..<count where !trainer.isFinished {
        let report = trainer.step()
        losses.append(report.loss)
        if report.endsEpoch { trainer.finishEpoch(validationAccuracy: nil, testAccuracy: nil) }
    }
    return losses
}
