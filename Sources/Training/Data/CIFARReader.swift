import Foundation

/// Reads the binary CIFAR-10 and CIFAR-100 files (the official `cifar-10-batches-bin` and
/// `cifar-100-binary` layouts).
///
/// A record is `labelBytes` label bytes then 3,072 pixel bytes: the 32×32 red plane, then
/// green, then blue, each row-major, which is already the N × C × H × W layout of
/// `ImageDataset`. A file must be a positive whole number of records; every label byte is
/// checked against its class count.
public struct CIFARReader: Sendable {
    public let format: DatasetFormat
    public let trainFiles: [String]
    public let testFiles: [String]
    /// Label bytes per record: 1 (CIFAR-10) or 2 (CIFAR-100: coarse then fine).
    public let labelBytes: Int
    /// Classes per label byte, in record order.
    public let classCounts: [Int]

    public static let channels = 3, height = 32, width = 32
    public static let imageBytes = channels * height * width
    public var recordBytes: Int { labelBytes + Self.imageBytes }

    public static let cifar10 = CIFARReader(format: .cifar10, trainFiles: (1...5).map { "data_batch_\($0).bin" },
                                            testFiles: ["test_batch.bin"], labelBytes: 1, classCounts: [10])
    public static let cifar100 = CIFARReader(format: .cifar100, trainFiles: ["train.bin"], testFiles: ["test.bin"],
                                             labelBytes: 2, classCounts: [20, 100])

    public static func reader(for format: DatasetFormat) -> CIFARReader {
        format == .cifar100 ? .cifar100 : .cifar10
    }

    /// Which label byte to use: CIFAR-100's "coarse" (20 superclasses) or "fine" (100
    /// classes); CIFAR-10 has one.
    public func labelIndex(_ label: String) -> Int { format == .cifar100 && label == "coarse" ? 0 : labelBytes - 1 }

    public func classCount(label: String) -> Int { classCounts[labelIndex(label)] }

    /// The training and test files' paths; every one must be present.
    public func paths(in directory: String) throws -> (train: [String], test: [String]) {
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let missing = (trainFiles + testFiles).filter { !FileManager.default.fileExists(atPath: path($0)) }
        guard missing.isEmpty else { throw DatasetError.fileNotFound(directory: directory, lookedFor: missing) }
        return (trainFiles.map(path), testFiles.map(path))
    }

    /// The file's bytes, checked: a whole number of records and every label in range.
    public func records(path: String) throws -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)) } catch {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw DatasetError.unreadable(path: path, reason: "it is a directory, not a \(format.rawValue) file")
            }
            throw DatasetError.unreadable(path: path, reason: error.localizedDescription)
        }
        try check(bytes, path: path)
        return bytes
    }

    /// Checks the records in `bytes` (`path` names the file in errors).
    public func check(_ bytes: [UInt8], path: String) throws {
        let record = recordBytes
        guard !bytes.isEmpty, bytes.count % record == 0 else {
            throw DatasetError.badRecordSize(path: path, format: format == .cifar10 ? "CIFAR-10" : "CIFAR-100",
                                             recordBytes: record, foundBytes: bytes.count)
        }
        try bytes.withUnsafeBufferPointer { p in
            for index in 0..<(p.count / record) {
                for (byte, classCount) in classCounts.enumerated() where Int(p[index * record + byte]) >= classCount {
                    throw DatasetError.labelOutOfRange(path: path, index: index, label: Int(p[index * record + byte]),
                                                       classCount: classCount)
                }
            }
        }
    }

    /// Record count of each checked file.
    public func count(_ bytes: [UInt8]) -> Int { bytes.count / recordBytes }

    /// Appends the images (C × H × W each) and labels of checked records to `pixels` and `labels`.
    public func append(records bytes: [UInt8], label: String, pixels: inout [UInt8], labels: inout [Int]) {
        let which = labelIndex(label), record = recordBytes, n = count(bytes)
        pixels.reserveCapacity(pixels.count + n * Self.imageBytes)
        for index in 0..<n {
            let start = index * record
            labels.append(Int(bytes[start + which]))
            pixels.append(contentsOf: bytes[(start + labelBytes)..<(start + record)])
        }
    }

    /// The images and labels of the files at `paths`, in file and record order.
    public func read(paths: [String], label: String, name: String, classNames: [String]) throws -> ImageDataset {
        var pixels: [UInt8] = [], labels: [Int] = []
        for path in paths {
            append(records: try records(path: path), label: label, pixels: &pixels, labels: &labels)
        }
        return ImageDataset(name: name, pixels: pixels, labels: labels, channels: Self.channels, height: Self.height,
                            width: Self.width, classCount: classCount(label: label), classNames: classNames)
    }

    /// Class names from the distribution's text files (CIFAR-10's `batches.meta.txt`,
    /// CIFAR-100's `fine_label_names.txt` / `coarse_label_names.txt`, one name a line) when
    /// present with one name per class; else the numbers 0, 1, ….
    public func classNames(in directory: String, label: String) -> [String] {
        let count = classCount(label: label)
        let file = format == .cifar10 ? "batches.meta.txt" : (labelIndex(label) == 0 ? "coarse_label_names.txt" : "fine_label_names.txt")
        let path = (directory as NSString).appendingPathComponent(file)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return (0..<count).map(String.init) }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.count == count ? names : (0..<count).map(String.init)
    }
}
