import NeuralNetwork
import RunStore

/// Builds the optimizer and learning-rate schedule a configuration names.
public enum OptimizerFactory {
    public static func make(_ configuration: TrainingConfiguration) throws -> Optimizer {
        let weightDecay = Float(configuration.weightDecay)
        let momentum = Float(configuration.momentum)
        switch configuration.optimizer {
        case "sgd":
            return SGD(.init(momentum: momentum, weightDecay: weightDecay, nesterov: false))
        case "nesterov":
            return SGD(.init(momentum: momentum, weightDecay: weightDecay, nesterov: true))
        case "adam":
            return Adam(.init(weightDecay: weightDecay, decoupledWeightDecay: false))
        case "adamw":
            return Adam(.init(weightDecay: weightDecay, decoupledWeightDecay: true))
        default:
            throw ConfigurationError("unknown optimizer '\(configuration.optimizer)' (sgd, nesterov, adam, adamw)")
        }
    }

    public static func schedule(_ configuration: TrainingConfiguration, stepsPerEpoch: Int) throws -> LearningRateSchedule {
        let warmupSteps = Int((configuration.warmupEpochs * Double(stepsPerEpoch)).rounded())
        let setting: ScheduleSetting
        do {
            setting = try ScheduleSetting(parsing: configuration.schedule, baseLearningRate: Float(configuration.learningRate))
        } catch {
            throw ConfigurationError("--schedule '\(configuration.schedule)': \(error)")
        }
        let decay: LearningRateSchedule.Decay
        switch setting.decay {
        case .constant: decay = .constant
        case .step(let milestones, let factor): decay = .step(milestones: milestones, factor: factor)
        case .cosine(let minimum): decay = .cosine(minimum: minimum)
        }
        return LearningRateSchedule(baseLearningRate: Float(configuration.learningRate), decay: decay,
                                    warmupSteps: warmupSteps > 0 ? warmupSteps : setting.warmupSteps)
    }
}

/// A setting that passed the range checks but cannot be used (e.g. a malformed schedule).
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
