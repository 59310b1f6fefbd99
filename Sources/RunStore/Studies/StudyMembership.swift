import Foundation

/// The study a run belongs to, as config.json records it:
/// `"study": {"name": "alpha", "cell": {"knn-alpha": 0.01}}` (keys are option flags, values
/// typed as in `settings`). Runs created outside a study, and runs written before studies
/// existed, have none.
public struct StudyMembership: Equatable, Sendable {
    public var name: String
    public var cell: StudyCell

    public init(name: String, cell: StudyCell) {
        self.name = name
        self.cell = cell
    }

    public var json: JSONValue {
        .object(["name": .string(name), "cell": .object(cell.object)])
    }

    /// Reads the member written by `json`; nil for anything else (a hand-edited value never
    /// keeps the run from opening).
    public init?(json: JSONValue?) {
        guard let object = json?.objectValue, let name = object["name"]?.stringValue else { return nil }
        self.name = name
        let cell = object["cell"]?.objectValue ?? JSONObject()
        self.cell = StudyCell(settings: cell.map { StudySetting(flag: $0.key, value: $0.value) })
    }
}
