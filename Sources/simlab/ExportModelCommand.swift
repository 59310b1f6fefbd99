import ArgumentParser
import Foundation
import RunStore
import Training

/// `simlab export-model RUN --output FILE`: a run's model as a safetensors file for PyTorch.
struct ExportModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-model",
        abstract: "Export a run's model (parameters, BatchNorm statistics, architecture) as a safetensors file.",
        discussion: "Load it in PyTorch with scripts/load-in-pytorch.py FILE --data DIR.")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation
    @OptionGroup var source: ModelSource
    @Option(help: "File format (safetensors, the only one).") var format = "safetensors"
    @Option(help: "The file to write (replaced atomically if it exists).") var output: String
    @Flag(help: "Fold each static M into its kernel (W·M): plain convolutions; not for dynamic variants.") var fold = false

    func validate() throws {
        guard format == "safetensors" else {
            throw ValidationError("--format \(format): the one export format is safetensors")
        }
        try source.validate()
    }

    func run() throws {
        let trained = try source.load(run: runs.run(id))
        let file: SafetensorsFile
        do { file = try trained.exportFile(fold: fold) } catch let error as ModelExportError {
            throw CommandFailure(error.description)
        }
        let url = try writeOutput(file.encoded(), to: output)
        let scalars = file.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) }
        print("wrote \(url.path): \(file.tensors.count) tensors, \(scalars) values, \(trained.model.label)"
              + "\(fold ? " folded" : ""), from \(trained.checkpoint.lastPathComponent) of run \(trained.run.id)")
    }
}

/// `simlab predict RUN --output FILE`: simlab's own logits on the test set, for a cross-check.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Write a run's logits on the test set as a safetensors file (logits [N, classes], labels [N]).",
        discussion: "scripts/load-in-pytorch.py MODEL --data DIR --compare FILE checks PyTorch's logits against them.")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation
    @OptionGroup var source: ModelSource
    @Option(help: "Only the first N test images (default: all).") var limit: Int?
    @Option(help: "The file to write (replaced atomically if it exists).") var output: String

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        try source.validate()
    }

    func run() throws {
        let trained = try source.load(run: runs.run(id))
        let file = trained.predictionFile(limit: limit)
        let url = try writeOutput(file.encoded(), to: output)
        print("wrote \(url.path): logits of \(file.tensors[0].shape[0]) test images, \(trained.model.label), "
              + "from \(trained.checkpoint.lastPathComponent) of run \(trained.run.id)")
    }
}

/// `--checkpoint` and `--data`: which checkpoint of the run, and where its data is now.
struct ModelSource: ParsableArguments {
    @Option(help: "best (best validation accuracy), latest, or epoch-N.") var checkpoint = "latest"
    @Option(help: "The run's data directory, if it moved (default: the one the run was trained on).") var data: String?

    func validate() throws {
        do { _ = try CheckpointSelection(parsing: checkpoint) } catch let error as CheckpointSelectionError {
            throw ValidationError(error.description)
        }
    }

    func load(run: RunDirectory) throws -> TrainedModel {
        guard FileManager.default.fileExists(atPath: run.configURL.path) else {
            throw CommandFailure("run \(run.id) has no config.json (\(run.configURL.path))")
        }
        do {
            let url = try run.checkpointURL(CheckpointSelection(parsing: checkpoint))
            return try TrainedModel(run: run, checkpoint: url, dataDirectory: data)
        } catch let error as CheckpointSelectionError {
            throw CommandFailure(error.description)
        }
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, refusing a directory or a
/// missing folder with a message that says which. Returns the file's URL.
func writeOutput(_ bytes: [UInt8], to path: String) throws -> URL {
    guard !path.isEmpty else { throw CommandFailure("--output needs a file name") }
    let url = URL(fileURLWithPath: path).standardizedFileURL
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw CommandFailure("--output \(path) is a directory; name a file (e.g. \(url.appendingPathComponent("model.safetensors").path))")
    }
    let folder = url.deletingLastPathComponent()
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CommandFailure("--output \(path): the folder \(folder.path) does not exist")
    }
    do { try AtomicFile.write(bytes, to: url) } catch {
        throw CommandFailure("cannot write --output \(path): \(CommandFailure(describing: error))")
    }
    return url
}
