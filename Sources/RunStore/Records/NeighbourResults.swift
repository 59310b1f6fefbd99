import Foundation

/// `neighbours.json`: the neighbour results saved at the end of training, whose images are
/// in `neighbours-images.bin` (see `NeighbourBrowserData`).
///
///     {"schemaVersion":1,"k":20,"classNames":[…],"imageChannels":1,"imageHeight":28,"imageWidth":28,"trainImageOrder":[trainIndex…],
///      "queries":[{"testIndex":12,"label":3,"networkPrediction":5,"knnPrediction":3,
///                  "blendedPrediction":3,"misclassified":true,"hard":true,
///                  "neighbours":[{"trainIndex":…,"label":…,"similarity":…}]}]}
///
/// neighbours-images.bin holds uint8 C×H×W images (channel planes, red then green then blue
/// for colour; 1×28×28 when the size is not recorded): first one per query (in order), then
/// one per entry of `trainImageOrder`.
public struct NeighbourResults: RunRecord, Equatable {
    public static let schemaVersion = 1
    /// Largest image side neighbours.json may record.
    public static let maximumImageSide = 4096

    public struct Neighbour: Codable, Equatable, Sendable {
        public var trainIndex: Int
        public var label: Int
        public var similarity: Double
        public init(trainIndex: Int, label: Int, similarity: Double) {
            self.trainIndex = trainIndex
            self.label = label
            self.similarity = similarity
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            trainIndex = (try? c.decodeIfPresent(Int.self, forKey: .trainIndex)) ?? -1
            label = (try? c.decodeIfPresent(Int.self, forKey: .label)) ?? -1
            similarity = (try? c.decodeIfPresent(LenientDouble.self, forKey: .similarity))?.value ?? .nan
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(trainIndex, forKey: .trainIndex)
            try c.encode(label, forKey: .label)
            try c.encode(LenientDouble(similarity), forKey: .similarity)
        }
        enum CodingKeys: String, CodingKey { case trainIndex, label, similarity }
    }

    public struct Query: Codable, Equatable, Sendable {
        public var testIndex: Int
        public var label: Int
        public var networkPrediction: Int?
        public var knnPrediction: Int?
        public var blendedPrediction: Int?
        public var misclassified: Bool
        public var hard: Bool
        public var neighbours: [Neighbour]

        public init(testIndex: Int, label: Int, networkPrediction: Int? = nil, knnPrediction: Int? = nil,
                    blendedPrediction: Int? = nil, misclassified: Bool = false, hard: Bool = false,
                    neighbours: [Neighbour] = []) {
            self.testIndex = testIndex
            self.label = label
            self.networkPrediction = networkPrediction
            self.knnPrediction = knnPrediction
            self.blendedPrediction = blendedPrediction
            self.misclassified = misclassified
            self.hard = hard
            self.neighbours = neighbours
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            testIndex = (try? c.decodeIfPresent(Int.self, forKey: .testIndex)) ?? -1
            label = (try? c.decodeIfPresent(Int.self, forKey: .label)) ?? -1
            networkPrediction = try? c.decodeIfPresent(Int.self, forKey: .networkPrediction)
            knnPrediction = try? c.decodeIfPresent(Int.self, forKey: .knnPrediction)
            blendedPrediction = try? c.decodeIfPresent(Int.self, forKey: .blendedPrediction)
            let final = blendedPrediction ?? networkPrediction
            let trueLabel = label
            let recorded = try? c.decodeIfPresent(Bool.self, forKey: .misclassified)
            misclassified = recorded ?? (final.map { $0 != trueLabel } ?? false)
            hard = (try? c.decodeIfPresent(Bool.self, forKey: .hard)) ?? false
            neighbours = (try? c.decodeIfPresent([Neighbour].self, forKey: .neighbours)) ?? []
        }

        enum CodingKeys: String, CodingKey {
            case testIndex, label, networkPrediction, knnPrediction, blendedPrediction, misclassified, hard, neighbours
        }
    }

    public var k: Int
    public var classNames: [String]
    public var queries: [Query]
    public var trainImageOrder: [Int]
    /// Size of every image in neighbours-images.bin (channels 1 grey or 3 RGB).
    public var imageChannels = 1
    public var imageHeight = 28
    public var imageWidth = 28

    public init(k: Int, classNames: [String], queries: [Query], trainImageOrder: [Int],
                imageChannels: Int = 1, imageHeight: Int = 28, imageWidth: Int = 28) {
        self.imageChannels = imageChannels
        self.k = k
        self.classNames = classNames
        self.queries = queries
        self.trainImageOrder = trainImageOrder
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
    }

    public init(from decoder: Decoder) throws {
        try Self.checkSchemaVersion(decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queries = (try? c.decodeIfPresent([Query].self, forKey: .queries)) ?? []
        k = c.count(.k) ?? (queries.map(\.neighbours.count).max() ?? 0)
        classNames = (try? c.decodeIfPresent([String].self, forKey: .classNames)) ?? []
        trainImageOrder = c.counts(.trainImageOrder) ?? []
        // Sides are checked before they are multiplied (2^32 × 2^32 would overflow).
        let side = 1...Self.maximumImageSide
        if let height = c.count(.imageHeight), let width = c.count(.imageWidth),
           side.contains(height), side.contains(width), height * width <= 1 << 20 {
            imageHeight = height
            imageWidth = width
        }
        if let channels = c.count(.imageChannels), channels == 1 || channels == 3 { imageChannels = channels }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(k, forKey: .k)
        try c.encode(classNames, forKey: .classNames)
        try c.encode(imageChannels, forKey: .imageChannels)
        try c.encode(imageHeight, forKey: .imageHeight)
        try c.encode(imageWidth, forKey: .imageWidth)
        try c.encode(queries, forKey: .queries)
        try c.encode(trainImageOrder, forKey: .trainImageOrder)
    }

    enum CodingKeys: String, CodingKey { case schemaVersion, k, classNames, queries, trainImageOrder, imageChannels, imageHeight, imageWidth }

    /// Bytes of one image in neighbours-images.bin.
    public var imageBytes: Int { imageChannels * imageHeight * imageWidth }

    /// The name of class `label` ("class 7" when unnamed).
    public func className(_ label: Int) -> String {
        label >= 0 && label < classNames.count ? classNames[label] : "class \(label)"
    }
}
