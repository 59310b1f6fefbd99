import NeuralNetwork
import RunStore
import TensorCore

/// Builds the model a configuration names, initialised from its seed.
public enum ModelFactory {
    public static func build(_ configuration: TrainingConfiguration, classCount: Int,
                             imageHeight: Int, imageWidth: Int) throws -> ImageClassifier {
        var generator = SeededGenerator(seed: configuration.seed).derived(0x1A1E)
        switch configuration.model {
        case "small-cnn":
            return ModelBuilder.smallCNN(classCount: classCount, imageHeight: imageHeight, imageWidth: imageWidth,
                                         generator: &generator)
        case "nsn-lite":
            guard let variant = SimilarityVariant(rawValue: configuration.variant) else {
                throw ConfigurationError("unknown similarity variant '\(configuration.variant)'")
            }
            var options = ModelBuilder.NSNLiteOptions()
            options.variant = variant
            options.stemWidth = configuration.stemWidth
            options.widths = configuration.widths
            options.blocksPerStage = configuration.blocksPerStage
            options.kernelSize = configuration.kernelSize
            options.metaHidden = configuration.metaHidden
            options.kernelShape = try kernelShape(configuration)
            return ModelBuilder.nsnLite(options, classCount: classCount, imageHeight: imageHeight,
                                        imageWidth: imageWidth, generator: &generator)
        default:
            throw ConfigurationError("unknown model '\(configuration.model)' (nsn-lite, small-cnn)")
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
