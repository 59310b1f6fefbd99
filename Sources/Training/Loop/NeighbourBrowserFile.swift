import Foundation
import Neighbours
import RunStore
import TensorCore

/// neighbours.json and neighbours-images.bin: what the dashboard's neighbour browser shows.
///
/// neighbours.json: {"k", "classNames", "imageHeight", "imageWidth", "queries": [{"testIndex",
/// "label", "networkPrediction", "knnPrediction", "blendedPrediction", "misclassified",
/// "hard", "neighbours": [{"trainIndex", "label", "similarity"}]}], "trainImageOrder": [...]}.
/// neighbours-images.bin: uint8 H×W images, first each query's test image in query order,
/// then each training image of `trainImageOrder`.
/// Queries: every test image the network misclassifies and a seeded sample of the rest.
/// "hard" means the kNN vote gives the true class less than half the weight.
enum NeighbourBrowserFile {
    struct Neighbour: Codable { var trainIndex: Int; var label: Int; var similarity: Float }
    struct Query: Codable {
        var testIndex: Int
        var label: Int
        var networkPrediction: Int
        var knnPrediction: Int
        var blendedPrediction: Int
        var misclassified: Bool
        var hard: Bool
        var neighbours: [Neighbour]
    }
    struct File: Codable {
        var k: Int
        var classNames: [String]
        var imageHeight: Int
        var imageWidth: Int
        var queries: [Query]
        var trainImageOrder: [Int]
    }

    static func write(run: RunDirectory, data: DataSplits, neighbours: NeighbourResult,
                      networkPredictions: [Int], knnPredictions: [Int], blendedPredictions: [Int],
                      knnProbabilities: [Float], seed: UInt64, correctSample: Int) throws {
        let test = data.test, train = data.train
        let classCount = train.classCount
        var misclassified: [Int] = [], correct: [Int] = []
        for i in 0..<test.count {
            if networkPredictions[i] != test.labels[i] { misclassified.append(i) } else { correct.append(i) }
        }
        var generator = SeededGenerator(seed: seed).derived(0xB0_0C)
        correct.shuffle(using: &generator)
        let chosen = (misclassified + correct.prefix(correctSample)).sorted()

        var trainOrder: [Int] = []
        var seen = Set<Int>()
        var queries: [Query] = []
        for i in chosen {
            let indices = neighbours.neighbours(of: i)
            let similarities = neighbours.neighbourSimilarities(of: i)
            var list: [Neighbour] = []
            for (index, similarity) in zip(indices, similarities) where index >= 0 {
                let trainIndex = Int(index)
                list.append(Neighbour(trainIndex: trainIndex, label: train.labels[trainIndex], similarity: similarity))
                if seen.insert(trainIndex).inserted { trainOrder.append(trainIndex) }
            }
            let label = test.labels[i]
            queries.append(Query(testIndex: i, label: label, networkPrediction: networkPredictions[i],
                                 knnPrediction: knnPredictions[i], blendedPrediction: blendedPredictions[i],
                                 misclassified: networkPredictions[i] != label,
                                 hard: knnProbabilities[i * classCount + label] < 0.5, neighbours: list))
        }
        let size = test.imageSize
        var images: [UInt8] = []
        images.reserveCapacity((chosen.count + trainOrder.count) * size)
        for i in chosen { images += test.pixels[(i * size)..<((i + 1) * size)] }
        for i in trainOrder { images += train.pixels[(i * size)..<((i + 1) * size)] }
        try run.writeBytes(images, to: run.url.appendingPathComponent("neighbours-images.bin"))
        let file = File(k: neighbours.k, classNames: train.classNames, imageHeight: test.height,
                        imageWidth: test.width, queries: queries, trainImageOrder: trainOrder)
        try run.writeJSON(file, to: run.neighboursURL(extension: "json"))
    }
}
