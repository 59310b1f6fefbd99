import Foundation

/// The training and test sets of a dataset directory. The test set uses the training set's
/// normalisation (computed over the whole training file; `DataSplits` recomputes it on the
/// training part of a split).
public struct LoadedDataset: Sendable {
    public let location: DatasetLocation
    public let train: ImageDataset
    public let test: ImageDataset

    public let format: DatasetFormat

    public init(location: DatasetLocation, train: ImageDataset, test: ImageDataset, format: DatasetFormat = .idx) {
        self.location = location
        self.train = train
        self.test = test
        self.format = format
    }

    /// IDX class names: Fashion-MNIST's when the directory is Fashion-MNIST, else numbers.
    static func idxClassNames(datasetName: String, classCount: Int) -> [String] {
        datasetName == "Fashion-MNIST" && classCount == 10 ? ImageDataset.fashionMNISTClassNames : (0..<classCount).map(String.init)
    }

    /// Loads the dataset in `location`, whatever its format. `label` is CIFAR-100's label
    /// choice ("fine" or "coarse"); IDX data has `classCount` classes.
    public static func load(_ location: DatasetLocation, label: String = "fine", classCount: Int = 10) throws -> LoadedDataset {
        let format = try location.format()
        let name = location.datasetName
        var train: ImageDataset, test: ImageDataset
        switch format {
        case .idx:
            let files = try location.files()
            let names = idxClassNames(datasetName: name, classCount: classCount)
            train = try ImageDataset.load(imagesPath: files.trainImages, labelsPath: files.trainLabels,
                                          name: name + " train", classCount: classCount, classNames: names)
            test = try ImageDataset.load(imagesPath: files.testImages, labelsPath: files.testLabels,
                                         name: name + " test", classCount: classCount, classNames: names)
            guard test.height == train.height, test.width == train.width else {
                throw DatasetError.shapeMismatch(path: files.testImages, expected: [train.height, train.width],
                                                 found: [test.height, test.width])
            }
        case .cifar10, .cifar100:
            let reader = CIFARReader.reader(for: format)
            let paths = try reader.paths(in: location.directory)
            let names = reader.classNames(in: location.directory, label: label)
            train = try reader.read(paths: paths.train, label: label, name: name + " train", classNames: names)
            test = try reader.read(paths: paths.test, label: label, name: name + " test", classNames: names)
        case .imageFolder:
            let folder = try ImageFolderReader(directory: location.directory)
            let shape = try folder.shape()
            train = try folder.load(folder.train, channels: shape.channels, height: shape.height, width: shape.width,
                                    name: name + " train")
            test = try folder.load(folder.test, channels: shape.channels, height: shape.height, width: shape.width,
                                   name: name + " test")
        }
        let statistics = train.computedNormalization()
        train.normalization = statistics
        test.normalization = statistics
        return LoadedDataset(location: location, train: train, test: test, format: format)
    }
}
