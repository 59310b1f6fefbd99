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

    public static let howToGetData = "To get Fashion-MNIST, install Debian's package dataset-fashion-mnist: "
        + "sudo apt-get install dataset-fashion-mnist, or pass --data DIR / set SIMLAB_DATA to a directory "
        + "with the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        + "t10k-labels-idx1-ubyte, each optionally .gz)."

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
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
