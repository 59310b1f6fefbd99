import Foundation

/// Why a dataset could not be loaded. Every description names the file or directory, what
/// was expected and what was found, and how to get the data.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case directoryNotFound(path: String, chosenBy: String)
    case fileNotFound(directory: String, lookedFor: [String])
    case unreadable(path: String, reason: String)
    case corruptGzip(path: String, reason: String)
    case badMagic(path: String, expected: UInt32, found: UInt32)
    case badHeader(path: String, reason: String)
    case truncated(path: String, expectedBytes: Int, foundBytes: Int)
    case trailingBytes(path: String, expectedBytes: Int, foundBytes: Int)
    /// A gzip file inflates past the size its IDX header announces (inflating stopped there).
    case largerThanHeader(path: String, expectedBytes: Int)
    case labelOutOfRange(path: String, index: Int, label: Int, classCount: Int)
    case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
    case shapeMismatch(path: String, expected: [Int], found: [Int])
    /// A directory holding none of the formats simlab reads.
    case notRecognised(directory: String, chosenBy: String)
    /// A CIFAR file whose size is not a positive whole number of records.
    case badRecordSize(path: String, format: String, recordBytes: Int, foundBytes: Int)
    /// A file that libpng cannot decode (not a PNG, truncated, corrupt).
    case badPNG(path: String, reason: String)
    /// An image of another size than the first training image.
    case imageSizeDiffers(path: String, found: [Int], expected: [Int], firstPath: String)
    /// An image folder layout problem (no classes, an empty class, a test class unknown to training).
    case badFolder(path: String, reason: String)

    public static let howToGetData = "To get Fashion-MNIST, install Debian's package dataset-fashion-mnist: "
        + "sudo apt-get install dataset-fashion-mnist, or pass --data DIR / set SIMLAB_DATA to a directory "
        + "with the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        + "t10k-labels-idx1-ubyte, each optionally .gz), CIFAR-10 binary batches (data_batch_1.bin … data_batch_5.bin, "
        + "test_batch.bin), CIFAR-100 binary files (train.bin, test.bin) or PNG folders (train/CLASS/*.png, test/CLASS/*.png)."

    public var description: String { problem + ". " + DatasetError.howToGetData }

    /// The problem alone, without the how-to.
    public var problem: String {
        switch self {
        case .directoryNotFound(let path, let chosenBy):
            return FileManager.default.fileExists(atPath: path)
                ? "dataset directory \(path) (\(chosenBy)) is a file; give the directory that holds the four IDX files"
                : "dataset directory \(path) (\(chosenBy)) does not exist"
        case .fileNotFound(let directory, let lookedFor):
            return "dataset file not found in \(directory): looked for \(lookedFor.joined(separator: ", "))"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .corruptGzip(let path, let reason):
            return "\(path): corrupt gzip data: \(reason)"
        case .badMagic(let path, let expected, let found):
            return "\(path): not an IDX file of the expected kind: expected magic \(hex(expected)), found \(hex(found))"
        case .badHeader(let path, let reason):
            return "\(path): bad IDX header: \(reason)"
        case .truncated(let path, let expected, let found):
            return "\(path): truncated: the IDX header announces \(expected) bytes (decompressed), found \(found)"
        case .trailingBytes(let path, let expected, let found):
            return "\(path): unexpected trailing data: the IDX header announces \(expected) bytes (decompressed), found \(found)"
        case .largerThanHeader(let path, let expected):
            return "\(path): the gzip data decompresses to more than the \(expected) bytes its IDX header announces "
                + "(decompression stopped there): the header's counts or the data are wrong"
        case .labelOutOfRange(let path, let index, let label, let classCount):
            return "\(path): label \(label) at index \(index) is outside 0..<\(classCount)"
        case .countMismatch(let imagesPath, let imageCount, let labelsPath, let labelCount):
            return "\(imagesPath) holds \(imageCount) images but \(labelsPath) holds \(labelCount) labels"
        case .shapeMismatch(let path, let expected, let found):
            return "\(path): images are \(found.map(String.init).joined(separator: "×")), expected \(expected.map(String.init).joined(separator: "×")) like the training set"
        case .notRecognised(let directory, let chosenBy):
            return "no dataset recognised in \(directory) (\(chosenBy)): it holds no IDX files, no CIFAR-10 or CIFAR-100 "
                + "binary files and no train/ and test/ class folders"
        case .badRecordSize(let path, let format, let recordBytes, let foundBytes):
            return foundBytes == 0
                ? "\(path): empty; a \(format) file holds records of \(recordBytes) bytes"
                : "\(path): \(foundBytes) bytes is not a whole number of \(format) records of \(recordBytes) bytes "
                    + "(\(foundBytes / recordBytes) records and \(foundBytes % recordBytes) bytes left over: truncated or not a \(format) file?)"
        case .badPNG(let path, let reason):
            return "\(path): cannot decode as PNG: \(reason)"
        case .imageSizeDiffers(let path, let found, let expected, let firstPath):
            return "\(path): image is \(found.map(String.init).joined(separator: "×")) (height×width), but \(firstPath) "
                + "is \(expected.map(String.init).joined(separator: "×")); all images of a dataset must have one size"
        case .badFolder(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
