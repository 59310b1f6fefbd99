import Foundation

/// What `stat` says of the files a run's list row is read from — config.json, status.json,
/// metrics.jsonl and the checkpoints folder (whose modification time changes when a
/// checkpoint or the `latest` link is added, replaced or removed): size, modification time
/// and inode of each. While the signature is unchanged, so is everything read from those
/// files, and a listing can reuse it without reading them again (four `stat` calls instead
/// of two JSON files and a folder listing).
public struct RunFileSignature: Equatable, Sendable {
    /// The four paths, built once per run (the listing keeps them).
    public struct Paths: Sendable {
        public let config: String, status: String, metrics: String, checkpoints: String

        public init(_ directory: RunDirectory) {
            config = directory.configURL.path
            status = directory.statusURL.path
            metrics = directory.metricsURL.path
            checkpoints = directory.checkpointsURL.path
        }
    }

    var config: FileStamp, status: FileStamp, metrics: FileStamp, checkpoints: FileStamp

    public init(_ paths: Paths) {
        config = FileStamp(path: paths.config)
        status = FileStamp(path: paths.status)
        metrics = FileStamp(path: paths.metrics)
        checkpoints = FileStamp(path: paths.checkpoints)
    }

    /// Whether config.json and status.json — what a `RunSummary` reads — are as in `other`.
    public func sameSummaryFiles(as other: RunFileSignature) -> Bool {
        config == other.config && status == other.status
    }
}
