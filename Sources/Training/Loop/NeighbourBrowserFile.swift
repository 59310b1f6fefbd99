import Foundation
import Neighbours
import RunStore
import TensorCore

/// Chooses what the dashboard's neighbour browser shows and writes it as `NeighbourResults`
/// (neighbours.json) with its images (neighbours-images.bin).
///
/// Queries: every test image the network misclassifies and a seeded sample of the rest.
/// "hard" means the kNN vote gives the true class less than half the weight.
enum NeighbourBrowserFile {
    typealias Neighbour = NeighbourResults.Neighbour
    typealias Query = NeighbourResults.Query

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
                list.append(Neighbour(trainIndex: trainIndex, label: train.labels[trainIndex], similarity: Double(shortest: similarity)))
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
        let results = NeighbourResults(k: neighbours.k, classNames: train.classNames, queries: queries,
                                       trainImageOrder: trainOrder, imageChannels: test.channels,
                                       imageHeight: test.height, imageWidth: test.width)
        try run.writeNeighbours(results, images: images)
    }
}
