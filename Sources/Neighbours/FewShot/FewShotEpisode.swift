import TensorCore

/// One N-way K-shot episode: N classes, K support and Q query images of each, all distinct.
///
/// Indices point into the pool the episodes were sampled from; `supportLabels` and
/// `queryLabels` are the episode's own labels 0..<N (way i is pool class `classes[i]`).
public struct FewShotEpisode: Equatable, Sendable {
    /// [N] the pool classes of the episode, way i first.
    public var classes: [Int]
    /// [N·K] pool indices, way by way (K of way 0, then K of way 1, …).
    public var support: [Int]
    public var supportLabels: [Int]
    /// [N·Q] pool indices, way by way.
    public var queries: [Int]
    public var queryLabels: [Int]
}

/// Draws episodes from a labelled pool (e.g. the test images of the held-out classes).
///
/// Episode e uses its own generator, derived from the seed and e, so an episode is the same
/// whatever was sampled before it; the ways are a uniform draw of N pool classes, and each
/// way's K + Q images a uniform draw without replacement from that class (the first K the
/// support, the rest the queries), so no image is both support and query.
public struct EpisodeSampler: Sendable {
    /// Pool indices per class; a class with no images is never drawn.
    public let indicesByClass: [Int: [Int]]
    public let ways: Int
    public let shots: Int
    public let queries: Int
    public let seed: UInt64

    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// Fewer classes in the pool than ways.
        case tooFewClasses(ways: Int, available: [Int])
        /// A class with fewer images than shots + queries.
        case tooFewImages(classLabel: Int, count: Int, needed: Int)
        case notPositive(name: String, value: Int)

        public var description: String {
            switch self {
            case .tooFewClasses(let ways, let available):
                return "\(ways)-way episodes need \(ways) classes, but only \(available.count) are available "
                    + "(\(available.map(String.init).joined(separator: ",")))"
            case .tooFewImages(let label, let count, let needed):
                return "class \(label) has \(count) images, fewer than the \(needed) an episode takes (shots + queries)"
            case .notPositive(let name, let value):
                return "\(name) must be at least 1, got \(value)"
            }
        }
    }

    /// `labels[i]` is the class of pool image i. Throws a `Problem` when the pool cannot give
    /// such episodes.
    public init(labels: [Int], ways: Int, shots: Int, queries: Int, seed: UInt64) throws {
        for (name, value) in [("--ways", ways), ("--shots", shots), ("--queries", queries)] where value < 1 {
            throw Problem.notPositive(name: name, value: value)
        }
        var byClass: [Int: [Int]] = [:]
        for (i, label) in labels.enumerated() { byClass[label, default: []].append(i) }
        guard byClass.count >= ways else { throw Problem.tooFewClasses(ways: ways, available: byClass.keys.sorted()) }
        for label in byClass.keys.sorted() where byClass[label]!.count < shots + queries {
            throw Problem.tooFewImages(classLabel: label, count: byClass[label]!.count, needed: shots + queries)
        }
        self.indicesByClass = byClass
        self.ways = ways
        self.shots = shots
        self.queries = queries
        self.seed = seed
    }

    /// The pool classes, ascending.
    public var classes: [Int] { indicesByClass.keys.sorted() }

    /// Episode `index` (0, 1, …): the same for the same seed, shots and queries.
    public func episode(_ index: Int) -> FewShotEpisode {
        var generator = SeededGenerator(seed: seed).derived(UInt64(index))
        let chosen = Self.draw(ways, from: classes, using: &generator)
        var episode = FewShotEpisode(classes: chosen, support: [], supportLabels: [], queries: [], queryLabels: [])
        for (way, label) in chosen.enumerated() {
            let images = Self.draw(shots + queries, from: indicesByClass[label]!, using: &generator)
            episode.support += images[..<shots]
            episode.supportLabels += Array(repeating: way, count: shots)
            episode.queries += images[shots...]
            episode.queryLabels += Array(repeating: way, count: queries)
        }
        return episode
    }

    /// `count` distinct elements of `values` in random order (a partial Fisher–Yates shuffle).
    static func draw(_ count: Int, from values: [Int], using generator: inout SeededGenerator) -> [Int] {
        var values = values
        for i in 0..<count {
            values.swapAt(i, i + generator.nextInt(below: values.count - i))
        }
        return Array(values[..<count])
    }
}
