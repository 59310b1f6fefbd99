import Foundation
import NeuralNetwork
import RunStore

/// `--knn-features frozen:RUN`: the feature extractor of another run's checkpoint.
public enum FrozenFeatures {
    /// The run and checkpoint `frozen:RUN` names, or nil when the configuration does not use
    /// one. Checked before a run is created, so a wrong reference creates nothing.
    public static func source(_ configuration: TrainingConfiguration, runsDirectory: URL) throws -> (run: RunDirectory, checkpoint: URL)? {
        guard configuration.knnFeatures.hasPrefix("frozen:") else { return nil }
        let reference = String(configuration.knnFeatures.dropFirst("frozen:".count))
        // A run of the same runs directory, by id or unique prefix: never a path.
        let other: RunDirectory
        do { other = try RunCatalog(root: runsDirectory).resolve(reference) } catch {
            throw ConfigurationError("--knn-features frozen:\(reference): \(error)")
        }
        guard FileManager.default.fileExists(atPath: other.configURL.path) else {
            throw ConfigurationError("--knn-features frozen:\(reference): run \(other.id) has no config.json")
        }
        guard let checkpointURL = other.latestCheckpoint() else {
            throw ConfigurationError("--knn-features frozen:\(reference): run \(other.id) has no checkpoint yet")
        }
        return (other, checkpointURL)
    }

    /// The frozen model, or nil when the configuration does not use one.
    public static func model(_ configuration: TrainingConfiguration, runsDirectory: URL,
                             classCount: Int, inputChannels: Int = 1, imageHeight: Int = 28,
                             imageWidth: Int = 28) throws -> ImageClassifier? {
        guard let (other, checkpointURL) = try source(configuration, runsDirectory: runsDirectory) else { return nil }
        let otherConfiguration = try other.readConfig().trainingConfiguration()
        // Its own head: a run trained on a class subset has one output per class it trained on.
        let model = try ModelFactory.build(otherConfiguration, classCount: otherConfiguration.classes?.count ?? classCount,
                                           inputChannels: inputChannels,
                                           imageHeight: imageHeight, imageWidth: imageWidth)
        try TrainerCheckpoint.loadModel(model, from: CheckpointFile.read(from: checkpointURL))
        return model
    }
}
