import Foundation
import NeuralNetwork
import RunStore

/// What a checkpoint holds and how a trainer is restored from it.
///
/// Arrays: `model/<parameter or buffer name>` and `optimizer/<state key>`.
/// Metadata: `progress` (TrainingProgress as JSON), `modelLabel`.
/// Written to a temporary file and renamed (CheckpointFile), then marked latest.
public enum TrainerCheckpoint {
    public static func write(_ trainer: Trainer, to url: URL, run: RunDirectory) throws {
        var arrays: [NamedArray] = ParameterArchive(trainer.model).entries.map {
            NamedArray(name: "model/" + $0.name, shape: $0.shape, scalars: $0.values)
        }
        for (key, values) in trainer.optimizer.state().sorted(by: { $0.key < $1.key }) {
            arrays.append(NamedArray(name: "optimizer/" + key, shape: [values.count], scalars: values))
        }
        let progress = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(trainer.progress))
        let checkpoint = Checkpoint(arrays: arrays, metadata: [
            "progress": progress,
            "modelLabel": .string(trainer.model.label),
        ])
        try run.createDirectory(run.checkpointsURL)
        try CheckpointFile.write(checkpoint, to: url)
        try run.markLatestCheckpoint(url)
    }

    /// Loads parameters, buffers, optimizer state and progress (checksum verified).
    public static func restore(_ trainer: Trainer, from url: URL) throws {
        try restore(trainer, from: CheckpointFile.read(from: url), path: url.path)
    }

    /// Loads a checkpoint already read (e.g. `RunDirectory.resumePoint()`); `path` names it in errors.
    public static func restore(_ trainer: Trainer, from checkpoint: Checkpoint, path: String) throws {
        try loadModel(trainer.model, from: checkpoint)
        var state: [String: [Float]] = [:]
        for array in checkpoint.arrays where array.name.hasPrefix("optimizer/") {
            state[String(array.name.dropFirst("optimizer/".count))] = array.scalars
        }
        try trainer.optimizer.load(state: state, parameters: trainer.model.parameters)
        guard let progress = checkpoint.metadata["progress"] else {
            throw ConfigurationError("checkpoint \(path) has no training progress")
        }
        trainer.progress = try JSONDecoder().decode(TrainingProgress.self, from: JSONEncoder().encode(progress))
    }

    /// Loads only the model's parameters and buffers (e.g. a frozen feature extractor).
    public static func loadModel(_ model: ImageClassifier, from checkpoint: Checkpoint) throws {
        let entries = checkpoint.arrays.filter { $0.name.hasPrefix("model/") }.map {
            ParameterArchive.Entry(name: String($0.name.dropFirst("model/".count)), shape: $0.shape, values: $0.scalars)
        }
        try ParameterArchive(entries: entries).load(into: model)
    }
}
