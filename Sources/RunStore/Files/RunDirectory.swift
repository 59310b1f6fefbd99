import Foundation

/// One run's folder, `runs/<id>/`, and the paths of everything in it.
///
/// ```
/// config.json          once, at creation            RunConfig
/// status.json          atomically replaced          RunStatus
/// metrics.jsonl        appended, a line per record  MetricRecord (MetricsWriter / MetricsTailReader)
/// worker.log           appended by the worker       plain text (LogTail)
/// checkpoints/         epoch-003.ckpt, latest.ckpt  CheckpointFile
/// checkpoints/.tmp-*   a checkpoint being written
/// ```
/// and the records of RunDirectory+Records.swift (model.json, kernels/, knn/,
/// evaluation.json, neighbours.json, neighbours-images.bin).
public struct RunDirectory: Hashable, Sendable {
    public let url: URL
    public var id: RunID { RunID(url.lastPathComponent) }

    public init(url: URL) { self.url = url.standardizedFileURL }

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var statusURL: URL { url.appendingPathComponent("status.json") }
    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var workerLogURL: URL { url.appendingPathComponent("worker.log") }
    /// The batch script a cluster executor submits for the run (Slurm: `slurm-job.sh`).
    public var batchScriptURL: URL { url.appendingPathComponent("slurm-job.sh") }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints", isDirectory: true) }
    public var kernelsURL: URL { url.appendingPathComponent("kernels", isDirectory: true) }
    public var knnURL: URL { url.appendingPathComponent("knn", isDirectory: true) }

    /// `checkpoints/epoch-003.ckpt`.
    public func checkpointURL(epoch: Int) -> URL { checkpointsURL.appendingPathComponent("epoch-\(pad3(epoch)).ckpt") }
    /// `checkpoints/<name>.ckpt` (e.g. "stop-epoch-004-step-1500").
    public func checkpointURL(named name: String) -> URL { checkpointsURL.appendingPathComponent(name + ".ckpt") }
    /// `checkpoints/latest.ckpt`: a symbolic link to the newest checkpoint (see `markLatestCheckpoint`).
    public var latestCheckpointURL: URL { checkpointsURL.appendingPathComponent("latest.ckpt") }
    /// `kernels/epoch-003.json`.
    public func kernelSnapshotURL(epoch: Int) -> URL { kernelsURL.appendingPathComponent("epoch-\(pad3(epoch)).json") }
    /// `knn/epoch-003.json`.
    public func knnSnapshotURL(epoch: Int) -> URL { knnURL.appendingPathComponent("epoch-\(pad3(epoch)).json") }

    // MARK: config.json and status.json

    /// Writes config.json; fails with `.alreadyExists` if the run has one.
    public func writeConfig(_ config: RunConfig) throws {
        if FileManager.default.fileExists(atPath: configURL.path) {
            throw RunStoreError.alreadyExists(path: configURL.path)
        }
        try AtomicFile.write(JSONWriter.bytes(config.json, pretty: true), to: configURL)
    }

    public func readConfig() throws -> RunConfig {
        try RunConfig(bytes: AtomicFile.read(configURL), path: configURL.path)
    }

    /// Replaces status.json atomically (temp file, fsync, rename, fsync directory). On a
    /// full disk, where the temporary file cannot be written, it is overwritten in place
    /// instead (`AtomicFile.overwriteInPlace`), so a run can still end `failed` with the
    /// reason; when that fails too, the atomic write's error is thrown.
    public func writeStatus(_ status: RunStatus) throws {
        let bytes = JSONWriter.bytes(status.json, pretty: true)
        do { try AtomicFile.write(bytes, to: statusURL) } catch where AtomicFile.isOutOfSpace(error) {
            let outOfSpace = error
            do { try AtomicFile.overwriteInPlace(bytes, at: statusURL) } catch { throw outOfSpace }
        }
    }

    public func readStatus() throws -> RunStatus {
        try RunStatus(bytes: AtomicFile.read(statusURL), path: statusURL.path)
    }

    // MARK: snapshots

    /// Writes a JSON value (e.g. to `kernelSnapshotURL(epoch:)`), creating the parent folder.
    public func writeJSON(_ value: JSONValue, to target: URL, atomically: Bool = true, pretty: Bool = false) throws {
        try writeBytes(JSONWriter.bytes(value, pretty: pretty), to: target, atomically: atomically)
    }

    /// Writes any `Encodable` value with Foundation's encoder (key order not kept).
    public func writeJSON<T: Encodable>(_ value: T, to target: URL, atomically: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                     negativeInfinity: "-Infinity", nan: "NaN")
        let data: Data
        do { data = try encoder.encode(value) } catch {
            throw RunStoreError.malformed(path: target.path, reason: "cannot encode: \(error)")
        }
        try writeBytes([UInt8](data), to: target, atomically: atomically)
    }

    public func readJSON(from source: URL) throws -> JSONValue {
        let bytes = try AtomicFile.read(source)
        do { return try JSONValue.parse(bytes) } catch {
            throw RunStoreError.malformed(path: source.path, reason: "\(error)")
        }
    }

    /// Writes raw bytes (e.g. a binary `neighbours.bin`), creating the parent folder.
    public func writeBytes(_ bytes: [UInt8], to target: URL, atomically: Bool = true) throws {
        try createDirectory(target.deletingLastPathComponent())
        if atomically {
            try AtomicFile.write(bytes, to: target)
        } else {
            try AtomicFile.writeDirectly(bytes, to: target)
        }
    }

    /// Snapshot files `epoch-NNN.json` present in `folder` (kernelsURL or knnURL), by epoch.
    public func snapshotEpochs(in folder: URL) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("epoch-"), name.hasSuffix(".json") else { return nil }
            return Int(name.dropFirst(6).dropLast(5))
        }.sorted()
    }

    // MARK: checkpoints

    /// Points checkpoints/latest.ckpt at `checkpoint` (a file in checkpoints/), atomically.
    public func markLatestCheckpoint(_ checkpoint: URL) throws {
        try createDirectory(checkpointsURL)
        let temporary = checkpointsURL.appendingPathComponent(".latest.tmp-\(getpid())").path
        unlink(temporary)
        guard symlink(checkpoint.lastPathComponent, temporary) == 0 else {
            throw RunStoreError.io(path: temporary, operation: "symlink", errno: errno)
        }
        guard rename(temporary, latestCheckpointURL.path) == 0 else {
            let code = errno
            unlink(temporary)
            throw RunStoreError.io(path: latestCheckpointURL.path, operation: "rename", errno: code)
        }
        AtomicFile.syncDirectory(checkpointsURL.path)
    }

    /// `<runs>/.locks/<id>.lock`: the file `withExclusiveLock` locks (a regular file opened
    /// read-write, which flock needs on NFS; outside the run, so it outlives `rm`).
    public var lockURL: URL {
        url.deletingLastPathComponent().appendingPathComponent(".locks").appendingPathComponent(id.rawValue + ".lock")
    }

    /// Runs `body` holding an exclusive `flock` on the run's lock file. Every change of who
    /// works on the run (resume, stop, rm, a worker claiming it) happens under it, so two of
    /// them never both see the run free. Held for milliseconds; not re-entrant.
    public func withExclusiveLock<T>(_ body: () throws -> T) throws -> T {
        let folder = lockURL.deletingLastPathComponent().path
        if mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw RunStoreError.io(path: folder, operation: "mkdir", errno: errno)
        }
        let descriptor = open(lockURL.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunStoreError.io(path: lockURL.path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw RunStoreError.io(path: lockURL.path, operation: "flock", errno: errno) }
        return try body()
    }

    /// The file latest.ckpt names when that file is gone (deleted or lost), else nil.
    public func missingLatestCheckpointTarget() -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: latestCheckpointURL.path) else { return nil }
        let resolved = target.hasPrefix("/") ? URL(fileURLWithPath: target) : checkpointsURL.appendingPathComponent(target)
        return FileManager.default.fileExists(atPath: resolved.path) ? nil : target
    }

    /// The checkpoint to resume from: what latest.ckpt points to if it resolves, else the
    /// newest `epoch-NNN.ckpt`; nil when there is none.
    public func latestCheckpoint() -> URL? {
        let fm = FileManager.default
        if let target = try? fm.destinationOfSymbolicLink(atPath: latestCheckpointURL.path) {
            let resolved = target.hasPrefix("/") ? URL(fileURLWithPath: target) : checkpointsURL.appendingPathComponent(target)
            if fm.fileExists(atPath: resolved.path) { return resolved }
        } else if fm.fileExists(atPath: latestCheckpointURL.path) {
            return latestCheckpointURL
        }
        let names = (try? fm.contentsOfDirectory(atPath: checkpointsURL.path)) ?? []
        let epochs = names.filter { $0.hasPrefix("epoch-") && $0.hasSuffix(".ckpt") }.sorted()
        return epochs.last.map { checkpointsURL.appendingPathComponent($0) }
    }

    // MARK: helpers

    /// `mkdir -p`, failing with the system's reason (e.g. "No space left on device").
    public func createDirectory(_ folder: URL) throws {
        try AtomicFile.createDirectory(folder.path)
    }
}

private func pad3(_ n: Int) -> String {
    let s = String(n)
    return s.count >= 3 ? s : String(repeating: "0", count: 3 - s.count) + s
}
