import Foundation

/// One training option, declared once in `TrainingConfiguration.options`: its config.json
/// key, command-line flag, parser, range check, help text and launch-form label and group.
///
/// The command line, the launch form, config.json and validation all go through these
/// values, so an option is parsed, checked, stored and named the same way everywhere.
public struct TrainingOption: Sendable {
    /// The launch form's sections (and the help text's), in order.
    public enum Group: String, CaseIterable, Sendable {
        case model = "Model"
        case optimisation = "Optimisation"
        case data = "Data"
        case knn = "kNN"
    }

    /// The kind of value: how the form edits it and how help names it.
    public enum Kind: Equatable, Sendable {
        case text
        case integer
        case number
        /// Empty means "not set".
        case optionalNumber
        case integerList
        case choice([String])
        /// On or off: `--augment` / `--no-augment` on the command line, yes/no in the form.
        case flag
    }

    /// The config.json key and `TrainingConfiguration` property ("learningRate").
    public let key: String
    /// The command-line name without dashes ("lr").
    public let flag: String
    public let label: String
    public let group: Group
    public let kind: Kind
    public let help: String
    /// An nsn-lite shape option: giving it with small-cnn (fixed architecture) is refused.
    public let shapesNSNLite: Bool

    let assign: @Sendable (inout TrainingConfiguration, String) throws -> Void
    let render: @Sendable (TrainingConfiguration) -> String
    let encode: @Sendable (TrainingConfiguration) -> JSONValue
    let decode: @Sendable (inout TrainingConfiguration, JSONValue) -> Bool
    let range: @Sendable (TrainingConfiguration) -> String?
    let combination: @Sendable (TrainingConfiguration) -> String?

    /// The option as typed: "--lr".
    public var typedFlag: String { "--" + flag }

    /// Parses `text` with this option's parser into `configuration`.
    /// Throws `TrainingOptionError` (naming the option) when it is not a value of the kind.
    public func parse(_ text: String, into configuration: inout TrainingConfiguration) throws {
        try assign(&configuration, text)
    }

    /// The value in `configuration` as a user would type it ("0.1", "16,32,64", "yes").
    public func text(in configuration: TrainingConfiguration) -> String { render(configuration) }

    /// The value's problem in `configuration` (nil when fine): out of its range, or at odds
    /// with another setting ("--variant static-diag needs --model nsn-lite").
    public func problem(in configuration: TrainingConfiguration) -> String? {
        range(configuration) ?? combination(configuration)
    }

    /// The value's own range problem, whatever the other settings are.
    public func rangeProblem(in configuration: TrainingConfiguration) -> String? { range(configuration) }

    /// The value as stored in config.json's `settings`.
    public func jsonValue(in configuration: TrainingConfiguration) -> JSONValue { encode(configuration) }
}

/// A value that is not one of its option's kind ("--epochs needs a whole number, got 'x'"),
/// or a value out of range when set through `set(flag:valueText:)`.
public struct TrainingOptionError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A type a training option can hold: parsed from and written as text, stored as JSON.
protocol TrainingOptionValue: Sendable {
    /// Parses the text of `--flag` (trimmed), or throws naming the flag.
    static func parse(_ text: String, flag: String) throws -> Self
    var optionText: String { get }
    var jsonValue: JSONValue { get }
    init?(json: JSONValue)
}

extension Int: TrainingOptionValue {
    static func parse(_ text: String, flag: String) throws -> Int {
        guard let value = Int(text) else { throw TrainingOptionError("--\(flag) needs a whole number, got '\(text)'") }
        return value
    }
    var optionText: String { String(self) }
    var jsonValue: JSONValue { .number(Double(self)) }
    init?(json: JSONValue) {
        guard case .number(let n) = json, n.rounded() == n, abs(n) < 9e18 else { return nil }
        self = Int(n)
    }
}

extension UInt64: TrainingOptionValue {
    static func parse(_ text: String, flag: String) throws -> UInt64 {
        guard let value = UInt64(text) else { throw TrainingOptionError("--\(flag) needs a whole number ≥ 0, got '\(text)'") }
        return value
    }
    var optionText: String { String(self) }
    /// A JSON number is a Double: above 2^53 the value is written as a decimal string, so
    /// every seed survives config.json exactly (config.json's top-level `seed` does the same).
    var jsonValue: JSONValue { self <= 1 << 53 ? .number(Double(self)) : .string(String(self)) }
    init?(json: JSONValue) {
        switch json {
        case .number(let n) where n >= 0 && n.rounded() == n && n < 18_446_744_073_709_551_616.0: self = UInt64(n)
        case .string(let s) where UInt64(s) != nil: self = UInt64(s)!
        default: return nil
        }
    }
}

extension Double: TrainingOptionValue {
    /// Any number Swift reads, "nan" and "inf" included: those reach the range check, which
    /// names the option and the value.
    static func parse(_ text: String, flag: String) throws -> Double {
        guard let value = Double(text) else { throw TrainingOptionError("--\(flag) needs a number, got '\(text)'") }
        return value
    }
    /// As a user would type it: "0.1", "0.0005", "15".
    var optionText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
    var jsonValue: JSONValue { .number(self) }
    init?(json: JSONValue) {
        guard case .number(let n) = json else { return nil }
        self = n
    }
}

extension String: TrainingOptionValue {
    static func parse(_ text: String, flag: String) throws -> String { text }
    var optionText: String { self }
    var jsonValue: JSONValue { .string(self) }
    init?(json: JSONValue) {
        guard case .string(let s) = json else { return nil }
        self = s
    }
}

extension Bool: TrainingOptionValue {
    static func parse(_ text: String, flag: String) throws -> Bool {
        switch text.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw TrainingOptionError("--\(flag) needs yes or no, got '\(text)'")
        }
    }
    var optionText: String { self ? "yes" : "no" }
    var jsonValue: JSONValue { .bool(self) }
    init?(json: JSONValue) {
        guard case .bool(let b) = json else { return nil }
        self = b
    }
}

extension Array: TrainingOptionValue where Element == Int {
    static func parse(_ text: String, flag: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !text.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw TrainingOptionError("--\(flag) must be comma-separated integers like 16,32,64, got '\(text)'")
        }
        return parts.compactMap { $0 }
    }
    var optionText: String { map(String.init).joined(separator: ",") }
    var jsonValue: JSONValue { .array(map { .number(Double($0)) }) }
    init?(json: JSONValue) {
        guard case .array(let items) = json else { return nil }
        let values = items.compactMap(Int.init(json:))
        guard values.count == items.count else { return nil }
        self = values
    }
}

/// Not set: empty text, JSON null.
extension Optional: TrainingOptionValue where Wrapped: TrainingOptionValue {
    static func parse(_ text: String, flag: String) throws -> Wrapped? {
        if text.isEmpty { return nil }
        do { return try Wrapped.parse(text, flag: flag) } catch let error as TrainingOptionError {
            throw TrainingOptionError(error.description + " (or leave it empty)")
        }
    }
    var optionText: String { map(\.optionText) ?? "" }
    var jsonValue: JSONValue { map(\.jsonValue) ?? .null }
    init?(json: JSONValue) {
        if case .null = json { self = .none; return }
        guard let value = Wrapped(json: json) else { return nil }
        self = .some(value)
    }
}

extension TrainingOption {
    /// An option stored at `keyPath`, parsed by its type's parser unless `parse` is given
    /// and stored by `apply` when given. `range` returns the problem of a value on its own,
    /// `combination` one it has with other settings (nil when fine).
    static func option<Value: TrainingOptionValue>(
        _ keyPath: WritableKeyPath<TrainingConfiguration, Value>, key: String, flag: String, label: String,
        _ group: Group, _ kind: Kind, help: String, shapesNSNLite: Bool = false,
        parse: (@Sendable (String) throws -> Value)? = nil,
        apply: (@Sendable (inout TrainingConfiguration, Value) -> Void)? = nil,
        range: @escaping @Sendable (Value) -> String? = { _ in nil },
        combination: @escaping @Sendable (TrainingConfiguration) -> String? = { _ in nil }
    ) -> TrainingOption {
        nonisolated(unsafe) let keyPath = keyPath
        return TrainingOption(
            key: key, flag: flag, label: label, group: group, kind: kind, help: help, shapesNSNLite: shapesNSNLite,
            assign: { configuration, text in
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                let value = try parse?(trimmed) ?? Value.parse(trimmed, flag: flag)
                if let apply { apply(&configuration, value) } else { configuration[keyPath: keyPath] = value }
            },
            render: { $0[keyPath: keyPath].optionText },
            encode: { $0[keyPath: keyPath].jsonValue },
            decode: { configuration, json in
                guard let value = Value(json: json) else { return false }
                configuration[keyPath: keyPath] = value
                return true
            },
            range: { range($0[keyPath: keyPath]) },
            combination: combination)
    }
}
