/// One run as the dashboard lists it: what the Runs table, the headers and the compare
/// table need, read from the run's folder by the effect runner.
///
/// A folder whose config.json or status.json cannot be read still gives a row: `problem`
/// says what is wrong and the state shows as `.corrupt`.
public struct RunRow: Equatable, Sendable {
    /// What the list shows as the run's state: the recorded state, with a dead worker
    /// shown as failed and an unreadable folder as corrupt.
    public enum DisplayState: String, Equatable, Sendable, CaseIterable {
        case queued, running, paused, stopping, finished, failed, stopped, corrupt

        /// States in which a worker process exists.
        public var isActive: Bool { self == .running || self == .paused || self == .stopping }
    }

    /// The folder name, e.g. `20261122-231500-ab12`.
    public var id: String
    /// Absolute path of the run folder.
    public var path: String
    public var name: String
    public var model: String
    public var variant: String
    public var state: DisplayState
    /// The epoch in progress while a worker trains (1-based), else the epochs completed.
    public var epoch: Int
    public var epochs: Int
    public var step: Int
    public var totalSteps: Int
    public var bestValidationAccuracy: Double?
    /// Test accuracy at the epoch of the best validation accuracy (the latest test accuracy
    /// when there is no validation): the model is chosen on validation, never on test.
    public var testAccuracy: Double?
    public var imagesPerSecond: Double?
    public var etaSeconds: Double?
    /// Seconds since the epoch of the run's creation (for sorting; 0 when unknown).
    public var createdAt: Double
    public var lastError: String?
    /// What is wrong with the folder (unreadable config or status), nil when healthy.
    public var problem: String?
    /// Whether a checkpoint exists to resume from.
    public var hasCheckpoint: Bool
    /// 1 for the queued run that starts next, 2 for the one after…; nil when not queued.
    public var queuePosition: Int?
    /// Every setting as key → printed value, in a stable order (for Run and Compare).
    public var settings: [(key: String, value: String)]
    /// The study that created the run (config.json's `study`), nil for a lone run.
    public var study: String?

    public init(id: String, path: String, name: String = "", model: String = "?", variant: String = "?",
                state: DisplayState, epoch: Int = 0, epochs: Int = 0, step: Int = 0, totalSteps: Int = 0,
                bestValidationAccuracy: Double? = nil, testAccuracy: Double? = nil,
                imagesPerSecond: Double? = nil, etaSeconds: Double? = nil, createdAt: Double = 0,
                lastError: String? = nil, problem: String? = nil, hasCheckpoint: Bool = false,
                queuePosition: Int? = nil, settings: [(key: String, value: String)] = [], study: String? = nil) {
        self.id = id
        self.path = path
        self.name = name
        self.model = model
        self.variant = variant
        self.state = state
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.totalSteps = totalSteps
        self.bestValidationAccuracy = bestValidationAccuracy
        self.testAccuracy = testAccuracy
        self.imagesPerSecond = imagesPerSecond
        self.etaSeconds = etaSeconds
        self.createdAt = createdAt
        self.lastError = lastError
        self.problem = problem
        self.hasCheckpoint = hasCheckpoint
        self.queuePosition = queuePosition
        self.settings = settings
        self.study = study
    }

    /// Fraction of steps done, 0…1 (finished runs are full even without a step count).
    public var progress: Double {
        if state == .finished { return 1 }
        return totalSteps > 0 ? min(1, max(0, Double(step) / Double(totalSteps))) : 0
    }

    /// "nsn-lite/static-diag", or the model alone for plain networks.
    public var modelLabel: String {
        variant.isEmpty || variant == "?" || model == "small-cnn" ? model : "\(model)/\(variant)"
    }

    /// The state as listed: "queued 2" for the second run in line.
    public var stateLabel: String {
        if state == .queued, let queuePosition { return "queued \(queuePosition)" }
        return state.rawValue
    }

    /// "step 20/100"; "no steps yet" before a worker has counted the steps.
    public var stepLabel: String {
        totalSteps > 0 ? "step \(step)/\(totalSteps)" : "no steps yet"
    }

    /// The printed value of one setting (nil when the run does not record it).
    public func setting(_ key: String) -> String? { settings.first { $0.key == key }?.value }

    public static func == (a: RunRow, b: RunRow) -> Bool {
        a.id == b.id && a.path == b.path && a.name == b.name && a.model == b.model && a.variant == b.variant
            && a.state == b.state && a.epoch == b.epoch && a.epochs == b.epochs && a.step == b.step
            && a.totalSteps == b.totalSteps && a.bestValidationAccuracy == b.bestValidationAccuracy
            && a.testAccuracy == b.testAccuracy && a.imagesPerSecond == b.imagesPerSecond
            && a.etaSeconds == b.etaSeconds && a.createdAt == b.createdAt && a.lastError == b.lastError
            && a.problem == b.problem && a.hasCheckpoint == b.hasCheckpoint && a.queuePosition == b.queuePosition
            && a.study == b.study
            && a.settings.map(\.key) == b.settings.map(\.key) && a.settings.map(\.value) == b.settings.map(\.value)
    }
}
