import TensorCore

/// A labelled set of images held as bytes (N × C × H × W: each image's channel planes in
/// order, red then green then blue for colour), normalised per channel on the way into a
/// batch tensor (N × C × H × W).
///
/// Dimension legend: N images, C channels (1 grey, 3 RGB), H height, W width.
public struct ImageDataset: Sendable {
    public let name: String
    /// Pixels, N × C × H × W, row-major.
    public let pixels: [UInt8]
    /// Labels in 0..<classCount, N of them.
    public let labels: [Int]
    public let channels: Int
    public let height: Int
    public let width: Int
    public let classCount: Int
    public let classNames: [String]
    /// Statistics used by `batch`; set from the training split for every split.
    public var normalization: Normalization
    /// For a subset: the indices of its images in the dataset it was taken from
    /// (so a run can record which examples it used). Nil for a full file.
    public let sourceIndices: [Int]?

    public static let fashionMNISTClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    public init(name: String, pixels: [UInt8], labels: [Int], channels: Int = 1, height: Int, width: Int, classCount: Int,
                classNames: [String]? = nil, normalization: Normalization? = nil, sourceIndices: [Int]? = nil) {
        precondition(channels >= 1 && pixels.count == labels.count * channels * height * width,
                     "ImageDataset \(name): \(pixels.count) pixels do not make \(labels.count) images of \(channels)×\(height)×\(width)")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "ImageDataset \(name): a label is outside 0..<\(classCount)")
        self.name = name
        self.pixels = pixels
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.classNames = classNames ?? (0..<classCount).map(String.init)
        precondition(self.classNames.count == classCount, "ImageDataset \(name): \(self.classNames.count) class names for \(classCount) classes")
        let normalization = normalization ?? .none(channels: channels)
        precondition(normalization.channels == channels,
                     "ImageDataset \(name): a \(normalization.channels)-channel normalisation for \(channels) channels")
        self.normalization = normalization
        self.sourceIndices = sourceIndices
    }

    public var count: Int { labels.count }
    /// Bytes per image: C · H · W.
    public var imageSize: Int { channels * height * width }
    /// Bytes per channel plane: H · W.
    public var planeSize: Int { height * width }

    /// The images at `indices` (in that order), keeping normalisation and class names.
    /// `sourceIndices` of the result point into the original file.
    public func subset(_ indices: [Int]) -> ImageDataset {
        var newPixels = [UInt8](repeating: 0, count: indices.count * imageSize)
        var newLabels = [Int](repeating: 0, count: indices.count)
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < count, "subset index \(index) out of 0..<\(count) in \(name)")
            newPixels.replaceSubrange(row * imageSize..<(row + 1) * imageSize, with: pixels[index * imageSize..<(index + 1) * imageSize])
            newLabels[row] = labels[index]
        }
        return ImageDataset(name: name, pixels: newPixels, labels: newLabels, channels: channels, height: height, width: width,
                            classCount: classCount, classNames: classNames, normalization: normalization,
                            sourceIndices: indices.map { sourceIndices?[$0] ?? $0 })
    }

    /// Normalised images N × C × H × W and their labels.
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [Int]) {
        var images = Tensor(shape: [indices.count, channels, height, width])
        var batchLabels = [Int](repeating: 0, count: indices.count)
        let plane = planeSize
        let n = normalization
        // Per channel: x·scale + shift = (x/255 − mean) / std.
        let scales = n.standardDeviations.map { 1 / (255 * $0) }
        let shifts = zip(n.means, n.standardDeviations).map { -$0 / $1 }
        pixels.withUnsafeBufferPointer { source in
            images.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    precondition(index >= 0 && index < count, "batch index \(index) out of 0..<\(count) in \(name)")
                    for channel in 0..<channels {
                        let from = (index * channels + channel) * plane, to = (row * channels + channel) * plane
                        let scale = scales[channel], shift = shifts[channel]
                        for k in 0..<plane { target[to + k] = Float(source[from + k]) * scale + shift }
                    }
                    batchLabels[row] = labels[index]
                }
            }
        }
        return (images, batchLabels)
    }

    /// The normalisation computed on these images (per channel).
    public func computedNormalization() -> Normalization {
        Normalization.compute(pixels: pixels, channels: channels, planeSize: planeSize)
    }

    /// Images per class, `classCount` entries.
    public func labelHistogram() -> [Int] {
        var histogram = [Int](repeating: 0, count: classCount)
        for label in labels { histogram[label] += 1 }
        return histogram
    }

    // MARK: loading

    /// Loads an image file and its label file, checking that they agree.
    public static func load(imagesPath: String, labelsPath: String, name: String, classCount: Int = 10,
                            classNames: [String]? = nil) throws -> ImageDataset {
        let images = try IDXReader.read(path: imagesPath, magic: IDXReader.imagesMagic)
        let labelFile = try IDXReader.read(path: labelsPath, magic: IDXReader.labelsMagic)
        guard images.dimensions[0] == labelFile.dimensions[0] else {
            throw DatasetError.countMismatch(imagesPath: imagesPath, imageCount: images.dimensions[0],
                                             labelsPath: labelsPath, labelCount: labelFile.dimensions[0])
        }
        var labels = [Int](repeating: 0, count: labelFile.data.count)
        for (i, byte) in labelFile.data.enumerated() {
            guard Int(byte) < classCount else {
                throw DatasetError.labelOutOfRange(path: labelsPath, index: i, label: Int(byte), classCount: classCount)
            }
            labels[i] = Int(byte)
        }
        return ImageDataset(name: name, pixels: images.data, labels: labels, height: images.dimensions[1],
                            width: images.dimensions[2], classCount: classCount, classNames: classNames)
    }
}
