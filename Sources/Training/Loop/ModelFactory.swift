import NeuralNetwork
import RunStore
import TensorCore

/// Builds the model a configuration names, initialised from its seed.
public enum ModelFactory {
    /// The model for images of `inputChannels` × `imageHeight` × `imageWidth` (the data's).
    public static func build(_ configuration: TrainingConfiguration, classCount: Int, inputChannels: Int = 1,
                             imageHeight: Int, imageWidth: Int) throws -> ImageClassifier {
        var generator = SeededGenerator(seed: configuration.seed).derived(0x1A1E)
        func variant() throws -> SimilarityVariant {
            guard let variant = SimilarityVariant(rawValue: configuration.variant) else {
                throw ConfigurationError("unknown similarity variant '\(configuration.variant)'")
            }
            return variant
        }
        let stages = configuration.resolvedWidths.count
        if configuration.model != "small-cnn", imageHeight >> stages < 1 || imageWidth >> stages < 1 {
            throw ConfigurationError("\(configuration.model): \(stages) stages halve a \(imageHeight)×\(imageWidth) image "
                                     + "below 1×1; give fewer --widths")
        }
        switch configuration.model {
        case "small-cnn":
            return ModelBuilder.smallCNN(inputChannels: inputChannels, classCount: classCount, imageHeight: imageHeight,
                                         imageWidth: imageWidth, generator: &generator)
        case "nsn-lite":
            var options = ModelBuilder.NSNLiteOptions()
            options.variant = try variant()
            options.stemWidth = configuration.resolvedStemWidth
            options.widths = configuration.resolvedWidths
            options.blocksPerStage = configuration.blocksPerStage
            options.kernelSize = configuration.kernelSize
            options.metaHidden = configuration.metaHidden
            options.kernelShape = try kernelShape(configuration)
            return ModelBuilder.nsnLite(options, inputChannels: inputChannels, classCount: classCount,
                                        imageHeight: imageHeight, imageWidth: imageWidth, generator: &generator)
        case "nsl-cnn9":
            return ModelBuilder.nslCNN9(variant: try variant(), stemWidth: configuration.resolvedStemWidth,
                                        widths: configuration.resolvedWidths, metaHidden: configuration.metaHidden,
                                        kernelShape: try kernelShape(configuration),
                                        inputChannels: inputChannels, classCount: classCount, imageHeight: imageHeight,
                                        imageWidth: imageWidth, generator: &generator)
        default:
            throw ConfigurationError("unknown model '\(configuration.model)' (\(TrainingConfiguration.models.joined(separator: ", ")))")
        }
    }

    /// The model's `KernelShape` for `--kernel-shape` (checked against the kernel size).
    static func kernelShape(_ configuration: TrainingConfiguration) throws -> KernelShape {
        let setting: KernelShapeSetting
        do { setting = try KernelShapeSetting(parsing: configuration.kernelShape) } catch {
            throw ConfigurationError("\(error)")
        }
        if let problem = setting.problem(kernelSize: configuration.kernelSize) { throw ConfigurationError(problem) }
        switch setting {
        case .full: return .full
        case .cross: return .cross
        case .learned(let active): return .learned(activeTaps: active)
        }
    }
}
