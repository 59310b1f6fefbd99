import TensorCore

/// Per-pixel normalisation `(x/255 − mean) / std`, with statistics from a training split.
public struct Normalization: Equatable, Sendable {
    public var mean: Float
    public var standardDeviation: Float

    public init(mean: Float, standardDeviation: Float) {
        precondition(standardDeviation > 0, "Normalization needs a positive standard deviation, got \(standardDeviation)")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Identity on [0, 1] pixels.
    public static let none = Normalization(mean: 0, standardDeviation: 1)

    /// Mean and standard deviation of `pixels / 255` (over the given images only).
    public static func compute(pixels: [UInt8]) -> Normalization {
        guard !pixels.isEmpty else { return .none }
        var histogram = [Int](repeating: 0, count: 256)
        for p in pixels { histogram[Int(p)] += 1 }
        var sum = 0.0, sumSquares = 0.0
        for (value, count) in histogram.enumerated() {
            let x = Double(value) / 255
            sum += x * Double(count)
            sumSquares += x * x * Double(count)
        }
        let n = Double(pixels.count)
        let mean = sum / n
        let variance = max(0, sumSquares / n - mean * mean)
        return Normalization(mean: Float(mean), standardDeviation: Float(max(variance.squareRoot(), 1e-6)))
    }

    /// The normalised value of a pixel byte.
    @inline(__always) public func apply(_ pixel: UInt8) -> Float {
        (Float(pixel) * (1 / 255) - mean) / standardDeviation
    }

    /// The normalised value of a black (zero) pixel: what padding should be filled with.
    public var background: Float { apply(0) }
}

/// A labelled set of single-channel images held as bytes (N × H × W), normalised on the way
/// into a batch tensor (N × 1 × H × W).
///
/// Dimension legend: N images, H height, W width (rows × cols of the IDX file).
public struct ImageDataset: Sendable {
    public let name: String
    /// Pixels, N × H × W, row-major.
    public let pixels: [UInt8]
    /// Labels in 0..<classCount, N of them.
    public let labels: [Int]
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

    public init(name: String, pixels: [UInt8], labels: [Int], height: Int, width: Int, classCount: Int,
                classNames: [String]? = nil, normalization: Normalization = .none, sourceIndices: [Int]? = nil) {
        precondition(pixels.count == labels.count * height * width,
                     "ImageDataset \(name): \(pixels.count) pixels do not make \(labels.count) images of \(height)×\(width)")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "ImageDataset \(name): a label is outside 0..<\(classCount)")
        self.name = name
        self.pixels = pixels
        self.labels = labels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.classNames = classNames ?? (0..<classCount).map(String.init)
        precondition(self.classNames.count == classCount, "ImageDataset \(name): \(self.classNames.count) class names for \(classCount) classes")
        self.normalization = normalization
        self.sourceIndices = sourceIndices
    }

    public var count: Int { labels.count }
    public var imageSize: Int { height * width }

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
        return ImageDataset(name: name, pixels: newPixels, labels: newLabels, height: height, width: width,
                            classCount: classCount, classNames: classNames, normalization: normalization,
                            sourceIndices: indices.map { sourceIndices?[$0] ?? $0 })
    }

    /// Normalised images N × 1 × H × W and their labels.
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [Int]) {
        var images = Tensor(shape: [indices.count, 1, height, width])
        var batchLabels = [Int](repeating: 0, count: indices.count)
        let size = imageSize
        let n = normalization
        let scale = 1 / (255 * n.standardDeviation), shift = -n.mean / n.standardDeviation
        pixels.withUnsafeBufferPointer { source in
            images.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    precondition(index >= 0 && index < count, "batch index \(index) out of 0..<\(count) in \(name)")
                    let from = index * size, to = row * size
                    for k in 0..<size { target[to + k] = Float(source[from + k]) * scale + shift }
                    batchLabels[row] = labels[index]
                }
            }
        }
        return (images, batchLabels)
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

/// The training and test sets of a dataset directory. The test set uses the training set's
/// normalisation (computed over the whole training file; `DataSplits` recomputes it on the
/// training part of a split).
public struct LoadedDataset: Sendable {
    public let location: DatasetLocation
    public let train: ImageDataset
    public let test: ImageDataset

    public static func load(_ location: DatasetLocation, classCount: Int = 10) throws -> LoadedDataset {
        let files = try location.files()
        let name = location.datasetName
        let names = name == "Fashion-MNIST" && classCount == 10 ? ImageDataset.fashionMNISTClassNames : nil
        var train = try ImageDataset.load(imagesPath: files.trainImages, labelsPath: files.trainLabels,
                                          name: name + " train", classCount: classCount, classNames: names)
        var test = try ImageDataset.load(imagesPath: files.testImages, labelsPath: files.testLabels,
                                         name: name + " test", classCount: classCount, classNames: names)
        guard test.height == train.height, test.width == train.width else {
            throw DatasetError.shapeMismatch(path: files.testImages, expected: [train.height, train.width],
                                             found: [test.height, test.width])
        }
        let statistics = Normalization.compute(pixels: train.pixels)
        train.normalization = statistics
        test.normalization = statistics
        return LoadedDataset(location: location, train: train, test: test)
    }
}
