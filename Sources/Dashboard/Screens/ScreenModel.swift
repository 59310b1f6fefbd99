/// The dashboard's screens, in tab order: the one list a new screen is added to (a case,
/// its entry in `all`, its arm in `screen`).
///
/// An enum rather than `[any DashboardScreen]` so that `Equatable` is synthesized over
/// every screen's whole state.
public enum ScreenModel: Equatable, Sendable {
    case runs(RunsScreen)
    case run(RunScreen)
    case compare(CompareScreen)
    case kernels(KernelsScreen)
    case knn(KNNScreen)
    case neighbours(NeighboursScreen)
    case launch(LaunchScreen)
    case studies(StudiesScreen)

    /// Every screen as it starts, in tab order (digits 1–9 and the `0` list number them so).
    public static let all: [ScreenModel] = [
        .runs(RunsScreen()), .run(RunScreen()), .compare(CompareScreen()), .kernels(KernelsScreen()),
        .knn(KNNScreen()), .neighbours(NeighboursScreen()), .launch(LaunchScreen()), .studies(StudiesScreen()),
    ]

    /// The screen's model.
    public var screen: any DashboardScreen {
        switch self {
        case .runs(let s): return s
        case .run(let s): return s
        case .compare(let s): return s
        case .kernels(let s): return s
        case .knn(let s): return s
        case .neighbours(let s): return s
        case .launch(let s): return s
        case .studies(let s): return s
        }
    }

    public var title: String { type(of: screen).title }

    /// The index in `all` of a screen type.
    public static func index<S: DashboardScreen>(of type: S.Type) -> Int {
        guard let i = all.firstIndex(where: { Swift.type(of: $0.screen) == type }) else {
            preconditionFailure("\(type) is not in ScreenModel.all")
        }
        return i
    }
}
