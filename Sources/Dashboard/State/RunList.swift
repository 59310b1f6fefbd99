/// The runs folder as the shell keeps it for every screen: the listed runs, how the list
/// is filtered and sorted, the selection, the marks, the open run, and the metrics read
/// so far.
public struct RunList: Equatable, Sendable {
    public var rows: [RunRow] = []
    /// The folder could not be listed (e.g. it does not exist yet).
    public var error: String?
    public var loaded = false
    public var sort: RunSort = .created
    public var sortAscending = false
    public var filter = ""
    public var selectedID: String?
    public var markedIDs: Set<String> = []
    /// The run the one-run screens (Run, Kernels, kNN, Neighbours) show.
    public var openID: String?
    /// Metrics read so far, per run (Run and Compare draw them).
    public var metrics: [String: RunMetrics] = [:]

    public init() {}

    /// Takes a new listing: marks and the selection follow the runs that are still there.
    public mutating func list(_ rows: [RunRow], error: String?) {
        self.rows = rows
        self.error = error
        loaded = true
        let ids = Set(rows.map(\.id))
        markedIDs = markedIDs.intersection(ids)
        if let selected = selectedID, !ids.contains(selected) { selectedID = nil }
        if selectedID == nil { selectedID = visible.first?.id }
    }

    /// The runs the table shows: filtered by the filter text, then sorted. `study:NAME`
    /// keeps the runs of that study only (`study:NAME rest` filters them further by `rest`).
    public var visible: [RunRow] {
        var needle = filter.lowercased()
        var study: String?
        if needle.hasPrefix("study:") {
            let words = needle.dropFirst(6).split(separator: " ", maxSplits: 1)
            study = words.first.map(String.init) ?? ""
            needle = words.count > 1 ? String(words[1]) : ""
        }
        let inStudy = study.map { name in rows.filter { $0.study?.lowercased() == name } } ?? rows
        let shown = needle.isEmpty ? inStudy : inStudy.filter { run in
            [run.id, run.name, run.modelLabel, run.state.rawValue, run.study ?? ""].contains { $0.lowercased().contains(needle) }
        }
        return shown.sorted { a, b in
            let ordered = RunSorting.compare(a, b, by: sort)
            if ordered == 0 { return a.id < b.id }
            return sortAscending ? ordered < 0 : ordered > 0
        }
    }

    /// Index of the selected run in `visible`.
    public var selectedIndex: Int? { selectedIndex(in: visible) }

    /// Index of the selected run in `visible` as already computed (filtering and sorting a
    /// thousand runs is the costly part, so callers that need both compute it once).
    public func selectedIndex(in visible: [RunRow]) -> Int? {
        guard !visible.isEmpty else { return nil }
        if let id = selectedID, let i = visible.firstIndex(where: { $0.id == id }) { return i }
        return 0
    }

    public var selected: RunRow? {
        let visible = visible
        return selectedIndex(in: visible).map { visible[$0] }
    }
    public var open: RunRow? { openID.flatMap { id in rows.first { $0.id == id } } }

    /// The runs Compare shows: the marked ones (those the filter shows first, in the table's
    /// order), or the selected one when none is marked.
    public var compared: [RunRow] {
        let visible = visible
        guard !markedIDs.isEmpty else { return selectedIndex(in: visible).map { [visible[$0]] } ?? [] }
        let shown = Set(visible.map(\.id))
        let marked = visible.filter { markedIDs.contains($0.id) }
            + rows.filter { markedIDs.contains($0.id) && !shown.contains($0.id) }
        if !marked.isEmpty { return marked }
        return selectedIndex(in: visible).map { [visible[$0]] } ?? []
    }

    /// The marked runs, else the selected one: what a control key acts on from a list.
    public var markedOrSelected: [RunRow] {
        let marked = rows.filter { markedIDs.contains($0.id) }
        if !marked.isEmpty { return marked }
        return selected.map { [$0] } ?? []
    }

    /// Opens the selected run when none is open (a one-run screen shown from a list).
    public mutating func openSelectedIfNone() {
        if openID == nil, let run = selected { openID = run.id }
    }

    /// Moves the selection by `delta` rows, within the visible runs.
    public mutating func moveSelection(by delta: Int) {
        let visible = visible
        guard !visible.isEmpty else { return }
        let current = selectedIndex(in: visible) ?? 0
        let next = min(max(current.addingReportingOverflow(delta).overflow ? current : current + delta, 0), visible.count - 1)
        selectedID = visible[next].id
    }

    /// Keeps the selection on a visible run after the filter changed.
    public mutating func keepSelectionVisible() {
        let visible = visible
        selectedID = visible.first(where: { $0.id == selectedID })?.id ?? visible.first?.id
    }

    public mutating func toggleMark(_ id: String) {
        if markedIDs.contains(id) { markedIDs.remove(id) } else { markedIDs.insert(id) }
    }
}

/// Orders runs for the table.
enum RunSorting {
    /// Negative when a comes first in ascending order.
    static func compare(_ a: RunRow, _ b: RunRow, by sort: RunSort) -> Int {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        func optional(_ x: Double?, _ y: Double?) -> Int { cmp(x ?? -1, y ?? -1) }
        switch sort {
        case .created: return a.createdAt == b.createdAt ? cmp(a.id, b.id) : cmp(a.createdAt, b.createdAt)
        case .name: return cmp(a.name.lowercased(), b.name.lowercased())
        case .state: return cmp(a.state.rawValue, b.state.rawValue)
        case .progress: return cmp(a.progress, b.progress)
        case .bestValidation: return optional(a.bestValidationAccuracy, b.bestValidationAccuracy)
        case .test: return optional(a.testAccuracy, b.testAccuracy)
        case .speed: return optional(a.imagesPerSecond, b.imagesPerSecond)
        case .study:
            // Ascending: the studies by name, then the lone runs.
            let x = a.study.map { "0" + $0.lowercased() } ?? "1", y = b.study.map { "0" + $0.lowercased() } ?? "1"
            return x == y ? cmp(a.name.lowercased(), b.name.lowercased()) : cmp(x, y)
        }
    }
}
