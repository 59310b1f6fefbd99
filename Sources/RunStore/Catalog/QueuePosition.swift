import Foundation

/// Where a queued run stands in the line for a training slot: first queued, first to
/// start — `queuedAt` to the millisecond (the precision status.json keeps), then the run id.
/// Workers take their turn by it; `simlab queue` and the dashboard show it.
public struct QueuePosition: Comparable, Sendable {
    public var id: RunID
    public var queuedAt: Date

    public init(id: RunID, queuedAt: Date) {
        self.id = id
        self.queuedAt = queuedAt
    }

    public static func < (a: QueuePosition, b: QueuePosition) -> Bool {
        let (x, y) = ((a.queuedAt.timeIntervalSince1970 * 1000).rounded(), (b.queuedAt.timeIntervalSince1970 * 1000).rounded())
        return x != y ? x < y : a.id < b.id
    }

    /// The queued runs among `summaries` in the order they will take a slot.
    public static func startOrder(_ summaries: [RunSummary]) -> [RunSummary] {
        summaries
            .filter { $0.condition.state == .queued }
            .map { ($0, QueuePosition(id: $0.id, queuedAt: $0.status?.queuedAt ?? $0.status?.heartbeat ?? .distantPast)) }
            .sorted { $0.1 < $1.1 }
            .map(\.0)
    }
}
