import Foundation

/// The file formats a dataset directory can hold, recognised from the files present.
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// The four IDX files of MNIST / Fashion-MNIST (each plain or .gz).
    case idx
    /// `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`: records of 1 label byte
    /// and 3,072 pixel bytes (32×32 red plane, then green, then blue).
    case cifar10 = "cifar-10"
    /// `train.bin` and `test.bin`: records of a coarse and a fine label byte, then 3,072 pixel bytes.
    case cifar100 = "cifar-100"
    /// `train/CLASS/*.png` and `test/CLASS/*.png`, one folder per class.
    case imageFolder = "image-folder"

    /// The pad-and-crop padding for images of this format and size. IDX data keeps the 2
    /// pixels Fashion-MNIST runs always used (so their augmentation is unchanged); every
    /// other format pads ⌊min(H, W) / 8⌋ pixels, 4 at 32×32 as in the usual CIFAR recipe.
    public func cropPadding(height: Int, width: Int) -> Int {
        self == .idx ? 2 : max(1, min(height, width) / 8)
    }

    /// The format of the files in `directory` (which must exist): IDX files, then CIFAR-10
    /// batches, then CIFAR-100 files, then train/ and test/ folders. Nil when none is there.
    static func recognise(in directory: String) -> DatasetFormat? {
        let manager = FileManager.default
        func exists(_ name: String) -> Bool {
            manager.fileExists(atPath: (directory as NSString).appendingPathComponent(name))
        }
        let names = DatasetLocation.standardNames
        if [names.trainImages, names.trainLabels, names.testImages, names.testLabels].contains(where: { exists($0) || exists($0 + ".gz") }) {
            return .idx
        }
        if (CIFARReader.cifar10.trainFiles + CIFARReader.cifar10.testFiles).contains(where: exists) { return .cifar10 }
        if (CIFARReader.cifar100.trainFiles + CIFARReader.cifar100.testFiles).contains(where: exists) { return .cifar100 }
        var isDirectory: ObjCBool = false
        for split in ["train", "test"] {
            let path = (directory as NSString).appendingPathComponent(split)
            if manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return .imageFolder }
        }
        return nil
    }
}
