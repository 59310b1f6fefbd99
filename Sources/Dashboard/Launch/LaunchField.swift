import Foundation
import RunStore

/// One field of the launch form: the run name or a training option of the option table, as text.
public struct LaunchField: Equatable, Sendable {
    /// The option's kind from the option table (the run name is `.text`).
    public typealias Kind = TrainingOption.Kind

    /// The option's command-line name without dashes ("lr", "knn-alpha"); "name" for the run name.
    public var flag: String
    /// The TrainingConfiguration property it sets (used to clone a run's settings).
    public var property: String
    public var label: String
    public var kind: Kind
    public var section: String
    public var text: String
    /// Why the value is not accepted (parse error or a configuration problem), nil when fine.
    public var error: String?
    /// The field holds a study's grid of values (`V1,V2`, or `V1|V2` for values with commas).
    public var isGrid = false

    public init(flag: String, property: String, label: String, kind: Kind, section: String, text: String) {
        self.flag = flag
        self.property = property
        self.label = label
        self.kind = kind
        self.section = section
        self.text = text
    }
}

extension LaunchField {
    /// Where the run's worker runs: the executor and the Slurm options (`simlab train
    /// --executor --partition --time --sbatch-arg`); not training options.
    static let executorFlags: Set<String> = ["executor", "partition", "time", "sbatch-arg"]

    /// The executors the form offers. The executable sets it once at start-up from its
    /// registry (`Executors.names`; the dashboard does not link the workers), so a new
    /// executor appears in the form without a change here.
    nonisolated(unsafe) public static var executorNames = ["local", "slurm"]

    static func executorFields() -> [LaunchField] {
        [LaunchField(flag: "executor", property: "executor", label: "Executor", kind: .choice(executorNames),
                     section: "Executor", text: "local"),
         LaunchField(flag: "partition", property: "partition", label: "Slurm partition", kind: .text,
                     section: "Executor", text: ""),
         LaunchField(flag: "time", property: "time", label: "Slurm time limit", kind: .text, section: "Executor", text: ""),
         LaunchField(flag: "sbatch-arg", property: "sbatchArgs", label: "More sbatch options", kind: .text,
                     section: "Executor", text: "")]
    }

    /// The run name, then every option of the option table (`TrainingConfiguration.options`)
    /// in its order and group, defaults filled in from `TrainingConfiguration()`, then where
    /// the worker runs, then the study's name and seeds (empty: a single run).
    static func defaults() -> [LaunchField] {
        let defaults = TrainingConfiguration()
        return [LaunchField(flag: "name", property: "name", label: "Run name", kind: .text, section: "Run", text: "")]
            + TrainingConfiguration.options.map { option in
                LaunchField(flag: option.flag, property: option.key, label: option.label, kind: option.kind,
                            section: option.group.rawValue, text: option.text(in: defaults))
            }
            + executorFields()
            + [
                // Last, so the single-run form keeps its order: a study is the form's extension.
                LaunchField(flag: "study", property: "study", label: "Study name", kind: .text, section: "Study", text: ""),
                LaunchField(flag: "seeds", property: "seeds", label: "Seeds", kind: .text, section: "Study", text: ""),
            ]
    }

    /// Parses `text` into `configuration` with the option's own parser (the one the command
    /// line uses); returns an error message when the text is not a value of the option.
    /// A grid field applies its first value; its values are checked by `gridAxis`.
    func apply(to configuration: inout TrainingConfiguration) -> String? {
        if LaunchField.formOnly.contains(flag) || Self.executorFlags.contains(flag) { return nil }
        guard let option = TrainingConfiguration.option(flag: flag) else { return "unknown option --\(flag)" }
        if isGrid {
            do {
                let axis = try StudyGrid.axis("\(flag)=\(text)")
                if let first = axis.values.first { try option.parse(StudySetting(flag: flag, value: first).valueText, into: &configuration) }
            } catch { return "\(error)" }
            return nil
        }
        do { try option.parse(text, into: &configuration) } catch { return "\(error)" }
        return nil
    }

    /// The fields that are no training option: the run name, the study name and its seeds.
    static let formOnly: Set<String> = ["name", "study", "seeds"]

    /// The values of a grid field as a study axis.
    func gridAxis() throws -> StudyAxis { try StudyGrid.axis("\(flag)=\(text)") }

    /// The choices of a choice or flag field (a grid field is typed, even for a choice).
    var choices: [String]? {
        if isGrid { return nil }
        switch kind {
        case .choice(let options): return options
        case .flag: return ["yes", "no"]
        default: return nil
        }
    }
}
