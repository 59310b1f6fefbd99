import Foundation
import RunStore

/// The launch form: every training option as a field, checked as it is typed.
public struct LaunchForm: Equatable, Sendable {
    public var fields: [LaunchField]
    public var focus: Int = 0
    public var scroll: Int = 0
    /// Problems that belong to no single field.
    public var generalErrors: [String] = []
    /// The run the settings were cloned from, if any.
    public var clonedFrom: String?

    public init() {
        fields = LaunchField.defaults()
        validate()
    }

    public var isValid: Bool { generalErrors.isEmpty && fields.allSatisfy { $0.error == nil } }

    /// The run name typed (nil when empty).
    public var runName: String? {
        let name = fields.first { $0.flag == "name" }?.text.trimmingCharacters(in: .whitespaces) ?? ""
        return name.isEmpty ? nil : name
    }

    /// Whether the form launches a study: a field is a grid, or seeds are given.
    public var isStudy: Bool {
        fields.contains { $0.isGrid } || !(text(of: "seeds").trimmingCharacters(in: .whitespaces).isEmpty)
    }

    func text(of flag: String) -> String { fields.first { $0.flag == flag }?.text ?? "" }

    /// The study the form describes (nil for a single run or an invalid form): the grid
    /// fields as axes in form order, the seeds (else the seed field's value), and every other
    /// option that differs from its default as a common option.
    public var study: StudyRecord? {
        guard isValid, isStudy else { return nil }
        return try? studyRecord()
    }

    func studyRecord() throws -> StudyRecord {
        let name = text(of: "study").trimmingCharacters(in: .whitespaces)
        if let problem = StudyGrid.nameProblem(name) { throw StudyError("study name: " + problem) }
        let seedText = text(of: "seeds").trimmingCharacters(in: .whitespaces)
        let seeds = try StudyGrid.seeds(seedText.isEmpty ? text(of: "seed") : seedText)
        let grid = try fields.filter(\.isGrid).map { try $0.gridAxis() }
        guard !grid.isEmpty else { throw StudyError("a study needs a grid: mark a field with ^G and give it values like 0,0.1") }
        let defaults = LaunchField.defaults()
        let options = try fields.filter { field in
            !field.isGrid && !LaunchField.formOnly.contains(field.flag) && !LaunchField.executorFlags.contains(field.flag)
                && field.flag != "seed"
                && field.text.trimmingCharacters(in: .whitespaces) != defaults.first { $0.flag == field.flag }?.text
        }.map { try StudyGrid.setting(flag: $0.flag, text: $0.text.trimmingCharacters(in: .whitespaces)) }
        return StudyRecord(name: name, grid: grid, seeds: seeds, options: options)
    }

    /// Marks the focused option field as a grid of values, or back as one value (its first).
    public mutating func toggleGrid() {
        guard fields.indices.contains(focus), !LaunchField.formOnly.contains(fields[focus].flag),
              !LaunchField.executorFlags.contains(fields[focus].flag) else { return }
        fields[focus].isGrid.toggle()
        if !fields[focus].isGrid {
            let text = fields[focus].text
            let first = text.split(separator: text.contains("|") ? "|" : ",", omittingEmptySubsequences: false).first
            fields[focus].text = first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        validate()
    }

    /// Where the run's worker runs, as `simlab train --executor … --partition … --time …
    /// --sbatch-arg …` would record it (sbatch options separated by spaces).
    public var executorChoice: ExecutorChoice {
        func text(_ flag: String) -> String {
            fields.first { $0.flag == flag }?.text.trimmingCharacters(in: .whitespaces) ?? ""
        }
        var options: [String: String] = [:]
        if !text("partition").isEmpty { options["partition"] = text("partition") }
        if !text("time").isEmpty { options["time"] = text("time") }
        let name = text("executor").isEmpty ? ExecutorChoice.local.name : text("executor")
        return ExecutorChoice(name: name, options: options,
                              passThrough: text("sbatch-arg").split(separator: " ").map(String.init))
    }

    /// The configuration of the fields, when every field parses and the combination is valid.
    public var configuration: TrainingConfiguration? {
        guard isValid else { return nil }
        var configuration = TrainingConfiguration()
        for field in fields { _ = field.apply(to: &configuration) }
        return configuration
    }

    /// Re-checks every field: parse errors first, then the configuration's own problems,
    /// each placed beside the field its message names.
    public mutating func validate() {
        var configuration = TrainingConfiguration()
        for i in fields.indices { fields[i].error = fields[i].apply(to: &configuration) }
        generalErrors = []
        let choice = executorChoice
        for i in fields.indices where LaunchField.executorFlags.contains(fields[i].flag) && fields[i].flag != "executor" {
            let text = fields[i].text.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty && choice.name == ExecutorChoice.local.name {
                fields[i].error = "--\(fields[i].flag): only for a cluster executor (e.g. slurm)"
            } else if fields[i].flag == "sbatch-arg", let bad = choice.passThrough.first(where: { !$0.hasPrefix("-") }) {
                fields[i].error = "sbatch option \(bad.debugDescription) is not an option (write it as --name=value)"
            }
        }
        var problems = configuration.problems()
        // Shape fields changed from their defaults that the model would ignore: say so beside them.
        let defaults = LaunchField.defaults()
        problems += fields.indices.filter { i in
            TrainingConfiguration.refusesShapeFlag("--" + fields[i].flag, model: configuration.model)
                && fields[i].text.trimmingCharacters(in: .whitespaces) != defaults.first { $0.flag == fields[i].flag }?.text
        }.map { TrainingConfiguration.shapeProblem("--" + fields[$0].flag, model: configuration.model) }
        if isStudy, fields.allSatisfy({ $0.error == nil }) {
            do {
                let record = try studyRecord()
                problems += StudyGrid.problems(record).filter { !problems.contains($0) }
            } catch {
                generalErrors.append("\(error)")
            }
        }
        for problem in problems {
            // A field with a parse error keeps that message; others get the first problem that names them.
            // The field named first in the message ("--variant X needs --model …" → variant).
            let named = fields.indices.compactMap { i -> (Int, String.Index)? in
                guard let range = LaunchForm.range(of: "--" + fields[i].flag, in: problem) else { return nil }
                return (i, range.lowerBound)
            }
            if let i = named.min(by: { $0.1 < $1.1 })?.0 {
                if fields[i].error == nil { fields[i].error = problem }
            } else {
                generalErrors.append(problem)
            }
        }
    }

    /// Where `flag` occurs in `text` as a whole option name (not as the start of a longer one).
    static func range(of flag: String, in text: String) -> Range<String.Index>? {
        var start = text.startIndex
        while let range = text.range(of: flag, range: start..<text.endIndex) {
            let next = range.upperBound < text.endIndex ? text[range.upperBound] : " "
            if !(next.isLetter || next == "-") { return range }
            start = range.upperBound
        }
        return nil
    }

    public mutating func type(_ character: Character) {
        guard fields.indices.contains(focus) else { return }
        if let choices = fields[focus].choices {
            // Typing into a choice field picks the next choice starting with that letter.
            let lower = String(character).lowercased()
            let start = (choices.firstIndex(of: fields[focus].text) ?? -1) + 1
            let order = Array(choices[min(start, choices.count)...]) + Array(choices[..<min(start, choices.count)])
            if let match = order.first(where: { $0.lowercased().hasPrefix(lower) }) { fields[focus].text = match }
        } else {
            fields[focus].text.append(character)
        }
        validate()
    }

    public mutating func backspace() {
        guard fields.indices.contains(focus), fields[focus].choices == nil, !fields[focus].text.isEmpty else { return }
        fields[focus].text.removeLast()
        validate()
    }

    public mutating func moveFocus(by delta: Int) {
        guard !fields.isEmpty else { return }
        focus = ((focus + delta) % fields.count + fields.count) % fields.count
    }

    /// Cycles the choice of a choice field.
    public mutating func cycleChoice(by delta: Int) {
        guard fields.indices.contains(focus), let choices = fields[focus].choices, !choices.isEmpty else { return }
        let current = choices.firstIndex(of: fields[focus].text) ?? -1
        fields[focus].text = choices[((current + delta) % choices.count + choices.count) % choices.count]
        validate()
    }

    /// Fills the fields from a run's recorded settings (property or flag names → values);
    /// the name becomes "<name> copy".
    public mutating func clone(settings: [(key: String, value: String)], name: String, runID: String) {
        self = LaunchForm()
        let lookup = Dictionary(settings.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        for i in fields.indices {
            if fields[i].flag == "name" { fields[i].text = name.isEmpty ? "" : name + " copy"; continue }
            guard var value = lookup[fields[i].property] ?? lookup[fields[i].flag] else { continue }
            if fields[i].kind == .flag { value = (value == "true" || value == "yes" || value == "1") ? "yes" : "no" }
            if fields[i].kind == .integerList { value = value.filter { !"[] ".contains($0) } }
            fields[i].text = value
        }
        clonedFrom = runID
        validate()
    }
}
