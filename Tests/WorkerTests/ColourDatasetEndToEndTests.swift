import CPNG
import Foundation
import RunStore
import XCTest

/// The real binary trains nsl-cnn9 on a CIFAR-10-format directory and on a PNG class-folder
/// directory, both written by the test; broken datasets are refused before a run exists.
final class ColourDatasetEndToEndTests: XCTestCase {
    /// Tiny nsl-cnn9 settings: one epoch and the kNN evaluation (which writes the neighbour
    /// images) prove the pipeline; more would only slow a debug build.
    static let tinyNSL = ["--model", "nsl-cnn9", "--variant", "static-diag", "--stem-width", "4", "--widths", "4,6,8",
                          "--batch-size", "20", "--validation", "20", "--threads", "1", "--log-every", "2",
                          "--epochs", "1", "--seed", "3"]

    /// A colour texture: class c of 10 is stripes of period 2…, with the red/green/blue mix
    /// depending on the class.
    static func image(label: Int, index: Int, side: Int) -> [[UInt8]] {
        (0..<3).map { c in
            (0..<(side * side)).map { k in
                let row = k / side, column = k % side
                let on = label < 5 ? (row / (label + 1)) % 2 == 0 : (column / (label - 4)) % 2 == 0
                let tint = (label + c) % 3 == 0 ? 1 : 0
                return UInt8(max(0, min(255, (on ? 200 : 40) + tint * 40 + (index * 13 + k) % 9)))
            }
        }
    }

    static func writeCIFAR10(to directory: URL, perBatch: Int = 12, testCount: Int = 20) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func records(_ first: Int, _ count: Int) -> Data {
            var bytes: [UInt8] = []
            for n in first..<(first + count) {
                bytes.append(UInt8(n % 10))
                for plane in image(label: n % 10, index: n, side: 32) { bytes += plane }
            }
            return Data(bytes)
        }
        for b in 0..<5 { try records(b * perBatch, perBatch).write(to: directory.appendingPathComponent("data_batch_\(b + 1).bin")) }
        try records(1000, testCount).write(to: directory.appendingPathComponent("test_batch.bin"))
        try ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"].joined(separator: "\n")
            .write(to: directory.appendingPathComponent("batches.meta.txt"), atomically: true, encoding: .utf8)
    }

    static func writeFolders(to directory: URL, side: Int = 16, classes: [String] = ["cat", "dog", "emu"]) throws {
        for (split, count) in [("train", 14), ("test", 4)] {
            for (label, name) in classes.enumerated() {
                let folder = directory.appendingPathComponent("\(split)/\(name)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for i in 0..<count {
                    let planes = image(label: label * 3, index: i, side: side)
                    var interleaved: [UInt8] = []
                    for k in 0..<(side * side) { for c in 0..<3 { interleaved.append(planes[c][k]) } }
                    var message = [CChar](repeating: 0, count: 256)
                    let path = folder.appendingPathComponent(String(format: "%03d.png", i)).path
                    guard simlab_png_write(path, Int32(side), Int32(side), 3, interleaved, &message, message.count) == 1 else {
                        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: message)])
                    }
                }
            }
        }
    }

    private func train(_ harness: SimlabHarness, data: URL, extra: [String] = []) throws -> RunDirectory {
        let output = try harness.run(["train"] + Self.tinyNSL + ["--data", data.path, "--runs", harness.runs.path] + extra,
                                     timeout: 300)
        XCTAssertEqual(output.status, 0, "train failed:\n\(output.stderr)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: harness.runs.path).filter { !$0.hasPrefix(".") }.sorted()
        return RunDirectory(url: harness.runs.appendingPathComponent(try XCTUnwrap(runs.last)))
    }

    func testTrainsOnCIFAR10AndOnImageFolders() throws {
        let harness = try SimlabHarness(self)
        let cifar = harness.root.appendingPathComponent("cifar-10-batches-bin")
        try Self.writeCIFAR10(to: cifar)
        let run = try train(harness, data: cifar)
        let config = try run.readConfig()
        XCTAssertEqual(config.model, "nsl-cnn9")
        let dataset = try XCTUnwrap(config.dataset, "config.json records the dataset")
        XCTAssertEqual([dataset.channels, dataset.height, dataset.width, dataset.trainCount, dataset.testCount], [3, 32, 32, 60, 20])
        XCTAssertEqual(dataset.format, "cifar-10")
        XCTAssertEqual(dataset.classNames.first, "airplane")
        XCTAssertEqual(try run.readStatus().state, .finished)
        let records = SimlabHarness.records(run)
        XCTAssertTrue(records.contains { $0.split == .test }, "a test metrics line")
        let model = try XCTUnwrap(try run.readModelInfo())
        XCTAssertEqual(model.label, "nsl-cnn9/static-diag")
        // The neighbour browser's images are 3 × 32 × 32 bytes each.
        let neighbours = try XCTUnwrap(try run.readNeighbours()).data
        XCTAssertEqual([neighbours.results.imageChannels, neighbours.results.imageHeight, neighbours.results.imageWidth], [3, 32, 32])
        XCTAssertFalse(neighbours.queryImages.isEmpty)
        XCTAssertTrue(neighbours.queryImages.allSatisfy { $0.count == 3 * 32 * 32 })

        // `simlab show` prints settings that paste back into `simlab train`: none nsl-cnn9 refuses.
        let show = try harness.run(["show", run.url.lastPathComponent, "--runs", harness.runs.path])
        let settings = try XCTUnwrap(show.stdout.split(separator: "\n").first { $0.hasPrefix("settings") }, show.stdout)
        XCTAssertTrue(settings.contains("--model nsl-cnn9") && settings.contains("--widths 4,6,8"), String(settings))
        let flags = settings.split(separator: " ")   // whole flags: --kernel-shape is allowed, --kernel is not
        XCTAssertFalse(flags.contains("--blocks") || flags.contains("--kernel"), String(settings))
        XCTAssertTrue(flags.contains("--kernel-shape"), "nsl-cnn9 takes a kernel shape: \(settings)")

        // export-model and predict rebuild the model for the data's 3 channels (the checkpoint's stem is [4, 3, 3, 3]).
        let exported = harness.root.appendingPathComponent("model.safetensors")
        let export = try harness.run(["export-model", run.url.lastPathComponent, "--runs", harness.runs.path,
                                      "--output", exported.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        let bytes = [UInt8](try Data(contentsOf: exported))
        let headerLength = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) })
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains(#"\"channels\":3"#), header)
        let predict = try harness.run(["predict", run.url.lastPathComponent, "--runs", harness.runs.path,
                                       "--output", harness.root.appendingPathComponent("logits.safetensors").path])
        XCTAssertEqual(predict.status, 0, predict.stderr)

        let folders = harness.root.appendingPathComponent("folders")
        try Self.writeFolders(to: folders)
        let folderRun = try train(harness, data: folders, extra: ["--no-knn-eval"])
        let folderDataset = try XCTUnwrap(try folderRun.readConfig().dataset)
        XCTAssertEqual(folderDataset.format, "image-folder")
        XCTAssertEqual(folderDataset.classNames, ["cat", "dog", "emu"], "class order = sorted folder names, in config.json")
        XCTAssertEqual([folderDataset.channels, folderDataset.height, folderDataset.width], [3, 16, 16])
        XCTAssertEqual(try folderRun.readStatus().state, .finished)
    }

    func testBrokenColourDatasetsAreRefusedBeforeARunIsCreated() throws {
        let harness = try SimlabHarness(self)
        let missing = harness.root.appendingPathComponent("missing-batch")
        try Self.writeCIFAR10(to: missing, perBatch: 2, testCount: 2)
        try FileManager.default.removeItem(at: missing.appendingPathComponent("data_batch_4.bin"))
        let badLabel = harness.root.appendingPathComponent("bad-label")
        try Self.writeCIFAR10(to: badLabel, perBatch: 2, testCount: 2)
        var bytes = [UInt8](try Data(contentsOf: badLabel.appendingPathComponent("data_batch_1.bin")))
        bytes[3073] = 200
        try Data(bytes).write(to: badLabel.appendingPathComponent("data_batch_1.bin"))
        let notPNG = harness.root.appendingPathComponent("not-png")
        try Self.writeFolders(to: notPNG, side: 4)
        try Data("junk".utf8).write(to: notPNG.appendingPathComponent("test/dog/005.png"))

        for (data, mentioned) in [(missing, "data_batch_4.bin"), (badLabel, "data_batch_1.bin: label 200 at index 1"),
                                  (notPNG, "test/dog/005.png")] {
            let output = try harness.run(["train"] + Self.tinyNSL + ["--data", data.path, "--runs", harness.runs.path, "--detach"])
            XCTAssertNotEqual(output.status, 0, "\(data.lastPathComponent): \(output.stdout)")
            XCTAssertTrue(output.stderr.contains(mentioned), "\(data.lastPathComponent): \(output.stderr)")
        }
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: harness.runs.path)) ?? []
        XCTAssertEqual(folders.filter { !$0.hasPrefix(".") }, [], "no run folder was created")
    }
}
