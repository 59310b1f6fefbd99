import NeuralNetwork
import TensorCore
import Training

/// `simlab bench train --profile`: where a training step's time goes.
///
/// The timed steps run the network's layers one by one (the same calls `Sequential` makes),
/// timing each forward and backward; the meta-network inside a dynamic similarity layer is
/// timed through `SectionTimer`. Convolutions also get their multiply-add count (the GEMM
/// work: forward Y = W·P, backward dW = dY·Pᵀ and dP = Wᵀ·dY), so their GFLOP/s shows how
/// close the layer runs to the GEMM's speed; the other layers are memory-bound passes.
/// Then the data pipeline (batch assembly + augmentation of a training step) and
/// evaluation (inference passes at batch 250, as after each epoch, and at batch 500).
extension BenchTrainCommand {
    /// One row of the profile: a layer (or a section) with its accumulated seconds.
    struct ProfileRow {
        var label: String
        var kind: String
        var forward: Double = 0
        var backward: Double = 0
        /// Floating-point operations of one step (2 per multiply-add), 0 when not counted.
        var forwardFLOPs: Double = 0
        var backwardFLOPs: Double = 0
    }

    func printProfile(_ choice: ModelChoice) {
        var generator = SeededGenerator(seed: seed)
        let network = choice.build(generator: &generator)
        let parameters = network.parameters
        let optimizer = SGD(.default)
        let loss = SoftmaxCrossEntropy()
        let images = Tensor.randomNormal(shape: [batch, 1, 28, 28], generator: &generator)
        let labels = (0..<batch).map { _ in generator.nextInt(below: 10) }
        let layers: [Layer] = network.body.layers + [network.head]

        var rows = [ProfileRow]()
        var shape = images.shape
        for layer in layers {
            var row = ProfileRow(label: "", kind: "")
            describe(layer, input: shape, into: &row)
            rows.append(row)
            shape = outputShape(layer, input: shape)
        }
        var lossSeconds = 0.0, optimizerSeconds = 0.0

        func step(timed: Bool) {
            var start = now()
            func lap() -> Double { let t = now(); defer { start = t }; return t - start }
            zeroGradients(parameters)
            if timed { optimizerSeconds += lap() }
            var activation = images
            for (i, layer) in layers.enumerated() {
                activation = layer.forward(activation, mode: .training)
                if timed { rows[i].forward += lap() }
            }
            let output = loss(logits: activation, labels: labels)
            var gradient = output.logitsGradient
            if timed { lossSeconds += lap() }
            for (i, layer) in layers.enumerated().reversed() {
                gradient = layer.backward(gradient)
                if timed { rows[i].backward += lap() }
            }
            optimizer.step(parameters, learningRate: 0.01)
            if timed { optimizerSeconds += lap() }
        }

        for _ in 0..<warmup { step(timed: false) }
        SectionTimer.reset()
        SectionTimer.isEnabled = true
        let start = now()
        var timed = 0
        while steps.map({ timed < $0 }) ?? (timed < 3 || now() - start < 3) {
            step(timed: true)
            timed += 1
        }
        let total = now() - start
        SectionTimer.isEnabled = false
        let sections = SectionTimer.seconds

        // Data pipeline of a training step: batch assembly from bytes + pad-2 crop + flip.
        let pool = 4096
        var pixels = [UInt8](repeating: 0, count: pool * 784)
        for i in 0..<pixels.count { pixels[i] = UInt8(truncatingIfNeeded: generator.next()) }
        let dataset = ImageDataset(name: "random", pixels: pixels, labels: (0..<pool).map { $0 % 10 },
                                   height: 28, width: 28, classCount: 10,
                                   normalization: Normalization(mean: 0.29, standardDeviation: 0.35))
        let dataStart = now()
        for s in 0..<timed {
            let indices = (0..<batch).map { (s * batch + $0 * 7) % pool }
            var batchData = dataset.batch(indices)
            Augmentation(fills: dataset.normalization.backgrounds).apply(to: &batchData.images, generator: &generator)
        }
        let dataSeconds = now() - dataStart

        // Evaluation: inference passes at batch 250 (the per-epoch val/test passes) and 500.
        func inferenceRate(batch evaluationBatch: Int) -> Double {
            let evaluationImages = Tensor.randomNormal(shape: [evaluationBatch, 1, 28, 28], generator: &generator)
            _ = network.forward(evaluationImages, mode: .inference)
            let start = now()
            var passes = 0
            while passes < 2 || now() - start < 1 {
                _ = network.forward(evaluationImages, mode: .inference)
                passes += 1
            }
            return Double(passes * evaluationBatch) / (now() - start)
        }
        let evaluation250 = inferenceRate(batch: 250), evaluation500 = inferenceRate(batch: 500)

        // The report.
        let perStep = 1000 / Double(timed)
        let stepMs = total * perStep
        func ms(_ seconds: Double) -> String { String(format: "%.2f", seconds * perStep) }
        func share(_ seconds: Double) -> String { String(format: "%.1f %%", 100 * seconds / total) }
        func rate(_ flops: Double, _ seconds: Double) -> String {
            flops > 0 && seconds > 0 ? String(format: "%.1f", flops * Double(timed) / seconds / 1e9) : ""
        }
        print("profile \(choice.name), batch \(batch), \(threads) threads, \(timed) steps: "
              + String(format: "%.1f ms/step, %.0f img/s", stepMs, Double(timed * batch) / total))
        print(pad("layer", -40) + pad("fwd ms", 9) + pad("bwd ms", 9) + pad("share", 9)
              + pad("MFLOP", 9) + pad("fwd GF/s", 10) + pad("bwd GF/s", 10))
        for row in rows {
            print(pad(row.label, -40) + pad(ms(row.forward), 9) + pad(ms(row.backward), 9)
                  + pad(share(row.forward + row.backward), 9)
                  + pad(row.forwardFLOPs + row.backwardFLOPs > 0
                        ? String(format: "%.0f", (row.forwardFLOPs + row.backwardFLOPs) / 1e6) : "", 9)
                  + pad(rate(row.forwardFLOPs, row.forward), 10) + pad(rate(row.backwardFLOPs, row.backward), 10))
        }
        print("by kind:")
        var kinds = [String]()
        for row in rows where !kinds.contains(row.kind) { kinds.append(row.kind) }
        for kind in kinds {
            let members = rows.filter { $0.kind == kind }
            let forward = members.reduce(0) { $0 + $1.forward }, backward = members.reduce(0) { $0 + $1.backward }
            let flops = members.reduce(0) { $0 + $1.forwardFLOPs + $1.backwardFLOPs }
            print("  " + pad(kind, -38) + pad(ms(forward), 9) + pad(ms(backward), 9) + pad(share(forward + backward), 9)
                  + pad(flops > 0 ? String(format: "%.0f", flops / 1e6) : "", 9)
                  + pad(rate(flops, forward + backward), 10) + "  (both passes)")
        }
        for (section, seconds) in sections.sorted(by: { $0.key < $1.key }) {
            print("  " + pad("  of which \(section)", -38) + pad(ms(seconds), 18) + pad(share(seconds), 9))
        }
        print("  " + pad("loss (softmax cross-entropy)", -38) + pad(ms(lossSeconds), 18) + pad(share(lossSeconds), 9))
        print("  " + pad("optimizer (zero grads + SGD step)", -38) + pad(ms(optimizerSeconds), 18)
              + pad(share(optimizerSeconds), 9))
        let flops = rows.reduce(0) { $0 + $1.forwardFLOPs + $1.backwardFLOPs }
        print(String(format: "convolution GEMM work %.1f MFLOP/image, %.1f GFLOP/s over the whole step",
                     flops / 1e6 / Double(batch), flops * Double(timed) / total / 1e9))
        print(String(format: "data pipeline (batch + augmentation): %.2f ms/step = %.1f %% of a step",
                     dataSeconds * perStep, 100 * dataSeconds / total))
        print(String(format: "evaluation (inference): %.0f img/s at batch 250, %.0f img/s at batch 500",
                     evaluation250, evaluation500))
    }

    /// The label, kind and per-step FLOPs of one layer on input `shape` [N, C, H, W] (or [N, F]).
    private func describe(_ layer: Layer, input shape: [Int], into row: inout ProfileRow) {
        let batch = Double(shape[0])
        let spatial = shape.count == 4 ? "\(shape[2])×\(shape[3])" : ""
        /// 2·N·O·C·K·L for one convolution GEMM.
        func convolutionFLOPs(_ c: Int, _ o: Int, _ k: Int) -> Double {
            shape.count == 4 ? 2 * batch * Double(o * c * k * k * shape[2] * shape[3]) : 0
        }
        switch layer {
        case let conv as Conv2D:
            row.label = "Conv2D \(conv.inputChannels)→\(conv.outputChannels) @\(spatial)"
            row.kind = "stem convolution"
            row.forwardFLOPs = convolutionFLOPs(conv.inputChannels, conv.outputChannels, conv.kernelSize)
            row.backwardFLOPs = row.forwardFLOPs * (conv.computesInputGradient ? 2 : 1)
        case let similarity as SimilarityConv2D:
            row.label = "Similarity[\(similarity.variant.rawValue)] \(similarity.inputChannels)→\(similarity.outputChannels) @\(spatial)"
            row.kind = "similarity convolution"
            row.forwardFLOPs = convolutionFLOPs(similarity.inputChannels, similarity.outputChannels, similarity.kernelSize)
            if let meta = similarity.metaNetwork {
                row.forwardFLOPs += convolutionFLOPs(similarity.inputChannels, meta.hiddenChannels, similarity.kernelSize)
                    + convolutionFLOPs(meta.hiddenChannels, meta.outputChannels, 3)
            }
            row.backwardFLOPs = 2 * row.forwardFLOPs
        case let norm as BatchNorm2D:
            row.label = "BatchNorm2D \(norm.channels) @\(spatial)"; row.kind = "BatchNorm"
        case is ReLU:
            row.label = "ReLU @\(spatial)"; row.kind = "ReLU"
        case let pool as MaxPool2D:
            row.label = (pool.rectifiesInput ? "ReLU+MaxPool2D" : "MaxPool2D") + " @\(spatial)"
            row.kind = pool.rectifiesInput ? "ReLU + max pooling" : "max pooling"
        case is GlobalAveragePool:
            row.label = "GlobalAveragePool @\(spatial)"; row.kind = "global average pool"
        case let linear as Linear:
            row.label = "Linear \(linear.inputFeatures)→\(linear.outputFeatures)"; row.kind = "linear head"
            row.forwardFLOPs = 2 * batch * Double(linear.inputFeatures * linear.outputFeatures)
            row.backwardFLOPs = 2 * row.forwardFLOPs
        default:
            row.label = "\(type(of: layer))"; row.kind = row.label
        }
    }

    /// The output shape of `layer` for input `shape` (the layers of nsn-lite and small-cnn).
    private func outputShape(_ layer: Layer, input shape: [Int]) -> [Int] {
        switch layer {
        case let conv as Conv2D:
            let size = conv.outputSize(height: shape[2], width: shape[3])
            return [shape[0], conv.outputChannels, size.height, size.width]
        case let similarity as SimilarityConv2D:
            let size = similarity.outputSize(height: shape[2], width: shape[3])
            return [shape[0], similarity.outputChannels, size.height, size.width]
        case let pool as MaxPool2D:
            return [shape[0], shape[1], (shape[2] - pool.kernelSize) / pool.stride + 1,
                    (shape[3] - pool.kernelSize) / pool.stride + 1]
        case is GlobalAveragePool:
            return [shape[0], shape[1]]
        case let linear as Linear:
            return [shape[0], linear.outputFeatures]
        default:
            return shape
        }
    }
}
