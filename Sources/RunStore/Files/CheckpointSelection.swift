import Foundation

/// Which of a run's checkpoints a command reads: `best` (the epoch with the best validation
/// accuracy in metrics.jsonl), `latest` (what resume would use) or `epoch-N`.
public enum CheckpointSelection: Equatable, Sendable, CustomStringConvertible {
    case best
    case latest
    case epoch(Int)

    /// Parses `best`, `latest` or `epoch-N` (N ≥ 1; `epoch-3` and `epoch-003` are the same).
    public init(parsing text: String) throws {
        switch text {
        case "best": self = .best
        case "latest": self = .latest
        default:
            guard text.hasPrefix("epoch-"), let epoch = Int(text.dropFirst("epoch-".count)), epoch >= 1 else {
                throw CheckpointSelectionError.badName(text)
            }
            self = .epoch(epoch)
        }
    }

    public var description: String {
        switch self {
        case .best: return "best"
        case .latest: return "latest"
        case .epoch(let epoch): return "epoch-\(epoch)"
        }
    }
}

/// Why a checkpoint could not be chosen; every case says what exists instead.
public enum CheckpointSelectionError: Error, Equatable, CustomStringConvertible {
    case badName(String)
    case noCheckpoint(run: String)
    case missingEpoch(run: String, epoch: Int, available: [Int])
    case noValidation(run: String)

    public var description: String {
        switch self {
        case .badName(let text):
            return "--checkpoint '\(text)': expected best, latest or epoch-N (e.g. epoch-3)"
        case .noCheckpoint(let run):
            return "run \(run) has no checkpoint yet (one is written at the end of every epoch)"
        case .missingEpoch(let run, let epoch, let available):
            let list = available.isEmpty ? "none" : available.map { "epoch-\($0)" }.joined(separator: ", ")
            return "run \(run) has no checkpoint for epoch \(epoch) (available: \(list))"
        case .noValidation(let run):
            return "--checkpoint best: run \(run) recorded no validation accuracy (--validation-size 0?); use latest or epoch-N"
        }
    }
}

extension RunDirectory {
    /// Epochs with a `checkpoints/epoch-NNN.ckpt`, ascending.
    public var checkpointEpochs: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsURL.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("epoch-"), name.hasSuffix(".ckpt") else { return nil }
            return Int(name.dropFirst(6).dropLast(5))
        }.sorted()
    }

    /// The checkpoint file a selection names. `best` reads metrics.jsonl.
    public func checkpointURL(_ selection: CheckpointSelection) throws -> URL {
        switch selection {
        case .latest:
            guard let url = latestCheckpoint() else { throw CheckpointSelectionError.noCheckpoint(run: id.rawValue) }
            return url
        case .epoch(let epoch):
            let url = checkpointURL(epoch: epoch)
            guard FileManager.default.fileExists(atPath: url.path) else {
                if checkpointEpochs.isEmpty && latestCheckpoint() == nil {
                    throw CheckpointSelectionError.noCheckpoint(run: id.rawValue)
                }
                throw CheckpointSelectionError.missingEpoch(run: id.rawValue, epoch: epoch, available: checkpointEpochs)
            }
            return url
        case .best:
            guard latestCheckpoint() != nil else { throw CheckpointSelectionError.noCheckpoint(run: id.rawValue) }
            let records = (try? MetricsTailReader(url: metricsURL).readNew().records) ?? []
            guard let epoch = MetricsSummary(records).bestValidationEpoch else {
                throw CheckpointSelectionError.noValidation(run: id.rawValue)
            }
            return try checkpointURL(.epoch(epoch))
        }
    }
}
