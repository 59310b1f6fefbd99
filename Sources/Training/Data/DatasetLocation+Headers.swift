import Foundation

extension DatasetLocation {
    /// Checks the four files' headers without loading their data: magic numbers, dimensions,
    /// a plain file's exact size, as many labels as images, and one image size for training
    /// and test. Fast (a gzip file is inflated only as far as its header), so a run is
    /// created only for a dataset whose headers are sound; labels out of range and damage
    /// inside compressed data are found when the worker loads it.
    public func checkHeaders() throws {
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
    }
}
