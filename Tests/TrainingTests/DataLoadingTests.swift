import XCTest
@testable import Training

final class DataLoadingTests: XCTestCase {
    func testRealFashionMNIST() throws {
        let location = DatasetLocation.resolve(explicit: nil, environment: [:])
        XCTAssertEqual(location, DatasetLocation(directory: realDataDirectory, source: .standard))
        let data = try LoadedDataset.load(location)
        XCTAssertEqual(data.train.count, 60_000)
        XCTAssertEqual(data.test.count, 10_000)
        XCTAssertEqual([data.train.height, data.train.width, data.test.height, data.test.width], [28, 28, 28, 28])
        XCTAssertEqual(data.train.labelHistogram(), [Int](repeating: 6000, count: 10))
        XCTAssertEqual(data.test.labelHistogram(), [Int](repeating: 1000, count: 10))
        XCTAssertEqual(data.train.classNames[9], "Ankle boot")
        XCTAssertEqual(data.train.normalization.means[0], 0.2860, accuracy: 0.001)
        XCTAssertEqual(data.train.normalization.standardDeviations[0], 0.3530, accuracy: 0.001)
        XCTAssertEqual(data.test.normalization, data.train.normalization, "test uses training statistics")
        // Pixels agree with the system gunzip of the file (header is 16 bytes).
        let reference = try gunzipped(realDataDirectory + "/t10k-images-idx3-ubyte.gz")
        XCTAssertEqual(Array(reference[16...]), data.test.pixels)
        let (images, labels) = data.test.batch([0, 9999])
        XCTAssertEqual(images.shape, [2, 1, 28, 28])
        XCTAssertEqual(labels, [data.test.labels[0], data.test.labels[9999]])
        let k = 28 * 14 + 14
        XCTAssertEqual(images[1, 0, 14, 14], (Float(reference[16 + 9999 * 784 + k]) / 255 - data.train.normalization.means[0])
                       / data.train.normalization.standardDeviations[0], accuracy: 1e-5)
    }

    func testSyntheticPlainAndGzipLoadIdentically() throws {
        var loaded: [LoadedDataset] = []
        for gzip in [false, true] {
            let dir = try makeDataTemporaryDirectory(self)
            try writeSyntheticDataset(in: dir, trainCount: 30, testCount: 7, gzip: gzip)
            let data = try LoadedDataset.load(DatasetLocation.resolve(explicit: dir.path))
            XCTAssertEqual(data.train.count, 30, "gzip=\(gzip)")
            XCTAssertEqual(data.test.count, 7, "gzip=\(gzip)")
            XCTAssertEqual([data.train.height, data.train.width], [4, 3], "gzip=\(gzip)")
            XCTAssertEqual(data.train.pixels[5], UInt8((5 * 7 + 1) % 256), "gzip=\(gzip)")
            XCTAssertEqual(data.test.labels, (0..<7).map { ($0 + 3) % 10 }, "gzip=\(gzip)")
            XCTAssertEqual(data.train.classNames, (0..<10).map(String.init), "unknown dataset gets digit names")
            loaded.append(data)
        }
        XCTAssertEqual(loaded[0].train.pixels, loaded[1].train.pixels)
        XCTAssertEqual(loaded[0].test.labels, loaded[1].test.labels)
    }

    func testLocationPrecedence() {
        let env = ["SIMLAB_DATA": "/env/dir"]
        XCTAssertEqual(DatasetLocation.resolve(explicit: "/arg", environment: env), DatasetLocation(directory: "/arg", source: .argument))
        XCTAssertEqual(DatasetLocation.resolve(explicit: nil, environment: env), DatasetLocation(directory: "/env/dir", source: .environment))
        XCTAssertEqual(DatasetLocation.resolve(explicit: "", environment: [:]).directory, realDataDirectory)
    }

    /// Copies the real test-set files into a temporary directory, lets `damage` change one
    /// of them, loads, and returns the error.
    func loadError(_ label: String, damage: (URL) throws -> Void, file: StaticString = #filePath, line: UInt = #line) throws -> DatasetError? {
        let dir = try makeDataTemporaryDirectory(self)
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
            // Small synthetic training files keep the damaged-copy tests fast.
            let count = 20
            let bytes = name.contains("images") ? idxBytes(dimensions: [count, 28, 28], data: [UInt8](repeating: 9, count: count * 784))
                : idxBytes(dimensions: [count], data: (0..<count).map { UInt8($0 % 10) })
            try Data(bytes).write(to: dir.appendingPathComponent(name))
        }
        for name in ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(atPath: realDataDirectory + "/" + name, toPath: dir.appendingPathComponent(name).path)
        }
        try damage(dir)
        do {
            _ = try LoadedDataset.load(DatasetLocation(directory: dir.path, source: .argument))
            XCTFail("\(label): loaded without error", file: file, line: line)
            return nil
        } catch let error as DatasetError {
            XCTAssertTrue(error.description.contains("sudo apt-get install dataset-fashion-mnist"), "\(label): \(error)", file: file, line: line)
            return error
        }
    }

    /// Replaces the gzip test labels by their decompressed bytes after `edit`.
    func editLabels(_ dir: URL, _ edit: (inout [UInt8]) -> Void) throws -> String {
        let gz = dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path
        var bytes = try gunzipped(gz)
        try FileManager.default.removeItem(atPath: gz)
        edit(&bytes)
        let path = dir.appendingPathComponent("t10k-labels-idx1-ubyte").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testDamagedFilesGiveErrorsNamingTheFile() throws {
        var path = ""
        var error = try loadError("cut gzip") { dir in
            path = dir.appendingPathComponent("t10k-images-idx3-ubyte.gz").path
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count - 1000).write(to: URL(fileURLWithPath: path))
        }
        guard case .corruptGzip(path, _)? = error else { return XCTFail("cut gzip: \(String(describing: error))") }

        error = try loadError("gzip garbage") { dir in
            path = dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path
            try Data([0x1F, 0x8B] + (0..<500).map { UInt8(($0 * 37) % 251) }).write(to: URL(fileURLWithPath: path))
        }
        guard case .corruptGzip(path, _)? = error else { return XCTFail("gzip garbage: \(String(describing: error))") }

        error = try loadError("garbage after gzip stream") { dir in
            path = dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes.append(contentsOf: [1, 2, 3])
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        guard case .corruptGzip(path, let reason)? = error, reason.contains("trailing") else {
            return XCTFail("trailing after gzip: \(String(describing: error))")
        }

        error = try loadError("cut decompressed") { dir in path = try editLabels(dir) { $0.removeLast(10) } }
        XCTAssertEqual(error, .truncated(path: path, expectedBytes: 10_008, foundBytes: 9_998))

        error = try loadError("trailing decompressed") { dir in path = try editLabels(dir) { $0 += [0, 0] } }
        XCTAssertEqual(error, .trailingBytes(path: path, expectedBytes: 10_008, foundBytes: 10_010))

        error = try loadError("bad magic") { dir in path = try editLabels(dir) { $0[3] = 3 } }
        XCTAssertEqual(error, .badMagic(path: path, expected: 0x801, found: 0x803))

        error = try loadError("wrong count in header") { dir in path = try editLabels(dir) { $0[7] &+= 1 } }
        XCTAssertEqual(error, .truncated(path: path, expectedBytes: 10_009, foundBytes: 10_008))

        error = try loadError("count mismatch") { dir in
            path = try editLabels(dir) { bytes in bytes[7] &-= 1; bytes.removeLast() }  // 9999 labels, consistent file
        }
        XCTAssertEqual(error, .countMismatch(imagesPath: path.replacingOccurrences(of: "labels-idx1", with: "images-idx3") + ".gz",
                                             imageCount: 10_000, labelsPath: path, labelCount: 9_999))

        error = try loadError("label out of range") { dir in path = try editLabels(dir) { $0[8 + 5] = 10 } }
        XCTAssertEqual(error, .labelOutOfRange(path: path, index: 5, label: 10, classCount: 10))

        error = try loadError("missing file") { dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
            path = dir.path
        }
        XCTAssertEqual(error, .fileNotFound(directory: path, lookedFor: ["t10k-labels-idx1-ubyte[.gz]"]))

        error = try loadError("missing directory") { dir in
            try FileManager.default.removeItem(at: dir)
            path = dir.path
        }
        XCTAssertEqual(error, .directoryNotFound(path: path, chosenBy: "given with --data"))
        XCTAssertTrue(error!.description.contains(path))
        XCTAssertTrue(error!.description.contains("does not exist"))

        error = try loadError("a file given as the directory") { dir in
            try FileManager.default.removeItem(at: dir)
            try Data("not a folder".utf8).write(to: dir)
            path = dir.path
        }
        XCTAssertEqual(error, .directoryNotFound(path: path, chosenBy: "given with --data"))
        XCTAssertTrue(error!.description.contains("\(path) (given with --data) is a file"), error!.description)

        error = try loadError("a directory in place of a file") { dir in
            let labels = dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz")
            try FileManager.default.removeItem(at: labels)
            try FileManager.default.createDirectory(at: labels, withIntermediateDirectories: false)
            path = labels.path
        }
        XCTAssertEqual(error, .unreadable(path: path, reason: "it is a directory, not an IDX file"))
    }

    func testHeaderOnlyAndTinyFiles() {
        for (bytes, label) in [([UInt8](), "empty"), ([0, 0, 8], "3 bytes"), ([0, 0, 8, 3, 0, 0], "short header")] {
            XCTAssertThrowsError(try IDXReader.parse(bytes, path: "/t", magic: IDXReader.imagesMagic), label) { error in
                guard case .truncated("/t", _, bytes.count)? = error as? DatasetError else { return XCTFail("\(label): \(error)") }
            }
        }
    }
}
