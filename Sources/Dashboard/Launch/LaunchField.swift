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
    /// The run name, then every option of the option table (`TrainingConfiguration.options`)
    /// in its order and group, defaults filled in from `TrainingConfiguration()`.
    static func defaults() -> [LaunchField] {
        let defaults = TrainingConfiguration()
        return [LaunchField(flag: "name", property: "name", label: "Run name", kind: .text, section: "Run", text: "")]
            + TrainingConfiguration.options.map { option in
                LaunchField(flag: option.flag, property: option.key, label: option.label, kind: option.kind,
                            section: option.group.rawValue, text: option.text(in: defaults))
            }
    }

    /// Parses `text` into `configuration` with the option's own parser (the one the command
    /// line uses); returns an error message when the text is not a value of the option.
    func apply(to configuration: inout TrainingConfiguration) -> String? {
        if flag == "name" { return nil }
        guard let option = TrainingConfiguration.option(flag: flag) else { return "unknown option --\(flag)" }
        do { try option.parse(text, into: &configuration) } catch { return "\(error)" }
        return nil
    }

    /// The choices of a choice or flag field.
    var choices: [String]? {
        switch kind {
        case .choice(let options): return options
        case .flag: return ["yes", "no"]
        default: return nil
        }
    }
}
