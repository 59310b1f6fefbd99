import Foundation
import NeuralNetwork
import RunStore
import TensorCore

/// kernels/epoch-NNN.json: the learned kernel shapes of every similarity layer.
///
/// Per layer (k×k kernel, K = k² taps):
/// - static-diag: `diagonal` = m as a k×k map;
/// - static-full: `matrix` = M (K×K) and `diagonal` = its diagonal;
/// - dynamic: `diagonal` = mean of the per-sample M's diagonal over the probe images,
///   `diagonalSpread` its standard deviation, `perClassDiagonal` the mean per true class,
///   and for dynamic-full the mean `matrix`;
/// - conv: `diagonal` of I (all ones), for comparison.
/// The first similarity layer also carries `effectiveKernels` W·M [O, C, k, k].
/// Dynamic statistics use the first `probeCount` test images (inference mode).
public enum KernelSnapshot {
    public static let probeCount = 2000

    struct EffectiveKernels: Codable { var shape: [Int]; var values: [Float] }
    struct LayerShape: Codable {
        var name: String
        var variant: String
        var kernelSize: Int
        var diagonal: [Float]?
        var matrix: [Float]?
        var diagonalSpread: [Float]?
        var perClassDiagonal: [[Float]]?
        var effectiveKernels: EffectiveKernels?
    }
    struct File: Codable {
        var schemaVersion = 1
        var epoch: Int
        var classNames: [String]
        var layers: [LayerShape]
    }

    public static func write(model: ImageClassifier, epoch: Int, data: DataSplits, run: RunDirectory) throws {
        let layers = model.similarityLayers
        guard !layers.isEmpty else { return }
        let dynamic = dynamicStatistics(model: model, layers: layers, dataset: data.test)
        var shapes: [LayerShape] = []
        for (index, layer) in layers.enumerated() {
            let taps = layer.taps
            var shape = LayerShape(name: layer.name.replacingOccurrences(of: ".similarity", with: ""),
                                   variant: layer.variant.rawValue, kernelSize: layer.kernelSize)
            if let statistics = dynamic[index] {
                shape.diagonal = statistics.diagonal
                shape.diagonalSpread = statistics.spread
                shape.perClassDiagonal = statistics.perClass
                shape.matrix = statistics.matrix
            } else {
                let matrix = layer.mixingMatrix
                shape.diagonal = (0..<taps).map { matrix.scalars[$0 * taps + $0] }
                if layer.variant == .staticFull { shape.matrix = matrix.scalars }
            }
            if index == 0 {
                let kernels = layer.effectiveKernels()
                shape.effectiveKernels = EffectiveKernels(shape: kernels.shape, values: kernels.scalars)
            }
            shapes.append(shape)
        }
        try run.createDirectory(run.kernelsURL)
        try run.writeJSON(File(epoch: epoch, classNames: data.test.classNames, layers: shapes),
                          to: run.kernelSnapshotURL(epoch: epoch))
    }

    struct DynamicStatistics {
        var diagonal: [Float]
        var spread: [Float]
        var perClass: [[Float]]
        var matrix: [Float]?
    }

    /// Mean, spread and per-class mean of each dynamic layer's M (averaged over positions).
    static func dynamicStatistics(model: ImageClassifier, layers: [SimilarityConv2D],
                                  dataset: ImageDataset) -> [Int: DynamicStatistics] {
        let dynamicIndices = layers.indices.filter { layers[$0].variant.isDynamic }
        guard !dynamicIndices.isEmpty, dataset.count > 0 else { return [:] }
        let classCount = dataset.classCount
        let count = min(probeCount, dataset.count)
        // Per layer: sums of entries [G], of squared diagonal [K], per-class diagonal sums [C][K].
        var sums: [Int: [Double]] = [:], squares: [Int: [Double]] = [:], classSums: [Int: [[Double]]] = [:]
        var classCounts = [Int](repeating: 0, count: classCount)
        for index in dynamicIndices {
            sums[index] = [Double](repeating: 0, count: layers[index].mixingEntriesPerPosition)
            squares[index] = [Double](repeating: 0, count: layers[index].taps)
            classSums[index] = [[Double]](repeating: [Double](repeating: 0, count: layers[index].taps), count: classCount)
        }
        for start in stride(from: 0, to: count, by: 250) {
            let indices = Array(start..<min(start + 250, count))
            let batch = dataset.batch(indices)
            _ = model.forward(batch.images, mode: .inference)
            for label in batch.labels { classCounts[label] += 1 }
            for index in dynamicIndices {
                let layer = layers[index]
                guard let perSample = layer.dynamicMixingPerSample() else { continue }
                let entries = perSample.shape[1], taps = layer.taps
                for (row, label) in batch.labels.enumerated() {
                    for e in 0..<entries { sums[index]![e] += Double(perSample.scalars[row * entries + e]) }
                    for t in 0..<taps {
                        let entry = layer.variant.isDiagonal ? t : t * taps + t
                        let value = Double(perSample.scalars[row * entries + entry])
                        squares[index]![t] += value * value
                        classSums[index]![label][t] += value
                    }
                }
            }
        }
        var result: [Int: DynamicStatistics] = [:]
        for index in dynamicIndices {
            let layer = layers[index], taps = layer.taps
            let n = Double(count)
            let means = sums[index]!.map { $0 / n }
            let diagonal = (0..<taps).map { means[layer.variant.isDiagonal ? $0 : $0 * taps + $0] }
            let spread = (0..<taps).map { t in (max(0, squares[index]![t] / n - diagonal[t] * diagonal[t])).squareRoot() }
            let perClass = (0..<classCount).map { c in
                classSums[index]![c].map { Float($0 / Double(max(1, classCounts[c]))) }
            }
            result[index] = DynamicStatistics(diagonal: diagonal.map(Float.init), spread: spread.map(Float.init),
                                              perClass: perClass,
                                              matrix: layer.variant.isDiagonal ? nil : means.map(Float.init))
        }
        return result
    }
}
