import Foundation

/// Where a queued run stands in the line for a training slot: first queued, first to
/// start — `queuedAt` to the millisecond (the precision status.json keeps), then the run id.
/// Workers take their turn by it; `simlab queue` and the dashboard show it.
///
/// A run waits in line while its condition is `queued` (`RunSummary.condition`): its worker
/// is alive, or about to start and not yet silent for the heartbeat timeout. The same rule
/// decides a worker's turn and the place in line that is displayed.
public struct QueuePosition: Comparable, Sendable {
    public var id: RunID
    public var queuedAt: Date

    public init(id: RunID, queuedAt: Date) {
        self.id = id
        self.queuedAt = queuedAt
    }

    /// The position a run's status records (`queuedAt`; runs written before it existed: the heartbeat).
    public init(id: RunID, status: RunStatus) {
        self.init(id: id, queuedAt: status.queuedAt ?? status.heartbeat)
    }

    public static func < (a: QueuePosition, b: QueuePosition) -> Bool {
        let (x, y) = ((a.queuedAt.timeIntervalSince1970 * 1000).rounded(), (b.queuedAt.timeIntervalSince1970 * 1000).rounded())
        return x != y ? x < y : a.id < b.id
    }

    /// The queued runs among `summaries` in the order they will take a slot.
    public static func startOrder(_ summaries: [RunSummary]) -> [RunSummary] {
        summaries
            .compactMap { summary in
                summary.status.flatMap { summary.condition.state == .queued ? (summary, QueuePosition(id: summary.id, status: $0)) : nil }
            }
            .sorted { $0.1 < $1.1 }
            .map(\.0)
    }

    /// Whether another run of `catalog` waits ahead of `position` for a local slot. Reads
    /// only status files, since a waiting worker asks this several times a second. Runs whose
    /// worker belongs to another executor (a cluster job) are not in this queue.
    public static func hasRunAhead(of position: QueuePosition, in catalog: RunCatalog, now: Date = Date()) -> Bool {
        catalog.runDirectories().contains { other in
            guard other.id != position.id, let status = try? other.readStatus(),
                  status.worker.map({ $0.executor == WorkerHandle.localExecutor }) ?? true,
                  RunSummary.condition(of: status, now: now, heartbeatTimeout: RunSummary.defaultHeartbeatTimeout,
                                       liveness: catalog.liveness).state == .queued else { return false }
            return QueuePosition(id: other.id, status: status) < position
        }
    }
}
