import Foundation
import RunStore

extension DatasetLocation {
    /// The format of the files in the directory (see `DatasetFormat.recognise`).
    public func format() throws -> DatasetFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.directoryNotFound(path: directory, chosenBy: source.rawValue)
        }
        guard let format = DatasetFormat.recognise(in: directory) else {
            throw DatasetError.notRecognised(directory: directory, chosenBy: source.rawValue)
        }
        return format
    }

    /// Checks the dataset without loading it into a training set, and says what it is. Fast
    /// enough to run before a run is created, so a bad dataset never leaves a failed run
    /// behind:
    /// - IDX: the four headers (magic, dimensions, a plain file's exact size, as many labels
    ///   as images, one image size); labels out of range and damage inside compressed data
    ///   are found when the worker loads the data.
    /// - CIFAR-10/100: every file present, a whole number of records, every label in range.
    /// - Image folders: the layout and every PNG's header (one size; grey or colour).
    /// `label` is CIFAR-100's label choice ("fine" or "coarse").
    @discardableResult
    public func checkHeaders(label: String = "fine") throws -> DatasetInfo {
        let format = try format()
        switch format {
        case .idx:
            return try checkIDXHeaders()
        case .cifar10, .cifar100:
            let reader = CIFARReader.reader(for: format)
            let paths = try reader.paths(in: directory)
            let train = try paths.train.reduce(0) { $0 + reader.count(try reader.records(path: $1)) }
            let test = try paths.test.reduce(0) { $0 + reader.count(try reader.records(path: $1)) }
            return DatasetInfo(format: format.rawValue, channels: CIFARReader.channels, height: CIFARReader.height,
                               width: CIFARReader.width, classNames: reader.classNames(in: directory, label: label),
                               trainCount: train, testCount: test)
        case .imageFolder:
            let folder = try ImageFolderReader(directory: directory)
            let shape = try folder.shape()
            return DatasetInfo(format: format.rawValue, channels: shape.channels, height: shape.height, width: shape.width,
                               classNames: folder.classNames, trainCount: folder.train.count, testCount: folder.test.count)
        }
    }

    private func checkIDXHeaders() throws -> DatasetInfo {
        let files = try files()
        func pair(_ imagesPath: String, _ labelsPath: String) throws -> [Int] {
            let images = try IDXHeader.dimensions(path: imagesPath, magic: IDXReader.imagesMagic)
            let labels = try IDXHeader.dimensions(path: labelsPath, magic: IDXReader.labelsMagic)
            guard images[0] == labels[0] else {
                throw DatasetError.countMismatch(imagesPath: imagesPath, imageCount: images[0],
                                                 labelsPath: labelsPath, labelCount: labels[0])
            }
            return images
        }
        let train = try pair(files.trainImages, files.trainLabels)
        let test = try pair(files.testImages, files.testLabels)
        guard train[1] == test[1], train[2] == test[2] else {
            throw DatasetError.shapeMismatch(path: files.testImages, expected: [train[1], train[2]], found: [test[1], test[2]])
        }
        return DatasetInfo(format: DatasetFormat.idx.rawValue, channels: 1, height: train[1], width: train[2],
                           classNames: LoadedDataset.idxClassNames(datasetName: datasetName, classCount: 10),
                           trainCount: train[0], testCount: test[0])
    }
}
