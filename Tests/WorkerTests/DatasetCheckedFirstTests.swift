import Foundation
import RunStore
import XCTest

/// The real binary: a dataset whose headers are wrong is refused before a run folder is
/// created, so no failed run is left behind (compressed files included: their header is
/// inflated, not the whole file).
final class DatasetCheckedFirstTests: XCTestCase {
    func testBadHeadersAreRefusedBeforeARunIsCreated() throws {
        let harness = try SimlabHarness(self)
        func copyOfData(_ name: String) throws -> URL {
            let copy = harness.root.appendingPathComponent(name)
            try FileManager.default.copyItem(at: harness.data, to: copy)
            return copy
        }
        func gzip(_ bytes: [UInt8], to url: URL) throws {
            let plain = url.deletingPathExtension()
            try Data(bytes).write(to: plain)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gzip", "-n", "-f", plain.path]
            try process.run()
            process.waitUntilExit()
        }
        // Labels for fewer images than there are (gzip), a wrong magic (gzip), and a plain file cut short.
        let fewerLabels = try copyOfData("fewer-labels")
        try gzip(SyntheticIDXDataset.idx(dimensions: [299], magic: 0x01, data: [UInt8](repeating: 1, count: 299)),
                 to: fewerLabels.appendingPathComponent("train-labels-idx1-ubyte.gz"))
        let wrongMagic = try copyOfData("wrong-magic")
        try gzip(SyntheticIDXDataset.idx(dimensions: [100], magic: 0x01, data: [UInt8](repeating: 1, count: 100)),
                 to: wrongMagic.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        let truncated = try copyOfData("truncated")
        try FileManager.default.removeItem(at: truncated.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        try Data(SyntheticIDXDataset.idx(dimensions: [100], magic: 0x01, data: [UInt8](repeating: 1, count: 100)).dropLast(10))
            .write(to: truncated.appendingPathComponent("t10k-labels-idx1-ubyte"))

        let cases: [(URL, String)] = [
            (fewerLabels, "299"), (wrongMagic, "t10k-images-idx3-ubyte.gz"), (truncated, "t10k-labels-idx1-ubyte"),
        ]
        for (data, mentioned) in cases {
            for detach in [true, false] {
                let output = try harness.run(["train"] + SimlabHarness.tinyModel
                                             + ["--epochs", "1", "--data", data.path, "--runs", harness.runs.path]
                                             + (detach ? ["--detach"] : []))
                XCTAssertNotEqual(output.status, 0, "\(data.lastPathComponent): \(output.stdout)")
                XCTAssertTrue(output.stderr.contains(mentioned), "\(data.lastPathComponent): \(output.stderr)")
            }
        }
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: harness.runs.path)) ?? []
        XCTAssertEqual(folders.filter { !$0.hasPrefix(".") }, [], "no run folder was created")
    }
}
