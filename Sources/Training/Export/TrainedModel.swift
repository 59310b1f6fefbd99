import Foundation
import NeuralNetwork
import RunStore
import TensorCore

/// A run's model restored from one of its checkpoints, with the data it was trained on:
/// what `simlab export-model` writes out and `simlab predict` evaluates.
///
/// The data is loaded exactly as training loaded it (same split and seed), so the
/// normalisation is the one the model saw.
public struct TrainedModel {
    public let run: RunDirectory
    public let checkpoint: URL
    public let configuration: TrainingConfiguration
    public let model: ImageClassifier
    public let splits: DataSplits

    /// - Parameter dataDirectory: overrides the run's recorded data directory (nil: the run's).
    public init(run: RunDirectory, checkpoint: URL, dataDirectory: String? = nil) throws {
        self.run = run
        self.checkpoint = checkpoint
        var configuration = try run.readConfig().trainingConfiguration()
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        self.configuration = configuration
        splits = try DataPreparation.load(configuration)
        model = try ModelFactory.build(configuration, classCount: splits.test.classCount, inputChannels: splits.test.channels,
                                       imageHeight: splits.test.height, imageWidth: splits.test.width)
        let file: Checkpoint
        do { file = try CheckpointFile.read(from: checkpoint) } catch {
            throw ConfigurationError("cannot read the checkpoint \(checkpoint.path): \(error)")
        }
        do { try TrainerCheckpoint.loadModel(model, from: file) } catch {
            throw ConfigurationError("checkpoint \(checkpoint.path) does not fit the run's model \(model.label): \(error)")
        }
    }

    /// The safetensors file of `simlab export-model`: tensors (see `ModelExport`) and metadata
    ///
    ///     format         "simlab-model/1"
    ///     architecture   JSON {"input": {"channels", "height", "width"}, "classes", "body": [layer…], "head": layer}
    ///     normalization  JSON {"mean": [per channel], "std": [per channel]}: x = (pixel/255 − mean)/std
    ///     class_names    JSON array of strings, in label order
    ///     model, variant, label, run, checkpoint, folded ("true"/"false"), config (the run's config.json)
    public func exportFile(fold: Bool) throws -> SafetensorsFile {
        let export = try ModelExport(model, fold: fold)
        let test = splits.test
        let channels = test.channels
        let normalization = test.normalization
        let metadata: [String: String] = [
            "format": "simlab-model/1",
            "architecture": JSONWriter.string(export.architecture(inputChannels: channels, height: test.height,
                                                                  width: test.width, classCount: test.classCount)),
            "normalization": JSONWriter.string([
                "mean": .array(normalization.means.map { .number(Double($0)) }),
                "std": .array(normalization.standardDeviations.map { .number(Double($0)) }),
            ]),
            "class_names": JSONWriter.string(.array(test.classNames.map { .string($0) })),
            "model": configuration.model,
            "variant": configuration.model == "small-cnn" ? "" : configuration.variant,
            "label": model.label,
            "run": run.id.rawValue,
            "checkpoint": checkpoint.lastPathComponent,
            "folded": fold ? "true" : "false",
            "config": (try? String(decoding: AtomicFile.read(run.configURL), as: UTF8.self)) ?? "",
        ]
        var file = SafetensorsFile(metadata: metadata)
        for tensor in export.tensors { file.append(tensor) }
        return file
    }

    /// simlab's own logits on the first `limit` test images (all when nil), in file order:
    /// `logits` F32 [N, classes] and `labels` I64 [N], with metadata naming the run,
    /// checkpoint and split. What `load-in-pytorch.py --compare` checks against.
    public func predictionFile(limit: Int?, batchSize: Int = 256) -> SafetensorsFile {
        let test = splits.test
        let count = min(limit ?? test.count, test.count)
        var logits = [Float]()
        logits.reserveCapacity(count * test.classCount)
        var labels = [Int]()
        var start = 0
        while start < count {
            let indices = Array(start..<min(count, start + batchSize))
            let batch = test.batch(indices)
            logits.append(contentsOf: model.forward(batch.images, mode: .inference).scalars)
            labels.append(contentsOf: batch.labels)
            start += batchSize
        }
        var file = SafetensorsFile(metadata: [
            "format": "simlab-logits/1", "run": run.id.rawValue, "checkpoint": checkpoint.lastPathComponent,
            "split": "test", "images": String(count), "label": model.label,
        ])
        file.append(.init(name: "logits", shape: [count, test.classCount], float32: logits))
        file.append(.init(name: "labels", shape: [count], int64: labels))
        return file
    }
}
