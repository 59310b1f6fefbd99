import Foundation

/// A run's configuration (config.json), written once when the run is created.
///
/// Fixed fields are the ones every tool needs to list and compare runs; `settings` holds
/// every other hyperparameter in order, so new options need no schema change.
public struct RunConfig: Equatable, Sendable {
    public static let schemaVersion = 1

    /// Human label shown in lists (defaults to the model and variant).
    public var name: String

    /// The name with control characters (a newline, an escape sequence written into a
    /// hand-edited config.json) shown as "?", so listings and the dashboard stay intact.
    public var printableName: String { name.printable }

    private static func isControl(_ character: Character) -> Bool {
        character.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Why `name` cannot name a run (nil when it can): one line of printable text.
    public static func problem(withName name: String) -> String? {
        if name.contains(where: RunConfig.isControl) {
            return "--name must be one line of printable text (no newlines, tabs or escape characters)"
        }
        return name.count > 200 ? "--name must be at most 200 characters, got \(name.count)" : nil
    }
    /// Architecture, e.g. "nsn-lite".
    public var model: String
    /// Similarity variant, e.g. "conv", "static-diag", "dynamic-full".
    public var variant: String
    /// Directory the dataset was read from.
    public var dataDirectory: String
    public var seed: UInt64
    public var threads: Int
    public var epochs: Int
    public var createdAt: Date
    /// Version of the code that created the run (e.g. a git describe string).
    public var codeVersion: String
    /// Every other setting, in the order it was given: `"lr": 0.1, "batchSize": 128, ...`.
    public var settings: JSONObject
    /// Where the run's workers run (`.local` unless chosen otherwise).
    public var executor: ExecutorChoice = .local
    /// The study that created the run (config.json's optional `study`), nil for a lone run.
    public var study: StudyMembership?
    /// The dataset as checked at creation (config.json's optional `dataset`); nil in runs
    /// created before datasets were recorded (those are single-channel IDX data).
    public var dataset: DatasetInfo?

    public init(name: String, model: String, variant: String, dataDirectory: String, seed: UInt64,
                threads: Int, epochs: Int, createdAt: Date = Date(), codeVersion: String,
                settings: JSONObject = [:], study: StudyMembership? = nil) {
        self.name = name
        self.model = model
        self.variant = variant
        self.dataDirectory = dataDirectory
        self.seed = seed
        self.threads = threads
        self.epochs = epochs
        self.createdAt = createdAt
        self.codeVersion = codeVersion
        self.settings = settings
        self.study = study
    }

    /// The file's JSON (times in whole seconds; a seed above 2^53 is written as a string).
    public var json: JSONValue {
        let seedValue: JSONValue = seed <= 1 << 53 ? .number(Double(seed)) : .string(String(seed))
        var object: JSONObject = [
            "schemaVersion": .number(Double(RunConfig.schemaVersion)),
            "name": .string(name),
            "model": .string(model),
            "variant": .string(variant),
            "dataDirectory": .string(dataDirectory),
            "seed": seedValue,
            "threads": .number(Double(threads)),
            "epochs": .number(Double(epochs)),
            "createdAt": .string(ISOTime.format(createdAt)),
            "codeVersion": .string(codeVersion),
            "settings": .object(settings),
        ]
        if executor != .local { object["executor"] = executor.json }
        if let study { object["study"] = study.json }
        if let dataset { object["dataset"] = dataset.json }
        return .object(object)
    }

    /// Reads the members of a config.json object (`path` names the file in errors).
    /// Missing optional members take defaults so older files stay readable.
    /// Reads the bytes of a config.json file (what `RunDirectory.readConfig` reads; `path` names
    /// the file in errors): a JSON object of schemaVersion RunConfig.schemaVersion.
    public init(bytes: [UInt8], path: String) throws {
        let object = try VersionedJSONFile.object(bytes, path: path, supported: Self.schemaVersion)
        try self.init(json: object, path: path)
    }

    public init(json object: JSONObject, path: String) throws {
        let r = FieldReader(object: object, path: path)
        model = try r.optionalString("model") ?? "unknown"
        variant = try r.optionalString("variant") ?? "unknown"
        name = try r.optionalString("name") ?? "\(model) \(variant)"
        dataDirectory = try r.optionalString("dataDirectory") ?? ""
        switch object["seed"] {
        case .number(let v)? where v >= 0 && v.rounded() == v && v < 18_446_744_073_709_551_616.0: seed = UInt64(v)
        case .string(let s)? where UInt64(s) != nil: seed = UInt64(s)!
        case nil, .null?: seed = 0
        default: throw r.fail("seed", "a non-negative integer")
        }
        threads = try r.optionalInt("threads") ?? 1
        epochs = try r.optionalInt("epochs") ?? 0
        createdAt = try r.date("createdAt")
        codeVersion = try r.optionalString("codeVersion") ?? ""
        switch object["settings"] {
        case .object(let s)?: settings = s
        case nil, .null?: settings = [:]
        default: throw r.fail("settings", "an object")
        }
        switch object["executor"] {
        case .object(let choice)?: executor = try ExecutorChoice(json: choice, path: path)
        case nil, .null?: executor = .local
        default: throw r.fail("executor", "an object")
        }
        study = StudyMembership(json: object["study"])
        switch object["dataset"] {
        case .object(let info)?: dataset = try DatasetInfo(json: info, path: path)
        case nil, .null?: dataset = nil
        default: throw r.fail("dataset", "an object")
        }
    }
}
