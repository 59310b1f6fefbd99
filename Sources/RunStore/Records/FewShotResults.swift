import Foundation

/// `fewshot.json`: the run's few-shot evaluations (`simlab fewshot`), one entry per setting.
///
///     {"schemaVersion":1,"evaluations":[{"classifier":"prototype","k":1,"ways":4,"shots":1,"queries":15,
///       "episodes":600,"seed":0,"classes":[6,7,8,9],"heldOut":true,"checkpoint":"epoch-006",
///       "evaluatedAt":"2026-12-06T11:00:00Z","accuracy":0.712,"ci95":0.0081,"standardDeviation":0.101}]}
///
/// `accuracy` is the mean query accuracy over the episodes (a fraction), `ci95` the half-width
/// of its 95 % confidence interval (1.96 · standardDeviation / √episodes). `heldOut` is false
/// when some of `classes` were trained on (an upper reference, not few-shot). `k` is the kNN
/// classifier's neighbour count (absent for the prototype classifier).
public struct FewShotResults: RunRecord, Equatable {
    public static let schemaVersion = 1

    public struct Evaluation: Codable, Equatable, Sendable {
        public var classifier: String
        public var k: Int?
        public var ways: Int
        public var shots: Int
        public var queries: Int
        public var episodes: Int
        public var seed: UInt64
        /// The dataset classes episodes were drawn from, ascending.
        public var classes: [Int]
        public var heldOut: Bool
        /// The checkpoint's file name without extension ("epoch-006").
        public var checkpoint: String
        public var evaluatedAt: String
        public var accuracy: Double
        public var ci95: Double
        public var standardDeviation: Double

        public init(classifier: String, k: Int?, ways: Int, shots: Int, queries: Int, episodes: Int, seed: UInt64,
                    classes: [Int], heldOut: Bool, checkpoint: String, evaluatedAt: String,
                    accuracy: Double, ci95: Double, standardDeviation: Double) {
            self.classifier = classifier
            self.k = k
            self.ways = ways
            self.shots = shots
            self.queries = queries
            self.episodes = episodes
            self.seed = seed
            self.classes = classes
            self.heldOut = heldOut
            self.checkpoint = checkpoint
            self.evaluatedAt = evaluatedAt
            self.accuracy = accuracy
            self.ci95 = ci95
            self.standardDeviation = standardDeviation
        }

        /// Two evaluations of the same setting (a new one replaces the old).
        func sameSetting(as other: Evaluation) -> Bool {
            (classifier, k, ways, shots, queries, classes) == (other.classifier, other.k, other.ways, other.shots, other.queries, other.classes)
        }

        enum CodingKeys: String, CodingKey {
            case classifier, k, ways, shots, queries, episodes, seed, classes, heldOut, checkpoint, evaluatedAt
            case accuracy, ci95, standardDeviation
        }

        /// Lenient: an entry without its setting or accuracy is unreadable (the whole
        /// entry is dropped by the file's reader); the rest get neutral values.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func positive(_ key: CodingKeys) throws -> Int {
                guard let value = c.count(key), value >= 1 else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.rawValue) is not a positive count")
                }
                return value
            }
            classifier = try c.decode(String.self, forKey: .classifier)
            k = c.count(.k)
            ways = try positive(.ways)
            shots = try positive(.shots)
            queries = try positive(.queries)
            episodes = try positive(.episodes)
            seed = ((try? c.decodeIfPresent(UInt64.self, forKey: .seed)) ?? nil) ?? 0
            classes = c.counts(.classes) ?? []
            heldOut = ((try? c.decodeIfPresent(Bool.self, forKey: .heldOut)) ?? nil) ?? true
            checkpoint = ((try? c.decodeIfPresent(String.self, forKey: .checkpoint)) ?? nil) ?? ""
            evaluatedAt = ((try? c.decodeIfPresent(String.self, forKey: .evaluatedAt)) ?? nil) ?? ""
            guard let accuracy = c.lenientDouble(.accuracy), accuracy.isFinite else {
                throw DecodingError.dataCorruptedError(forKey: .accuracy, in: c, debugDescription: "accuracy is not a number")
            }
            self.accuracy = accuracy
            ci95 = c.lenientDouble(.ci95).flatMap { $0.isFinite ? $0 : nil } ?? 0
            standardDeviation = c.lenientDouble(.standardDeviation).flatMap { $0.isFinite ? $0 : nil } ?? 0
        }
    }

    /// Sorted by classes, classifier (prototype first), ways, shots.
    public private(set) var evaluations: [Evaluation]

    public init(evaluations: [Evaluation] = []) {
        self.evaluations = []
        for evaluation in evaluations { record(evaluation) }
    }

    /// Adds `evaluation`, replacing an earlier one of the same setting.
    public mutating func record(_ evaluation: Evaluation) {
        evaluations.removeAll { $0.sameSetting(as: evaluation) }
        evaluations.append(evaluation)
        evaluations.sort { a, b in
            if a.classes != b.classes { return a.classes.lexicographicallyPrecedes(b.classes) }
            // The prototype classifier first, then the others by name.
            return (a.classifier == "prototype" ? 0 : 1, a.classifier, a.ways, a.shots, a.k ?? 0, a.queries)
                < (b.classifier == "prototype" ? 0 : 1, b.classifier, b.ways, b.shots, b.k ?? 0, b.queries)
        }
    }

    enum CodingKeys: String, CodingKey { case schemaVersion, evaluations }

    /// Entries that cannot be read are left out (`skipped` counts them).
    public private(set) var skipped = 0

    public init(from decoder: Decoder) throws {
        try Self.checkSchemaVersion(decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let entries = ((try? c.decodeIfPresent([Lenient].self, forKey: .evaluations)) ?? nil) ?? []
        self.init(evaluations: entries.compactMap(\.value))
        skipped = entries.filter { $0.value == nil }.count
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(evaluations, forKey: .evaluations)
    }

    /// One entry of `evaluations`, nil when it cannot be read.
    private struct Lenient: Decodable {
        var value: Evaluation?
        init(from decoder: Decoder) throws { value = try? Evaluation(from: decoder) }
    }
}
