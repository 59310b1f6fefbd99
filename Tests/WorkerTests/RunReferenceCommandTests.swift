#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// The real binary: RUN is a run of the runs directory (id or unique prefix), never a path,
/// so no command touches a folder outside it.
final class RunReferenceCommandTests: XCTestCase {
    /// A project folder that looks like a run to a careless resolver: `p/config.json`, `p/src/main.c`.
    private func project(in harness: SimlabHarness) throws -> URL {
        let project = harness.root.appendingPathComponent("p")
        try FileManager.default.createDirectory(at: project.appendingPathComponent("src"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: project.appendingPathComponent("config.json"))
        try Data("int main(void) { return 0; }\n".utf8).write(to: project.appendingPathComponent("src/main.c"))
        return project
    }

    private func assertUntouched(_ project: URL, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let fm = FileManager.default
        XCTAssertEqual(try? String(contentsOf: project.appendingPathComponent("config.json"), encoding: .utf8), "{}",
                       "\(what): p/config.json", file: file, line: line)
        XCTAssertTrue(fm.fileExists(atPath: project.appendingPathComponent("src/main.c").path), "\(what): p/src/main.c",
                      file: file, line: line)
        XCTAssertEqual((try? fm.contentsOfDirectory(atPath: project.path))?.sorted(), ["config.json", "src"],
                       "\(what): nothing created in p (no runs/, no .locks/)", file: file, line: line)
        XCTAssertFalse(fm.fileExists(atPath: project.deletingLastPathComponent().appendingPathComponent(".locks").path),
                       "\(what): no .locks/ beside p", file: file, line: line)
    }

    /// The reproduction: `cd p && simlab rm . --yes` deleted p.
    func testRmDotInAProjectFolderDeletesNothing() throws {
        let harness = try SimlabHarness(self)
        let project = try project(in: harness)
        let output = try harness.run(["rm", ".", "--yes"], in: project)
        XCTAssertNotEqual(output.status, 0, "rm . must fail; stdout: \(output.stdout)")
        XCTAssertTrue(output.stderr.contains("'.' is not a run id"), output.stderr)
        XCTAssertFalse(output.stdout.contains("deleted"), output.stdout)
        assertUntouched(project, "rm .")
    }

    func testEveryCommandTakingRUNRefusesPathsAndLinksOutOfTheRuns() throws {
        let harness = try SimlabHarness(self)
        let project = try project(in: harness)
        let run = try harness.launch(epochs: 1)
        _ = try harness.waitForState(run, [.finished, .failed, .stopped], timeout: 120)
        // A link inside runs/ named like a run, leading to the project.
        let link = harness.runs.appendingPathComponent("20990101-000000-beef")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: project)
        let runPath = run.url.path
        let references = [".", "..", project.path, "../p", "p", runPath, "runs/\(run.id.rawValue)", link.path, link.lastPathComponent]
        let output = harness.root.appendingPathComponent("model.safetensors").path
        let commands: [[String]] = [["rm", "--yes"], ["show"], ["export", "--json"], ["pause"], ["resume"], ["stop"],
                                    ["export-model", "--output", output], ["predict", "--output", output]]
        for reference in references {
            for command in commands {
                let arguments = [command[0], reference] + command.dropFirst() + ["--runs", harness.runs.path]
                let output = try harness.run(arguments, in: harness.root)
                XCTAssertNotEqual(output.status, 0, "simlab \(arguments) must fail; stdout: \(output.stdout)")
                XCTAssertTrue(output.stderr.contains("not a run id") || output.stderr.contains("no run '\(reference)'"),
                              "simlab \(arguments): \(output.stderr)")
            }
            let frozen = try harness.run(["train", "--data", harness.data.path, "--runs", harness.runs.path,
                                          "--knn-alpha", "0.1", "--knn-features", "frozen:\(reference)"], in: harness.root)
            XCTAssertNotEqual(frozen.status, 0, "frozen:\(reference)")
            XCTAssertTrue(frozen.stderr.contains("not a run id") || frozen.stderr.contains("no run '\(reference)'"),
                          "frozen:\(reference): \(frozen.stderr)")
            assertUntouched(project, "'\(reference)'")
        }
        let knn = try harness.run(["knn", "--features", project.path, "--data", harness.data.path, "--runs", harness.runs.path])
        XCTAssertNotEqual(knn.status, 0)
        XCTAssertTrue(knn.stderr.contains("not a run id"), knn.stderr)
        XCTAssertEqual(try run.readStatus().state, .finished, "the real run is untouched")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.configURL.path))
        // The run itself, by id and by prefix, still works.
        XCTAssertEqual(try harness.run(["show", run.id.rawValue, "--runs", harness.runs.path]).status, 0)
        let removed = try harness.run(["rm", String(run.id.rawValue.prefix(17)), "--yes", "--runs", harness.runs.path])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.url.path), "rm by unique prefix deletes the run")
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.path))
    }
}
