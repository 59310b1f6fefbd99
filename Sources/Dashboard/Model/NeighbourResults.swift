import Foundation

/// The neighbour results saved at the end of training (`neighbours.json`) with their
/// images (`neighbours-images.bin`), decoded tolerantly.
///
///     {"k":20,"classNames":[…],"imageHeight":28,"imageWidth":28,"trainImageOrder":[trainIndex…],
///      "queries":[{"testIndex":12,"label":3,"networkPrediction":5,"knnPrediction":3,
///                  "blendedPrediction":3,"misclassified":true,"hard":true,
///                  "neighbours":[{"trainIndex":…,"label":…,"similarity":…}]}]}
///
/// neighbours-images.bin holds uint8 H×W images (28×28 when the size is not recorded): first
/// one per query (in order), then one per entry of `trainImageOrder`.
public struct NeighbourResults: Decodable, Equatable, Sendable {
    public struct Neighbour: Decodable, Equatable, Sendable {
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
        enum CodingKeys: String, CodingKey { case trainIndex, label, similarity }
    }

    public struct Query: Decodable, Equatable, Sendable {
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
    /// Size of every image in neighbours-images.bin.
    public var imageHeight = 28
    public var imageWidth = 28

    public init(k: Int, classNames: [String], queries: [Query], trainImageOrder: [Int]) {
        self.k = k
        self.classNames = classNames
        self.queries = queries
        self.trainImageOrder = trainImageOrder
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queries = (try? c.decodeIfPresent([Query].self, forKey: .queries)) ?? []
        k = (try? c.decodeIfPresent(Int.self, forKey: .k)) ?? (queries.map(\.neighbours.count).max() ?? 0)
        classNames = (try? c.decodeIfPresent([String].self, forKey: .classNames)) ?? []
        trainImageOrder = (try? c.decodeIfPresent([Int].self, forKey: .trainImageOrder)) ?? []
        let height = (try? c.decodeIfPresent(Int.self, forKey: .imageHeight)) ?? nil
        let width = (try? c.decodeIfPresent(Int.self, forKey: .imageWidth)) ?? nil
        if let height, let width, height > 0, width > 0, height * width <= 1 << 20 {
            imageHeight = height
            imageWidth = width
        }
    }

    enum CodingKeys: String, CodingKey { case k, classNames, queries, trainImageOrder, imageHeight, imageWidth }

    /// Bytes of one image in neighbours-images.bin.
    public var imageBytes: Int { imageHeight * imageWidth }

    /// The name of class `label` ("class 7" when unnamed).
    public func className(_ label: Int) -> String {
        label >= 0 && label < classNames.count ? classNames[label] : "class \(label)"
    }
}

/// Neighbour results with their images, ready to browse.
public struct NeighbourBrowserData: Equatable, Sendable {

    public var results: NeighbourResults
    /// [queries] test images, H·W bytes each (empty when the image file was missing/short).
    public var queryImages: [[UInt8]]
    /// trainIndex → image bytes.
    public var trainImages: [Int: [UInt8]]

    public init(results: NeighbourResults, queryImages: [[UInt8]], trainImages: [Int: [UInt8]]) {
        self.results = results
        self.queryImages = queryImages
        self.trainImages = trainImages
    }

    /// Splits the image file into query and training images; missing images are left out.
    public init(results: NeighbourResults, imageFile: [UInt8]) {
        let side = results.imageBytes
        func image(_ i: Int) -> [UInt8]? {
            let start = i * side
            guard start >= 0, start + side <= imageFile.count else { return nil }
            return Array(imageFile[start..<(start + side)])
        }
        let queryImages = results.queries.indices.map { image($0) ?? [] }
        var train: [Int: [UInt8]] = [:]
        for (j, trainIndex) in results.trainImageOrder.enumerated() {
            if let bytes = image(results.queries.count + j) { train[trainIndex] = bytes }
        }
        self.init(results: results, queryImages: queryImages, trainImages: train)
    }
}
