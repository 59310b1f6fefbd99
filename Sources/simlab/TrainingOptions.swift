import ArgumentParser
import Foundation
import RunStore

/// The command-line face of `TrainingConfiguration`: every option of the option table
/// (`TrainingConfiguration.options`) as `--flag VALUE` or `--flag=VALUE`, and each flag
/// option as `--augment` / `--no-augment`. Values are parsed and range-checked by the table,
/// with the launch form's parsers; a value is the next word even when it starts with "-",
/// so `--epochs -1` gets the range message rather than "missing value".
struct TrainingOptions: ParsableArguments {
    /// The training options, in the order given; argument parser leaves them to the table.
    @Argument(parsing: .allUnrecognized,
              help: ArgumentHelp("Training options (listed above), e.g. --epochs 5 --lr 0.05.", valueName: "training-option"))
    var arguments: [String] = []

    /// The configuration, or a ValidationError listing every problem.
    func configuration() throws -> TrainingConfiguration {
        let given = try Self.split(arguments)
        var configuration = TrainingConfiguration()
        var parseErrors: [String] = []
        for (option, text) in given {
            do { try option.parse(text, into: &configuration) } catch { parseErrors.append("\(error)") }
        }
        guard parseErrors.isEmpty else { throw ValidationError(parseErrors.joined(separator: "\n")) }

        let model = given.last { $0.option.flag == "model" }?.text ?? ""
        if model.contains(":"), let variant = given.last(where: { $0.option.flag == "variant" })?.text,
           !model.hasSuffix(":" + variant) {
            throw ValidationError("--model \(model) and --variant \(variant) name different variants; give one of them")
        }
        if let shape = given.first(where: { TrainingConfiguration.refusesShapeFlag($0.option.typedFlag, model: configuration.model) }) {
            throw ValidationError(TrainingConfiguration.shapeProblem(shape.option.typedFlag, model: configuration.model))
        }
        let problems = configuration.problems()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
        return configuration
    }

    /// Pairs each option with its text. `--model x:y` is applied before `--variant`, so
    /// the two can be checked against each other; otherwise the last of a repeated option wins.
    static func split(_ arguments: [String]) throws -> [(option: TrainingOption, text: String)] {
        var pairs: [(option: TrainingOption, text: String)] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                throw ValidationError("unexpected argument '\(word)'")
            }
            var name = String(word.dropFirst(2)), attached: String?
            if let equals = name.firstIndex(of: "=") {
                attached = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if let option = TrainingConfiguration.option(flag: name), option.kind == .flag, attached == nil {
                pairs.append((option, "yes"))
                continue
            }
            if name.hasPrefix("no-"), let option = TrainingConfiguration.option(flag: String(name.dropFirst(3))),
               option.kind == .flag, attached == nil {
                pairs.append((option, "no"))
                continue
            }
            guard let option = TrainingConfiguration.option(flag: name) else {
                throw ValidationError("unknown option '--\(name)'.\(suggestion(for: name))")
            }
            if let attached {
                pairs.append((option, attached))
            } else if index < arguments.count {
                pairs.append((option, arguments[index]))
                index += 1
            } else {
                throw ValidationError("missing value for '--\(name) <\(placeholder(option))>'")
            }
        }
        // Stable: the model first (it may set the variant), the rest in the order given.
        return pairs.filter { $0.option.flag == "model" } + pairs.filter { $0.option.flag != "model" }
    }

    private static func suggestion(for name: String) -> String {
        let flags = TrainingConfiguration.options.flatMap { $0.kind == .flag ? [$0.flag, "no-" + $0.flag] : [$0.flag] }
        guard let closest = flags.min(by: { EditDistance.between(name, $0) < EditDistance.between(name, $1) }),
              EditDistance.between(name, closest) <= 2 else { return "" }
        return " Did you mean '--\(closest)'?"
    }

    static func placeholder(_ option: TrainingOption) -> String {
        switch option.kind {
        case .integer: return "n"
        case .number, .optionalNumber: return "x"
        case .integerList: return "n,n,…"
        case .choice(let choices): return choices.count <= 5 ? choices.joined(separator: "|") : option.flag
        case .text, .flag: return option.flag
        }
    }

    /// The help of every training option, grouped as in the launch form, for `--help`.
    static var help: String {
        let defaults = TrainingConfiguration()
        var lines: [String] = []
        for group in TrainingOption.Group.allCases {
            lines.append("\(group.rawValue.uppercased()) OPTIONS:")
            for option in TrainingConfiguration.options where option.group == group {
                let name = option.kind == .flag ? "--\(option.flag), --no-\(option.flag)"
                    : "--\(option.flag) <\(placeholder(option))>"
                let value = option.text(in: defaults)
                let help = option.help + (value.isEmpty ? "" : " (default: \(value))")
                lines += wrap(name, help)
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// "  --name <x>   help…" with the help wrapped at 78 columns (argument parser re-wraps longer lines) under itself.
    private static func wrap(_ name: String, _ help: String, width: Int = 78, column: Int = 28) -> [String] {
        var lines: [String] = []
        var line = "  " + name
        if line.count >= column - 1 { lines.append(line); line = "" }
        line = line.padding(toLength: column, withPad: " ", startingAt: 0)
        var empty = true
        for word in help.split(separator: " ") {
            if !empty && line.count + 1 + word.count > width {
                lines.append(line)
                line = String(repeating: " ", count: column)
                empty = true
            }
            line += (empty ? "" : " ") + word
            empty = false
        }
        lines.append(line)
        return lines
    }
}
