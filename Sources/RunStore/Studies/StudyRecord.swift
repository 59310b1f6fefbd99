import Foundation

/// `runs/.studies/NAME/study.json`: a study — a grid of settings × seeds trained as one object.
///
///     {"schemaVersion": 1, "name": "alpha", "createdAt": "2026-12-01T10:00:00Z",
///      "grid": [{"flag": "knn-alpha", "values": [0, 0.01, 0.1]}],
///      "seeds": [0, 1, 2], "baseline": {"flag": "knn-alpha", "value": 0},
///      "options": [{"flag": "epochs", "value": 15}, {"flag": "train-fraction", "value": 0.1}],
///      "runs": [{"settings": {"knn-alpha": 0}, "seed": 0, "run": "20261201-100000-1a2b"}]}
///
/// Keys are option flags (`TrainingConfiguration.options`, without dashes) and values are
/// typed as in config.json's `settings` (numbers, strings, yes/no as booleans, lists as
/// arrays). `options` are the train options common to every run; `runs` lists the run
/// created for each grid cell × seed. The folder starts with a dot, so `simlab runs`, `rm`
/// and the catalog never take it for a run.
public struct StudyRecord: RunRecord, Equatable {
    public static let schemaVersion = 1

    public var name: String
    public var createdAt: Date
    public var grid: [StudyAxis]
    public var seeds: [UInt64]
    /// The reference of the paired comparison; nil: the first value of the first axis.
    public var baseline: StudySetting?
    public var options: [StudySetting]
    public var runs: [StudyRun]

    public init(name: String, createdAt: Date = Date(), grid: [StudyAxis], seeds: [UInt64],
                baseline: StudySetting? = nil, options: [StudySetting], runs: [StudyRun] = []) {
        self.name = name
        self.createdAt = createdAt
        self.grid = grid
        self.seeds = seeds
        self.baseline = baseline
        self.options = options
        self.runs = runs
    }

    /// The baseline as given, else the first value of the first axis.
    public var effectiveBaseline: StudySetting? {
        baseline ?? grid.first.flatMap { axis in axis.values.first.map { StudySetting(flag: axis.flag, value: $0) } }
    }

    /// Every cell of the grid, the first axis varying slowest.
    public var cells: [StudyCell] {
        grid.reduce([StudyCell(settings: [])]) { partial, axis in
            partial.flatMap { cell in
                axis.values.map { StudyCell(settings: cell.settings + [StudySetting(flag: axis.flag, value: $0)]) }
            }
        }
    }

    /// The run recorded for `cell` and `seed` (the last one, should there be several).
    public func run(cell: StudyCell, seed: UInt64) -> StudyRun? {
        runs.last { $0.seed == seed && $0.cell == cell }
    }

    /// The runs of `cell`, in seed order.
    public func runs(of cell: StudyCell) -> [StudyRun] {
        seeds.compactMap { run(cell: cell, seed: $0) }
    }

    enum CodingKeys: String, CodingKey { case schemaVersion, name, createdAt, grid, seeds, baseline, options, runs }

    public init(from decoder: Decoder) throws {
        try Self.checkSchemaVersion(decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = ((try? c.decodeIfPresent(String.self, forKey: .name)) ?? nil) ?? "?"
        let created = ((try? c.decodeIfPresent(String.self, forKey: .createdAt)) ?? nil).flatMap(ISOTime.parse)
        createdAt = created ?? Date(timeIntervalSince1970: 0)
        grid = ((try? c.decodeIfPresent([StudyAxis].self, forKey: .grid)) ?? nil) ?? []
        seeds = ((try? c.decodeIfPresent([UInt64].self, forKey: .seeds)) ?? nil) ?? []
        baseline = (try? c.decodeIfPresent(StudySetting.self, forKey: .baseline)) ?? nil
        options = ((try? c.decodeIfPresent([StudySetting].self, forKey: .options)) ?? nil) ?? []
        runs = ((try? c.decodeIfPresent([StudyRun].self, forKey: .runs)) ?? nil) ?? []
        // Foundation's decoder does not keep key order: put each run's settings in axis order.
        let flags = grid.map(\.flag)
        for index in runs.indices {
            let settings = runs[index].cell.settings
            let ordered = flags.compactMap { flag in settings.first { $0.flag == flag } }
            if ordered.count == settings.count { runs[index].cell = StudyCell(settings: ordered) }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(name, forKey: .name)
        try c.encode(ISOTime.format(createdAt), forKey: .createdAt)
        try c.encode(grid, forKey: .grid)
        try c.encode(seeds, forKey: .seeds)
        try c.encodeIfPresent(baseline, forKey: .baseline)
        try c.encode(options, forKey: .options)
        try c.encode(runs, forKey: .runs)
    }
}

/// One option of a study: its flag (without dashes) and value, typed as in config.json.
public struct StudySetting: Codable, Equatable, Hashable, Sendable {
    public var flag: String
    public var value: JSONValue

    public init(flag: String, value: JSONValue) {
        self.flag = flag
        self.value = value
    }

    /// `knn-alpha=0.01`, with the value as a user would type it.
    public var text: String { "\(flag)=\(valueText)" }

    /// The value as a user types it ("0.01", "16,32,64", "no").
    public var valueText: String { TrainingConfiguration.optionText(flag: flag, value: value) }
}

extension JSONValue: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(JSONWriter.string(self)) }
}

/// One key of the grid and its values, in the order given.
public struct StudyAxis: Codable, Equatable, Sendable {
    public var flag: String
    public var values: [JSONValue]

    public init(flag: String, values: [JSONValue]) {
        self.flag = flag
        self.values = values
    }
}

/// One cell of the grid: a value for every axis, in axis order.
public struct StudyCell: Equatable, Hashable, Sendable {
    public var settings: [StudySetting]

    public init(settings: [StudySetting]) { self.settings = settings }

    /// `knn-alpha=0.01 variant=conv`.
    public var label: String { settings.map(\.text).joined(separator: " ") }

    /// `{"knn-alpha": 0.01, "variant": "conv"}`, in axis order.
    public var object: JSONObject { JSONObject(settings.map { ($0.flag, $0.value) }) }

    /// Whether this cell has `setting` (a baseline) among its values.
    public func has(_ setting: StudySetting) -> Bool { settings.contains(setting) }

    /// This cell with `setting`'s axis set to its value.
    public func replacing(_ setting: StudySetting) -> StudyCell {
        StudyCell(settings: settings.map { $0.flag == setting.flag ? setting : $0 })
    }
}

/// The run created for one cell and seed.
public struct StudyRun: Codable, Equatable, Sendable {
    public var cell: StudyCell
    public var seed: UInt64
    public var run: String

    public init(cell: StudyCell, seed: UInt64, run: String) {
        self.cell = cell
        self.seed = seed
        self.run = run
    }

    enum CodingKeys: String, CodingKey { case settings, seed, run }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let object = try c.decode(JSONObject.self, forKey: .settings)
        cell = StudyCell(settings: object.map { StudySetting(flag: $0.key, value: $0.value) })
        seed = try c.decode(UInt64.self, forKey: .seed)
        run = try c.decode(String.self, forKey: .run)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cell.object, forKey: .settings)
        try c.encode(seed, forKey: .seed)
        try c.encode(run, forKey: .run)
    }
}
