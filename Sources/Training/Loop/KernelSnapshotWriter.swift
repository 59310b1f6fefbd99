import Foundation
import NeuralNetwork
import RunStore
import TensorCore

/// Measures the learned kernel shapes of every similarity layer into a `KernelSnapshot`
/// (kernels/epoch-NNN.json; the record's comment says what each field holds).
///
/// Static layers report their M directly; dynamic layers the mean, spread and per-class
/// mean of the per-sample M over the first `probeCount` test images (inference mode).
public enum KernelSnapshotWriter {
    public static let probeCount = 2000

    /// The snapshot of `model` after `epoch`; nil when the model has no similarity layer.
    public static func snapshot(model: ImageClassifier, epoch: Int, data: DataSplits) -> KernelSnapshot? {
        let layers = model.similarityLayers
        guard !layers.isEmpty else { return nil }
        let dynamic = dynamicStatistics(model: model, layers: layers, dataset: data.test)
        func doubles(_ values: [Float]) -> [Double] { values.map(Double.init(shortest:)) }
        var shapes: [KernelSnapshot.Layer] = []
        for (index, layer) in layers.enumerated() {
            let taps = layer.taps
            var shape = KernelSnapshot.Layer(name: layer.name.replacingOccurrences(of: ".similarity", with: ""),
                                             variant: layer.variant.rawValue, kernelSize: layer.kernelSize)
            if let statistics = dynamic[index] {
                shape.diagonal = doubles(statistics.diagonal)
                shape.diagonalSpread = doubles(statistics.spread)
                shape.perClassDiagonal = statistics.perClass.map(doubles)
                shape.matrix = statistics.matrix.map(doubles)
            } else {
                let matrix = layer.mixingMatrix
                shape.diagonal = (0..<taps).map { Double(shortest: matrix.scalars[$0 * taps + $0]) }
                if layer.variant == .staticFull { shape.matrix = doubles(matrix.scalars) }
            }
            if layer.tapShape != .full {
                shape.kernelShape = layer.tapShape.description
                shape.tapMask = layer.tapMask.map { $0 != 0 ? 1 : 0 }
                shape.tapFlips = layer.takeTapFlips()
            }
            if index == 0 {
                let kernels = layer.effectiveKernels()
                shape.effectiveKernels = KernelSnapshot.Tensor4(shape: kernels.shape, values: doubles(kernels.scalars))
            }
            shapes.append(shape)
        }
        return KernelSnapshot(epoch: epoch, classNames: data.test.classNames, layers: shapes)
    }

    /// Writes kernels/epoch-NNN.json for `model` (nothing for a model without similarity layers).
    public static func write(model: ImageClassifier, epoch: Int, data: DataSplits, run: RunDirectory) throws {
        guard let snapshot = snapshot(model: model, epoch: epoch, data: data) else { return }
        try run.writeKernelSnapshot(snapshot)
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
