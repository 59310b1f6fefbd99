import Foundation

/// Reading a study's command line — `--grid KEY=V1,V2`, `--seeds 0,1,2`, `--baseline KEY=V`
/// — through the option table, and expanding the grid into each run's settings.
///
/// Every training option is a grid key (by its flag, without dashes); each value is parsed
/// and range-checked by the option's own parser, and every cell's combination of settings
/// by `problems()`, so a bad grid is refused before anything is created. Values are
/// separated by commas, or by `|` when the list holds one (for values with commas of their
/// own: `--grid 'widths=8,16|16,32'`).
public enum StudyGrid {
    /// The axis `KEY=V1,V2,…`.
    public static func axis(_ text: String, base: TrainingConfiguration = TrainingConfiguration()) throws -> StudyAxis {
        guard let equals = text.firstIndex(of: "=") else {
            throw StudyError("--grid '\(text)' needs the form KEY=V1,V2 (e.g. knn-alpha=0,0.1)")
        }
        var flag = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        if flag.hasPrefix("--") { flag.removeFirst(2) }
        guard let option = TrainingConfiguration.option(flag: flag) else {
            throw StudyError("--grid \(flag): not a training option (see `simlab train --help`)")
        }
        guard flag != "seed" else { throw StudyError("--grid seed: give the seeds with --seeds 0,1,2") }
        let list = String(text[text.index(after: equals)...])
        let separator: Character = list.contains("|") ? "|" : ","
        let texts = list.split(separator: separator, omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !list.trimmingCharacters(in: .whitespaces).isEmpty, !texts.contains(where: \.isEmpty)
                || option.kind == .optionalNumber else {
            throw StudyError("--grid \(flag)= needs values separated by commas, got '\(list)'")
        }
        var values: [JSONValue] = []
        for valueText in texts {
            let value = try setting(flag: option.flag, text: valueText, base: base).value
            guard !values.contains(value) else { throw StudyError("--grid \(flag) lists \(valueText) twice") }
            values.append(value)
        }
        return StudyAxis(flag: option.flag, values: values)
    }

    /// One setting as typed, checked by its option (range included) and stored typed: the
    /// option's config.json value, or the text itself for a text value (`nsn-lite:conv`).
    public static func setting(flag: String, text: String, base: TrainingConfiguration = TrainingConfiguration()) throws -> StudySetting {
        guard let option = TrainingConfiguration.option(flag: flag) else {
            throw StudyError("--\(flag): not a training option")
        }
        var configuration = base
        do { try configuration.set(flag: option.flag, valueText: text) } catch {
            throw StudyError("\(error)")
        }
        let value = option.jsonValue(in: configuration)
        if case .string = value { return StudySetting(flag: option.flag, value: .string(text)) }
        return StudySetting(flag: option.flag, value: value)
    }

    /// `0,1,2` (or a range `0-4`): distinct seeds, in order.
    public static func seeds(_ text: String) throws -> [UInt64] {
        var seeds: [UInt64] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0) }
            if bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high, high - low < 1000 {
                seeds += Array(low...high)
            } else if bounds.count == 1, let seed = bounds[0] {
                seeds.append(seed)
            } else {
                throw StudyError("--seeds needs whole numbers ≥ 0 like 0,1,2 or 0-4, got '\(text)'")
            }
        }
        guard !seeds.isEmpty else { throw StudyError("--seeds needs at least one seed, got '\(text)'") }
        guard Set(seeds).count == seeds.count else { throw StudyError("--seeds lists a seed twice: '\(text)'") }
        return seeds
    }

    /// `--baseline KEY=V`: a value of one of the grid's axes.
    public static func baseline(_ text: String, grid: [StudyAxis], base: TrainingConfiguration = TrainingConfiguration()) throws -> StudySetting {
        guard let equals = text.firstIndex(of: "=") else { throw StudyError("--baseline '\(text)' needs the form KEY=V") }
        var flag = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        if flag.hasPrefix("--") { flag.removeFirst(2) }
        guard let axis = grid.first(where: { $0.flag == flag }) else {
            throw StudyError("--baseline \(flag): not a grid key (the grid has \(grid.map(\.flag).joined(separator: ", ")))")
        }
        let setting = try setting(flag: flag, text: String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces),
                                  base: base)
        guard axis.values.contains(setting.value) else {
            throw StudyError("--baseline \(setting.text): not one of the grid's values for \(flag) "
                             + "(\(axis.values.map { StudySetting(flag: flag, value: $0).valueText }.joined(separator: ", ")))")
        }
        return setting
    }

    /// The settings of the run for `cell` and `seed`: the common options, then the cell's
    /// values, then the seed. Throws naming the first option that does not apply.
    public static func configuration(options: [StudySetting], cell: StudyCell, seed: UInt64) throws -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        for setting in options + cell.settings {
            guard let option = TrainingConfiguration.option(flag: setting.flag) else {
                throw StudyError("--\(setting.flag): not a training option")
            }
            do { try option.parse(setting.valueText, into: &configuration) } catch { throw StudyError("\(error)") }
        }
        configuration.seed = seed
        return configuration
    }

    /// Every problem of the study's runs, each naming its cell (empty when all can be created):
    /// the values of the axes and every cell's combination of settings.
    public static func problems(_ study: StudyRecord) -> [String] {
        var problems: [String] = []
        if study.grid.isEmpty { problems.append("a study needs at least one --grid KEY=V1,V2") }
        let flags = study.grid.map(\.flag)
        if Set(flags).count != flags.count { problems.append("--grid names a key twice") }
        if let clash = study.options.first(where: { flags.contains($0.flag) }) {
            problems.append("--\(clash.flag) is both a grid key and a common option; give it once")
        }
        if study.options.contains(where: { $0.flag == "seed" }) {
            problems.append("--seed: a study's seeds are given with --seeds 0,1,2")
        }
        guard problems.isEmpty else { return problems }
        for cell in study.cells {
            do {
                let configuration = try configuration(options: study.options, cell: cell, seed: study.seeds.first ?? 0)
                problems += configuration.problems().map { "\(cell.label): \($0)" }
                if let shape = (study.options + cell.settings).first(where: {
                    TrainingConfiguration.refusesShapeFlag("--" + $0.flag, model: configuration.model)
                }) {
                    problems.append("\(cell.label): " + TrainingConfiguration.shapeProblem("--" + shape.flag, model: configuration.model))
                }
            } catch {
                problems.append("\(cell.label): \(error)")
            }
        }
        return problems
    }

    /// A study name: a file name of letters, digits, `-`, `_` and `.`, not starting with a dot.
    public static func nameProblem(_ name: String) -> String? {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        if name.isEmpty || name.count > 100 || name.hasPrefix(".") || name.hasPrefix("-")
            || !name.unicodeScalars.allSatisfy(allowed.contains) {
            return "a study name is 1 to 100 letters, digits, '-', '_' or '.' (not starting with '.' or '-'), got '\(name)'"
        }
        return nil
    }
}

/// Why a study cannot be created, read or continued.
public struct StudyError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TrainingConfiguration {
    /// A setting's value as a user types it ("0.01", "16,32,64", "no"): a string as it is,
    /// any other value through its option; the JSON text when no option takes it.
    public static func optionText(flag: String, value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        guard let option = option(flag: flag) else { return JSONWriter.string(value) }
        var configuration = TrainingConfiguration()
        guard option.decode(&configuration, value) else { return JSONWriter.string(value) }
        return option.text(in: configuration)
    }
}
