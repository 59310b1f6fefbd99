import Foundation

/// Where a resumed run continues: the newest checkpoint that reads intact, and whether the
/// run has history (epoch records) that starting over would throw away.
extension RunDirectory {
    /// The newest checkpoint whose file is intact (magic, version, sizes and CRC-32 check),
    /// decoded, and the newer ones skipped on the way with the reason.
    public struct ResumePoint {
        public var url: URL?
        public var checkpoint: Checkpoint?
        /// Newer checkpoints that could not be read: "epoch-003.ckpt: … checkpoint corrupt: …".
        public var skipped: [String]
        /// Why checkpoints/ itself could not be listed (nil when it could, or does not exist).
        public var folderProblem: String?
    }

    /// Every checkpoint file, newest first: latest.ckpt's target (the newest by
    /// construction), then the other `*.ckpt` files by modification time, newest first (a
    /// stop's `step-…` checkpoint and the epoch checkpoints interleave in time).
    public func checkpointCandidates() throws -> [URL] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: checkpointsURL.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else {
            throw RunStoreError.malformed(path: checkpointsURL.path, reason: "is a file, not a folder of checkpoints")
        }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: checkpointsURL.path) } catch {
            throw RunStoreError.io(path: checkpointsURL.path, operation: "list", errno: errno == 0 ? EIO : errno)
        }
        var first: [URL] = []
        if let target = try? fm.destinationOfSymbolicLink(atPath: latestCheckpointURL.path) {
            let resolved = target.hasPrefix("/") ? URL(fileURLWithPath: target) : checkpointsURL.appendingPathComponent(target)
            if fm.fileExists(atPath: resolved.path) { first.append(resolved.standardizedFileURL) }  // a missing target is warned about by the caller
        } else if names.contains("latest.ckpt") {
            first.append(latestCheckpointURL)   // a plain file (the folder was copied without links)
        }
        var others: [(url: URL, modified: Double)] = []
        for name in names where !name.hasPrefix(".") && name.hasSuffix(".ckpt") && name != "latest.ckpt" {
            let url = checkpointsURL.appendingPathComponent(name).standardizedFileURL
            if !first.contains(url) { others.append((url, Self.modificationTime(url.path))) }
        }
        others.sort { a, b in
            a.modified != b.modified ? a.modified > b.modified : a.url.lastPathComponent > b.url.lastPathComponent
        }
        return first + others.map(\.url)
    }

    /// The newest intact checkpoint (see `ResumePoint`); reads candidates newest first and
    /// stops at the first one that decodes.
    public func resumePoint() -> ResumePoint {
        var point = ResumePoint(url: nil, checkpoint: nil, skipped: [], folderProblem: nil)
        let candidates: [URL]
        do { candidates = try checkpointCandidates() } catch {
            point.folderProblem = "\(error)"
            return point
        }
        for candidate in candidates {
            do {
                point.checkpoint = try CheckpointFile.read(from: candidate)
                point.url = candidate
                return point
            } catch {
                point.skipped.append("\(candidate.lastPathComponent): \(error)")
            }
        }
        return point
    }

    /// The highest epoch metrics.jsonl has an end-of-epoch record for (0 when none, or no file).
    public func lastRecordedEpoch() -> Int {
        let records = (try? MetricsTailReader(url: metricsURL).readNew().records) ?? []
        return records.filter { $0.interval == .epoch }.map(\.epoch).max() ?? 0
    }

    /// Why resuming this run would be refused, or nil: a run with recorded epochs must not
    /// silently start over because no checkpoint is usable.
    public func resumeRefusal(_ point: ResumePoint) -> String? {
        guard point.checkpoint == nil else { return nil }
        let epochs = lastRecordedEpoch()
        guard epochs > 0 else { return nil }
        let why = point.folderProblem
            ?? (point.skipped.isEmpty ? "checkpoints/ holds no checkpoint" : "no checkpoint is intact (\(point.skipped.joined(separator: "; ")))")
        return "run \(id) has \(epochs) recorded epoch\(epochs == 1 ? "" : "s") but cannot be resumed: \(why). "
            + "Starting over would discard its history, so nothing was changed; "
            + "restore checkpoints/ or start a new run with the same settings"
    }

    private static func modificationTime(_ path: String) -> Double {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
    }
}

extension RunDirectory {
    /// Removes the temporary files a killed writer left behind — `.status.json.tmp-PID-N`,
    /// `.epoch-003.ckpt.tmp-PID-N`, `.latest.tmp-PID`, … (`AtomicFile.write`,
    /// `markLatestCheckpoint`) in the run folder, checkpoints/, kernels/ and knn/ — whose
    /// process PID no longer exists. A live writer's temporary is kept (it is about to be
    /// renamed). Called when a worker takes the run; returns the names removed.
    @discardableResult
    public func removeStaleTemporaries() -> [String] {
        var removed: [String] = []
        for folder in [url, checkpointsURL, kernelsURL, knnURL] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                guard let pid = Self.writerPid(ofTemporary: name), !ProcessLiveness.isAlive(pid: pid) else { continue }
                let path = folder.appendingPathComponent(name).path
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFDIR, unlink(path) == 0 else { continue }
                removed.append(folder == url ? name : folder.lastPathComponent + "/" + name)
            }
        }
        return removed
    }

    /// The writer's pid in a temporary's name: `.<name>.tmp-PID-N` or `.<name>.tmp-PID`.
    static func writerPid(ofTemporary name: String) -> Int32? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
              marker.lowerBound > name.index(after: name.startIndex) else { return nil }
        let parts = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let pid = Int32(parts[0]), pid > 0 else { return nil }
        return pid
    }
}
