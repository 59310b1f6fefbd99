import Foundation

/// The run files beside config, status and metrics: one accessor per file, each reading and
/// writing its `RunRecord` type. Nothing outside RunStore names these files.
///
/// ```
/// model.json                  ModelInfo
/// kernels/epoch-003.json      KernelSnapshot          one per epoch
/// knn/epoch-003.json          KNNEpochStatistics      one per epoch (kNN reweighting)
/// evaluation.json             NeighbourEvaluationSummary
/// neighbours.json             NeighbourResults
/// neighbours-images.bin       the images NeighbourBrowserData splits
/// fewshot.json                FewShotResults          simlab fewshot, one entry per setting
/// ```
extension RunDirectory {
    public var modelInfoURL: URL { url.appendingPathComponent("model.json") }
    public var evaluationURL: URL { url.appendingPathComponent("evaluation.json") }
    public var neighboursURL: URL { url.appendingPathComponent("neighbours.json") }
    public var neighbourImagesURL: URL { url.appendingPathComponent("neighbours-images.bin") }
    public var fewShotURL: URL { url.appendingPathComponent("fewshot.json") }

    // MARK: writing

    public func writeModelInfo(_ info: ModelInfo) throws { try writeRecord(info, to: modelInfoURL) }

    public func writeKernelSnapshot(_ snapshot: KernelSnapshot) throws {
        try writeRecord(snapshot, to: kernelSnapshotURL(epoch: snapshot.epoch))
    }

    public func writeKNNStatistics(_ statistics: KNNEpochStatistics) throws {
        try writeRecord(statistics, to: knnSnapshotURL(epoch: statistics.epoch))
    }

    public func writeEvaluation(_ evaluation: NeighbourEvaluationSummary) throws {
        try writeRecord(evaluation, to: evaluationURL)
    }

    /// neighbours-images.bin first, then neighbours.json, so a reader that finds the JSON
    /// finds its images.
    public func writeNeighbours(_ results: NeighbourResults, images: [UInt8]) throws {
        try writeBytes(images, to: neighbourImagesURL)
        try writeRecord(results, to: neighboursURL)
    }

    /// Adds `evaluation` to fewshot.json (replacing one of the same setting) and returns the
    /// file's new content, under the run's lock so two evaluations finishing together both
    /// stay. An unreadable file is an error, never silently replaced.
    @discardableResult
    public func recordFewShot(_ evaluation: FewShotResults.Evaluation) throws -> FewShotResults {
        try withExclusiveLock {
            var results = try readFewShot() ?? FewShotResults()
            results.record(evaluation)
            try writeRecord(results, to: fewShotURL)
            return results
        }
    }

    // MARK: reading (nil when the file does not exist; an error when it cannot be read)

    public func readModelInfo() throws -> ModelInfo? { try readRecord(ModelInfo.self, from: modelInfoURL) }

    public func readKernelSnapshot(epoch: Int) throws -> KernelSnapshot? {
        guard var snapshot = try readRecord(KernelSnapshot.self, from: kernelSnapshotURL(epoch: epoch)) else { return nil }
        if snapshot.epoch == 0 { snapshot.epoch = epoch }
        return snapshot
    }

    public func readKNNStatistics(epoch: Int) throws -> KNNEpochStatistics? {
        guard var statistics = try readRecord(KNNEpochStatistics.self, from: knnSnapshotURL(epoch: epoch)) else { return nil }
        if statistics.epoch == 0 { statistics.epoch = epoch }
        return statistics
    }

    public func readEvaluation() throws -> NeighbourEvaluationSummary? {
        try readRecord(NeighbourEvaluationSummary.self, from: evaluationURL)
    }

    public func readFewShot() throws -> FewShotResults? { try readRecord(FewShotResults.self, from: fewShotURL) }

    /// The neighbour results with their images; images missing from a short image file are
    /// left out (`missingImageBytes` says how many bytes were expected beyond the file).
    public func readNeighbours() throws -> (data: NeighbourBrowserData, missingImageBytes: Int)? {
        guard let results = try readRecord(NeighbourResults.self, from: neighboursURL) else { return nil }
        let bytes = (try? AtomicFile.read(neighbourImagesURL)) ?? []
        return Self.neighbours(results, imageFile: bytes)
    }

    /// The neighbour results with the images split out of the bytes of neighbours-images.bin,
    /// and how many image bytes the file lacks.
    public static func neighbours(_ results: NeighbourResults, imageFile bytes: [UInt8])
        -> (data: NeighbourBrowserData, missingImageBytes: Int) {
        let expected = (results.queries.count + results.trainImageOrder.count) * results.imageBytes
        return (NeighbourBrowserData(results: results, imageFile: bytes), max(0, expected - bytes.count))
    }

    /// The epochs that have a kernel snapshot, ascending.
    public var kernelSnapshotEpochs: [Int] { snapshotEpochs(in: kernelsURL) }
    /// The epochs that have kNN statistics, ascending.
    public var knnStatisticsEpochs: [Int] { snapshotEpochs(in: knnURL) }

    /// Deletes the per-epoch snapshots of epochs after `epoch` (a resumed run redoes them).
    public func removeSnapshots(after epoch: Int) {
        for e in kernelSnapshotEpochs where e > epoch { try? FileManager.default.removeItem(at: kernelSnapshotURL(epoch: e)) }
        for e in knnStatisticsEpochs where e > epoch { try? FileManager.default.removeItem(at: knnSnapshotURL(epoch: e)) }
    }

    // MARK: the shared coder

    /// Encodes with sorted keys and non-finite numbers as strings ("NaN", "Infinity"),
    /// atomically, creating the parent folder.
    public func writeRecord<T: RunRecord>(_ record: T, to target: URL) throws {
        try writeJSON(record, to: target)
    }

    /// Decodes `T` from `source`; nil when the file does not exist; `.malformed` (naming the
    /// file and what is wrong) when it is not JSON, not an object or from a newer schema.
    public func readRecord<T: RunRecord>(_ type: T.Type, from source: URL) throws -> T? {
        guard FileManager.default.fileExists(atPath: source.path) else { return nil }
        return try Self.decodeRecord(T.self, from: AtomicFile.read(source), path: source.path)
    }

    /// Decodes `T` from the bytes of a run file (`path` names it in errors): `.malformed` when
    /// they are not JSON, not an object or from a newer schema.
    public static func decodeRecord<T: RunRecord>(_ type: T.Type, from bytes: [UInt8], path: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw RunStoreError.malformed(path: path, reason: describe(error))
        }
    }

    /// A decoding error as a short reason ("not JSON (…)", or the decoder's own context).
    static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .dataCorrupted(let context):
            let isSchemaRefusal = context.debugDescription.hasPrefix("schemaVersion")
            return context.codingPath.isEmpty && !isSchemaRefusal
                ? "not JSON (\(context.debugDescription))" : context.debugDescription
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            return context.debugDescription
        @unknown default: return "\(decoding)"
        }
    }
}
