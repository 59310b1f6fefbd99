import TensorCore

/// The three networks simlab trains.
///
/// - `nsn-lite` (the reference network): conv3×3(C→stem)-BN-ReLU, then per stage `blocks` similarity
///   layers (each followed by BN-ReLU) and a 2×2 max-pool, global average pool, linear head.
///   On 28×28 with widths 16/32/64: 28→14→7→3.
/// - `nsl-cnn9`: the NSL paper's 9-layer CIFAR backbone, the same layout with a root of width
///   32 and three stages of three 3×3 similarity layers at 32/64/128 (32→16→8→4 on CIFAR);
///   docs/nsl-cnn9.md says what it takes from the paper's released code and where it differs.
/// - `small-cnn`: conv(1→32, 3×3, pad 1)-ReLU-maxpool 2, conv(32→64, 3×3, pad 1)-ReLU-maxpool 2,
///   linear 3136→128-ReLU, linear 128→10 (the network the speed target is measured on).
public enum ModelBuilder {
    public struct NSNLiteOptions: Equatable, Sendable {
        public var variant: SimilarityVariant = .conv
        public var stemWidth = 16
        public var widths = [16, 32, 64]
        public var blocksPerStage = 2
        public var kernelSize = 3
        public var metaHidden = 8
        /// Which taps of every similarity layer's kernel exist (`KernelShape`).
        public var kernelShape: KernelShape = .full
        public init() {}
    }

    public static func nsnLite(_ options: NSNLiteOptions, inputChannels: Int = 1, classCount: Int = 10,
                               imageHeight: Int = 28, imageWidth: Int = 28,
                               generator: inout SeededGenerator) -> ImageClassifier {
        precondition(!options.widths.isEmpty, "nsn-lite needs at least one stage")
        let stem = Conv2D(inputChannels: inputChannels, outputChannels: options.stemWidth, kernelSize: 3,
                          bias: false, name: "stem.conv", generator: &generator)
        stem.computesInputGradient = false          // the image's gradient is never used
        var layers: [Layer] = [
            stem,
            BatchNorm2D(channels: options.stemWidth, name: "stem.bn", rectifiesOutput: true),   // BN-ReLU, one pass
        ]
        var channels = options.stemWidth
        var height = imageHeight, width = imageWidth
        for (stage, stageWidth) in options.widths.enumerated() {
            for block in 0..<options.blocksPerStage {
                let name = "stage\(stage + 1).block\(block + 1)"
                layers.append(SimilarityConv2D(inputChannels: channels, outputChannels: stageWidth,
                                               kernelSize: options.kernelSize, variant: options.variant, bias: false,
                                               metaHiddenChannels: options.metaHidden, shape: options.kernelShape,
                                               name: "\(name).similarity", generator: &generator))
                // The ReLU runs inside the BatchNorm, or for the stage's last block inside its max
                // pooling (same values, one pass each).
                layers.append(BatchNorm2D(channels: stageWidth, name: "\(name).bn",
                                          rectifiesOutput: block + 1 < options.blocksPerStage))
                channels = stageWidth
            }
            precondition(height >= 2 && width >= 2,
                         "nsn-lite: \(options.widths.count) stages halve a \(imageHeight)×\(imageWidth) image below 1×1")
            layers.append(MaxPool2D(kernelSize: 2, stride: 2, rectifiesInput: true))
            height /= 2; width /= 2
        }
        layers.append(GlobalAveragePool())
        let head = Linear(inputFeatures: channels, outputFeatures: classCount, name: "head", generator: &generator)
        return ImageClassifier(body: Sequential(layers), head: head, label: "nsn-lite/\(options.variant.rawValue)")
    }

    /// The NSL paper's backbone: root conv3×3(C→stem)-BN-ReLU, three stages of three 3×3
    /// similarity layers with BN-ReLU, a 2×2 max-pool after each stage, global average pool,
    /// linear head. `options.blocksPerStage` and `kernelSize` are fixed at 3.
    public static func nslCNN9(variant: SimilarityVariant, stemWidth: Int = 32, widths: [Int] = [32, 64, 128],
                               metaHidden: Int = 8, kernelShape: KernelShape = .full,
                               inputChannels: Int = 3, classCount: Int = 10,
                               imageHeight: Int = 32, imageWidth: Int = 32,
                               generator: inout SeededGenerator) -> ImageClassifier {
        var options = NSNLiteOptions()
        options.variant = variant
        options.stemWidth = stemWidth
        options.widths = widths
        options.blocksPerStage = 3
        options.kernelSize = 3
        options.metaHidden = metaHidden
        options.kernelShape = kernelShape
        let network = nsnLite(options, inputChannels: inputChannels, classCount: classCount, imageHeight: imageHeight,
                              imageWidth: imageWidth, generator: &generator)
        return ImageClassifier(body: network.body, head: network.head, label: "nsl-cnn9/\(variant.rawValue)")
    }

    public static func smallCNN(inputChannels: Int = 1, classCount: Int = 10, imageHeight: Int = 28,
                                imageWidth: Int = 28, generator: inout SeededGenerator) -> ImageClassifier {
        let flattened = 64 * (imageHeight / 4) * (imageWidth / 4)
        let first = Conv2D(inputChannels: inputChannels, outputChannels: 32, kernelSize: 3, padding: 1,
                           name: "conv1", generator: &generator)
        first.computesInputGradient = false         // the image's gradient is never used
        let body = Sequential([
            first,
            MaxPool2D(kernelSize: 2, stride: 2, rectifiesInput: true),   // ReLU, then max pooling
            Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, name: "conv2", generator: &generator),
            MaxPool2D(kernelSize: 2, stride: 2, rectifiesInput: true),
            Linear(inputFeatures: flattened, outputFeatures: 128, name: "fc1", generator: &generator),
            ReLU(),
        ])
        let head = Linear(inputFeatures: 128, outputFeatures: classCount, name: "head", generator: &generator)
        return ImageClassifier(body: body, head: head, label: "small-cnn")
    }
}

extension ImageClassifier {
    /// The similarity layers in order (for kernel-shape snapshots and the M penalty).
    public var similarityLayers: [SimilarityConv2D] { body.layers.compactMap { $0 as? SimilarityConv2D } }
}
