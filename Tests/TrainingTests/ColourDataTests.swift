import Foundation
import TensorCore
import XCTest
@testable import Training

/// CIFAR-10/100 binary files and PNG class folders, written by the tests in the official
/// layouts: recognised from the files present, read as N × C × H × W with per-channel
/// statistics, and every kind of damage reported naming the file.
final class ColourDataTests: XCTestCase {
    private func location(_ url: URL) -> DatasetLocation { DatasetLocation(directory: url.path, source: .argument) }

    private func assertFails(_ url: URL, label: String = "fine", mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try location(url).checkHeaders(label: label), file: file, line: line) { error in
            let text = "\(error)"
            for piece in mentions { XCTAssertTrue(text.contains(piece), "'\(piece)' missing from: \(text)", file: file, line: line) }
        }
    }

    func testCIFAR10IsRecognisedAndReadAsChannelPlanes() throws {
        let directory = try makeDataTemporaryDirectory(self)
        let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        try ColourDatasetFiles.writeCIFAR10(to: directory, names: names)
        let info = try location(directory).checkHeaders()
        XCTAssertEqual(info.format, "cifar-10")
        XCTAssertEqual([info.channels, info.height, info.width, info.trainCount, info.testCount], [3, 32, 32, 20, 6])
        XCTAssertEqual(info.classNames, names)

        let loaded = try LoadedDataset.load(location(directory))
        XCTAssertEqual(loaded.format, .cifar10)
        let train = loaded.train
        XCTAssertEqual([train.count, train.channels, train.height, train.width, train.classCount], [20, 3, 32, 32, 10])
        XCTAssertEqual(train.labels, (0..<20).map { $0 % 10 }, "batches in order 1…5, records in file order")
        XCTAssertEqual(loaded.test.labels, (0..<6).map { ($0 + 3) % 10 })
        for (n, c, k) in [(0, 0, 0), (7, 1, 100), (19, 2, 1023)] {
            XCTAssertEqual(train.pixels[(n * 3 + c) * 1024 + k], ColourDatasetFiles.pixel(n, c, k, salt: 1), "image \(n) channel \(c)")
        }
        XCTAssertEqual(train.classNames, names)
    }

    func testStatisticsArePerChannelAndBatchesNormaliseEachChannel() throws {
        let directory = try makeDataTemporaryDirectory(self)
        try ColourDatasetFiles.writeCIFAR10(to: directory)
        let train = try LoadedDataset.load(location(directory)).train
        let statistics = train.normalization
        XCTAssertEqual(statistics.channels, 3)
        for c in 0..<3 {
            var values: [Double] = []
            for n in 0..<train.count { for k in 0..<1024 { values.append(Double(train.pixels[(n * 3 + c) * 1024 + k]) / 255) } }
            let mean = values.reduce(0, +) / Double(values.count)
            let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            XCTAssertEqual(Double(statistics.means[c]), mean, accuracy: 1e-5, "channel \(c) mean")
            XCTAssertEqual(Double(statistics.standardDeviations[c]), deviation, accuracy: 1e-5, "channel \(c) deviation")
        }
        XCTAssertNotEqual(statistics.means[0], statistics.means[1], "the channels differ, so one shared mean would be wrong")
        let batch = train.batch([5])
        XCTAssertEqual(batch.images.shape, [1, 3, 32, 32])
        for c in 0..<3 {
            let byte = train.pixels[(5 * 3 + c) * 1024 + 10]
            let expected = (Float(byte) / 255 - statistics.means[c]) / statistics.standardDeviations[c]
            XCTAssertEqual(batch.images[0, c, 0, 10], expected, accuracy: 1e-5)
        }
    }

    func testCIFAR100TakesTheFineOrTheCoarseLabel() throws {
        let directory = try makeDataTemporaryDirectory(self)
        try ColourDatasetFiles.writeCIFAR100(to: directory)
        let fine = try LoadedDataset.load(location(directory), label: "fine")
        XCTAssertEqual(fine.format, .cifar100)
        XCTAssertEqual(fine.train.classCount, 100)
        XCTAssertEqual(fine.train.labels, (0..<12).map { ($0 * 7) % 100 })
        let coarse = try LoadedDataset.load(location(directory), label: "coarse")
        XCTAssertEqual(coarse.train.classCount, 20)
        XCTAssertEqual(coarse.test.labels, (0..<5).map { $0 % 20 })
        XCTAssertEqual(coarse.train.pixels, fine.train.pixels)
        XCTAssertEqual(try location(directory).checkHeaders(label: "coarse").classNames, (0..<20).map(String.init),
                       "numbers when no name file is present")
        let names = (0..<20).map { "super\($0)" }
        try names.joined(separator: "\n").write(to: directory.appendingPathComponent("coarse_label_names.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try location(directory).checkHeaders(label: "coarse").classNames, names)
    }

    func testDamagedCIFARFilesAreReportedNamingTheFile() throws {
        let root = try makeDataTemporaryDirectory(self)
        func copy(_ name: String, _ damage: (URL) throws -> Void) throws -> URL {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try ColourDatasetFiles.writeCIFAR10(to: url)
            try damage(url)
            return url
        }
        let missing = try copy("missing") { try FileManager.default.removeItem(at: $0.appendingPathComponent("data_batch_3.bin")) }
        assertFails(missing, mentions: ["data_batch_3.bin", "not found"])
        let short = try copy("short") { url in
            let file = url.appendingPathComponent("data_batch_2.bin")
            try Data(try Data(contentsOf: file).dropLast(5)).write(to: file)
        }
        assertFails(short, mentions: ["data_batch_2.bin", "not a whole number of CIFAR-10 records of 3073 bytes"])
        let badLabel = try copy("bad-label") { url in
            let file = url.appendingPathComponent("test_batch.bin")
            var bytes = [UInt8](try Data(contentsOf: file))
            bytes[2 * 3073] = 10
            try Data(bytes).write(to: file)
        }
        assertFails(badLabel, mentions: ["test_batch.bin", "label 10 at index 2", "0..<10"])
        let empty = try copy("empty") { try Data().write(to: $0.appendingPathComponent("data_batch_5.bin")) }
        assertFails(empty, mentions: ["data_batch_5.bin", "empty"])

        let hundred = root.appendingPathComponent("hundred")
        try FileManager.default.createDirectory(at: hundred, withIntermediateDirectories: true)
        try ColourDatasetFiles.writeCIFAR100(to: hundred)
        var bytes = [UInt8](try Data(contentsOf: hundred.appendingPathComponent("train.bin")))
        bytes[3 * 3074] = 20   // a coarse label out of 0..<20
        try Data(bytes).write(to: hundred.appendingPathComponent("train.bin"))
        assertFails(hundred, mentions: ["train.bin", "label 20 at index 3", "0..<20"])
        try FileManager.default.removeItem(at: hundred.appendingPathComponent("test.bin"))
        assertFails(hundred, mentions: ["test.bin", "not found"])
    }

    func testAnUnknownDirectoryNamesTheFormatsLookedFor() throws {
        let directory = try makeDataTemporaryDirectory(self)
        try Data([1, 2, 3]).write(to: directory.appendingPathComponent("notes.txt"))
        assertFails(directory, mentions: ["no dataset recognised", directory.path, "CIFAR-10"])
    }

    // MARK: image folders

    /// A folder dataset: classes "b-circle" and "a-square" (sorted: a-square is label 0),
    /// colour and grey images of 6×5, written through libpng.
    private func writeFolders(_ directory: URL, colour: Bool) throws {
        for (split, count) in [("train", 3), ("test", 2)] {
            for (c, name) in ["b-circle", "a-square"].enumerated() {
                for i in 0..<count {
                    let channels = colour && i == 0 ? 3 : 1
                    let pixels = (0..<(6 * 5 * channels)).map { UInt8(($0 * 13 + c * 50 + i) % 256) }
                    try ColourDatasetFiles.writePNG(pixels, width: 5, height: 6, channels: channels,
                                                    to: directory.appendingPathComponent("\(split)/\(name)/img\(i).png"))
                }
            }
        }
        try "not an image".write(to: directory.appendingPathComponent("train/a-square/README.txt"), atomically: true, encoding: .utf8)
    }

    func testImageFoldersUseSortedClassNamesAndBecomeRGBWhenAnyImageHasColour() throws {
        let directory = try makeDataTemporaryDirectory(self)
        try writeFolders(directory, colour: true)
        let info = try location(directory).checkHeaders()
        XCTAssertEqual(info.format, "image-folder")
        XCTAssertEqual(info.classNames, ["a-square", "b-circle"])
        XCTAssertEqual([info.channels, info.height, info.width, info.trainCount, info.testCount], [3, 6, 5, 6, 4])
        let loaded = try LoadedDataset.load(location(directory))
        let train = loaded.train
        XCTAssertEqual(train.labels, [0, 0, 0, 1, 1, 1])
        // a-square/img0.png is RGB: interleaved bytes become planes.
        let rgb = (0..<90).map { UInt8(($0 * 13 + 50) % 256) }
        for k in [0, 7, 29] { for c in 0..<3 { XCTAssertEqual(train.pixels[c * 30 + k], rgb[k * 3 + c]) } }
        // a-square/img1.png is grey: the value is replicated into R, G and B.
        for k in [0, 11] { for c in 0..<3 { XCTAssertEqual(train.pixels[90 + c * 30 + k], UInt8((k * 13 + 50 + 1) % 256)) } }
    }

    func testGreyFoldersStayOneChannelAndAlphaIsCompositedOntoBlack() throws {
        let directory = try makeDataTemporaryDirectory(self)
        try writeFolders(directory, colour: false)
        // Grey + alpha: opaque 200, half-transparent 200, fully transparent 200.
        try ColourDatasetFiles.writePNG([200, 255, 200, 0, 200, 128] + [UInt8](repeating: 255, count: 54), width: 5, height: 6,
                                        channels: 2, to: directory.appendingPathComponent("train/a-square/alpha.png"))
        let loaded = try LoadedDataset.load(location(directory))
        XCTAssertEqual(loaded.train.channels, 1)
        let alphaImage = loaded.train.pixels[0..<30]   // "alpha.png" sorts first in a-square
        XCTAssertEqual(alphaImage[0], 200)
        XCTAssertEqual(alphaImage[1], 0, "a transparent pixel becomes black")
        XCTAssertTrue((90...160).contains(alphaImage[2]), "half transparent is in between, got \(alphaImage[2])")
    }

    func testFolderProblemsNameTheFile() throws {
        let root = try makeDataTemporaryDirectory(self)
        func copy(_ name: String, _ damage: (URL) throws -> Void) throws -> URL {
            let url = root.appendingPathComponent(name)
            try writeFolders(url, colour: true)
            try damage(url)
            return url
        }
        let otherSize = try copy("size") {
            try ColourDatasetFiles.writePNG([UInt8](repeating: 9, count: 16), width: 4, height: 4, channels: 1,
                                            to: $0.appendingPathComponent("test/b-circle/img1.png"))
        }
        assertFails(otherSize, mentions: ["test/b-circle/img1.png", "4×4", "6×5", "train/a-square/img0.png"])
        let notPNG = try copy("not-png") {
            try "hello".write(to: $0.appendingPathComponent("train/b-circle/img2.png"), atomically: true, encoding: .utf8)
        }
        assertFails(notPNG, mentions: ["train/b-circle/img2.png", "cannot decode as PNG"])
        let unknownClass = try copy("unknown") {
            try ColourDatasetFiles.writePNG([UInt8](repeating: 9, count: 30), width: 5, height: 6, channels: 1,
                                            to: $0.appendingPathComponent("test/c-star/img0.png"))
        }
        assertFails(unknownClass, mentions: ["test/c-star", "no training folder"])
        let emptyClass = try copy("empty") {
            try FileManager.default.createDirectory(at: $0.appendingPathComponent("train/d-empty"), withIntermediateDirectories: true)
        }
        assertFails(emptyClass, mentions: ["train/d-empty", "no .png images"])
        let noTest = try copy("no-test") { try FileManager.default.removeItem(at: $0.appendingPathComponent("test")) }
        assertFails(noTest, mentions: ["no-test/test", "missing"])

        // Damage inside the image data passes the header check and is found when the data is
        // loaded: an error naming the file, never a crash.
        let truncated = try copy("truncated") { url in
            let file = url.appendingPathComponent("train/a-square/img0.png")
            let bytes = try Data(contentsOf: file)
            try Data(bytes.prefix(bytes.count - 20)).write(to: file)
        }
        XCTAssertThrowsError(try LoadedDataset.load(location(truncated))) { error in
            XCTAssertTrue("\(error)".contains("train/a-square/img0.png"), "\(error)")
            XCTAssertTrue("\(error)".contains("cannot decode as PNG"), "\(error)")
        }
    }

    // MARK: augmentation

    func testCropPaddingScalesWithTheImageButIDXKeepsTwo() {
        XCTAssertEqual(DatasetFormat.idx.cropPadding(height: 28, width: 28), 2)
        XCTAssertEqual(DatasetFormat.cifar10.cropPadding(height: 32, width: 32), 4)
        XCTAssertEqual(DatasetFormat.imageFolder.cropPadding(height: 64, width: 96), 8)
        XCTAssertEqual(DatasetFormat.imageFolder.cropPadding(height: 6, width: 5), 1)
    }

    func testShiftFillsEachChannelWithItsOwnBackground() {
        var batch = Tensor(shape: [1, 3, 4, 4], repeating: 5)
        Augmentation.shift(&batch, by: [(dy: 0, dx: 2)], fills: [-1, -2, -3])
        for c in 0..<3 {
            XCTAssertEqual(batch[0, c, 1, 1], 5, "shifted content stays")
            XCTAssertEqual(batch[0, c, 1, 3], Float(-1 - c), "channel \(c) border")
        }
    }

    func testFlipOffNeverMirrors() {
        // With padding 0 only a flip can change the image.
        var image = Tensor(shape: [1, 1, 1, 3])
        image.withUnsafeMutableBufferPointer { $0[0] = 1; $0[1] = 2; $0[2] = 3 }
        var flippedAny = false
        for seed in 0..<16 as Range<UInt64> {
            var on = image, off = image
            var g1 = SeededGenerator(seed: seed), g2 = SeededGenerator(seed: seed)
            Augmentation(padding: 0, horizontalFlip: true, fills: [0]).apply(to: &on, generator: &g1)
            Augmentation(padding: 0, horizontalFlip: false, fills: [0]).apply(to: &off, generator: &g2)
            XCTAssertEqual(off.scalars, image.scalars)
            flippedAny = flippedAny || on.scalars == [3, 2, 1]
        }
        XCTAssertTrue(flippedAny)
    }
}
