/// How the Runs table is ordered.
public enum RunSort: Int, CaseIterable, Equatable, Sendable {
    case created, name, state, progress, bestValidation, test, speed
    /// By study (runs of one study together, lone runs last), then by name.
    case study

    public var title: String {
        switch self {
        case .created: return "created"
        case .name: return "name"
        case .state: return "state"
        case .progress: return "progress"
        case .bestValidation: return "best val"
        case .test: return "test"
        case .speed: return "speed"
        case .study: return "study"
        }
    }
}

/// The curve the Compare chart shows for each selected run.
public enum CompareMetric: Int, CaseIterable, Equatable, Sendable {
    case valAccuracy, testAccuracy, trainLoss, valLoss, trainAccuracy

    public var title: String {
        switch self {
        case .valAccuracy: return "val accuracy"
        case .testAccuracy: return "test accuracy"
        case .trainLoss: return "train loss"
        case .valLoss: return "val loss"
        case .trainAccuracy: return "train accuracy"
        }
    }
}

/// Which queries the Neighbours screen lists.
public enum NeighbourFilter: Equatable, Sendable {
    case all, misclassified, hard, label(Int)

    public var title: String {
        switch self {
        case .all: return "all"
        case .misclassified: return "misclassified"
        case .hard: return "hard"
        case .label(let c): return "class \(c)"
        }
    }
}

/// What to do to runs from the keyboard.
public enum RunControlAction: String, Equatable, Sendable {
    case pause, resume, stop, delete
    /// Resume a stopped or failed run from its latest checkpoint.
    case resumeFromCheckpoint = "resume from checkpoint"
}
