import Foundation

/// Neighbour results with the images of `neighbours-images.bin`, ready to browse.
///
/// neighbours-images.bin holds uint8 H×W images (H, W from neighbours.json): first one per
/// query, in query order, then one per entry of `trainImageOrder`.
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
