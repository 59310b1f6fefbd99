import RunStore
import TerminalUI

/// Everything the dashboard shows, as a plain value: `update` changes it, `render` draws it.
public struct DashboardState: Equatable, Sendable {
    /// A question waiting for yes or no, and what happens on yes.
    public struct Confirmation: Equatable, Sendable {
        public var title: String
        public var question: String
        public var yes: Bool
        public var action: RunControlAction
        public var runIDs: [String]
    }

    /// A one-line message in the status bar.
    public struct Notice: Equatable, Sendable {
        public var text: String
        public var isError: Bool
        public var time: Double
    }

    /// A snapshot folder loaded for the open run: what exists and what is shown.
    public struct KernelView: Equatable, Sendable {
        public var runID: String
        public var epochs: [Int] = []
        /// Index into `epochs` of the shown snapshot (nil: follow the newest).
        public var epochIndex: Int?
        public var snapshot: KernelSnapshot?
        public var error: String?
        public var layerIndex = 0
        public var classIndex = 0
    }

    public struct KNNView: Equatable, Sendable {
        public var runID: String
        public var epochs: [KNNEpochStatistics] = []
        /// The end-of-training evaluation (evaluation.json), once written.
        public var evaluation: NeighbourEvaluationSummary?
        public var epochIndex: Int?
        public var error: String?
    }

    public struct NeighbourView: Equatable, Sendable {
        public var runID: String
        public var data: NeighbourBrowserData?
        public var error: String?
        public var filter: NeighbourFilter = .all
        /// Index into the filtered queries.
        public var queryIndex = 0
        public var neighbourIndex = 0
    }

    // Terminal.
    public var width: Int
    public var height: Int
    public var theme: Theme
    /// Seconds (any fixed origin), advanced by ticks.
    public var now: Double = 0
    public var lastListTime: Double = -1_000
    public var quitting = false

    public var screen: Screen = .runs
    public var showHelp = false
    public var helpScroll = 0
    public var confirmation: Confirmation?
    public var notice: Notice?

    // Runs.
    public var runs: [RunRow] = []
    /// The folder could not be listed (e.g. it does not exist yet).
    public var listError: String?
    public var runsLoaded = false
    public var sort: RunSort = .created
    public var sortAscending = false
    public var filter = ""
    public var editingFilter = false
    public var selectedRunID: String?
    public var markedRunIDs: Set<String> = []
    public var runsOffset = 0

    // One run.
    public var openRunID: String?
    public var metrics: [String: RunMetrics] = [:]
    public var logLines: [String: [String]] = [:]
    /// Exponential smoothing of the chart lines (0 = off).
    public var smoothing: Double = 0.6
    public var smoothingOn = true
    /// Show the "every N steps" train points, not just epoch lines.
    public var showStepLines = true
    public var settingsScroll = 0

    // Compare.
    public var compareMetric: CompareMetric = .valAccuracy
    public var compareDiffOnly = false
    public var compareScroll = 0

    public var kernels: KernelView?
    public var knn: KNNView?
    public var neighbours: NeighbourView?

    public var launchForm = LaunchForm()

    public init(width: Int = 120, height: Int = 40, theme: Theme = .colour) {
        self.width = width
        self.height = height
        self.theme = theme
    }

    public static func == (a: DashboardState, b: DashboardState) -> Bool {
        a.width == b.width && a.height == b.height && a.now == b.now && a.screen == b.screen
            && a.showHelp == b.showHelp && a.confirmation == b.confirmation && a.notice == b.notice
            && a.runs == b.runs && a.sort == b.sort && a.sortAscending == b.sortAscending && a.filter == b.filter
            && a.editingFilter == b.editingFilter && a.selectedRunID == b.selectedRunID
            && a.markedRunIDs == b.markedRunIDs && a.openRunID == b.openRunID && a.metrics == b.metrics
            && a.logLines == b.logLines && a.smoothing == b.smoothing && a.smoothingOn == b.smoothingOn
            && a.compareMetric == b.compareMetric && a.compareDiffOnly == b.compareDiffOnly
            && a.kernels == b.kernels && a.knn == b.knn && a.neighbours == b.neighbours
            && a.launchForm == b.launchForm && a.quitting == b.quitting && a.listError == b.listError
    }

    // MARK: derived

    /// The runs the table shows: filtered by the filter text, then sorted.
    public var visibleRuns: [RunRow] {
        let needle = filter.lowercased()
        let shown = needle.isEmpty ? runs : runs.filter { run in
            [run.id, run.name, run.modelLabel, run.state.rawValue].contains { $0.lowercased().contains(needle) }
        }
        return shown.sorted { a, b in
            let ordered = RunSorting.compare(a, b, by: sort)
            if ordered == 0 { return a.id < b.id }
            return sortAscending ? ordered < 0 : ordered > 0
        }
    }

    /// Index of the selected run in `visibleRuns`.
    public var selectedIndex: Int? {
        let visible = visibleRuns
        guard !visible.isEmpty else { return nil }
        if let id = selectedRunID, let i = visible.firstIndex(where: { $0.id == id }) { return i }
        return 0
    }

    public var selectedRun: RunRow? { selectedIndex.map { visibleRuns[$0] } }
    public var openRun: RunRow? { openRunID.flatMap { id in runs.first { $0.id == id } } }

    /// The runs Compare shows: the marked ones, or the selected one when none is marked.
    public var comparedRuns: [RunRow] {
        let marked = visibleRuns.filter { markedRunIDs.contains($0.id) }
            + runs.filter { markedRunIDs.contains($0.id) && !visibleRuns.contains($0) }
        if !marked.isEmpty { return marked }
        return selectedRun.map { [$0] } ?? []
    }

    /// The runs a control key acts on: the marked ones, else the selected one (Runs), or
    /// the open one (screens about one run).
    public var targetRuns: [RunRow] {
        if screen == .runs || screen == .compare {
            let marked = runs.filter { markedRunIDs.contains($0.id) }
            if !marked.isEmpty { return marked }
            return selectedRun.map { [$0] } ?? []
        }
        return openRun.map { [$0] } ?? []
    }

    /// The smoothing factor in use.
    public var effectiveSmoothing: Double { smoothingOn ? smoothing : 0 }
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
        }
    }
}
