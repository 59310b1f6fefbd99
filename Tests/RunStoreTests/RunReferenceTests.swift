import XCTest
@testable import RunStore

/// A typed RUN resolves only to a run folder directly inside the runs directory, by exact id
/// or unique id prefix: never a path, `.`, `..`, a name with `/`, or a symlink out of it.
final class RunReferenceTests: XCTestCase {
    private func config() -> RunConfig {
        RunConfig(name: "r", model: "nsn-lite", variant: "conv", dataDirectory: "/d", seed: 1, threads: 1, epochs: 1,
                  createdAt: Date(timeIntervalSince1970: 1_795_338_000), codeVersion: "test")
    }

    /// `base/runs` with runs `20261122-120000-aaaa`, `20261122-120000-aabb`, `20261123-090000-cccc`,
    /// and `base/project` (a folder with a config.json that is not a run of `runs`).
    private func fixture() throws -> (base: URL, catalog: RunCatalog) {
        let base = try makeTemporaryDirectory(self)
        let runs = base.appendingPathComponent("runs")
        let catalog = RunCatalog(root: runs)
        for id in ["20261122-120000-aaaa", "20261122-120000-aabb", "20261123-090000-cccc"] {
            let run = catalog.directory(for: RunID(id))
            try FileManager.default.createDirectory(at: run.url, withIntermediateDirectories: true)
            try run.writeConfig(config())
        }
        let project = base.appendingPathComponent("project")
        try FileManager.default.createDirectory(at: project.appendingPathComponent("src"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: project.appendingPathComponent("config.json"))
        return (base, catalog)
    }

    private func assertRefused(_ reference: String, by catalog: RunCatalog, _ expected: RunReferenceError,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try catalog.resolve(reference), "'\(reference)'", file: file, line: line) { error in
            XCTAssertEqual(error as? RunReferenceError, expected, "'\(reference)'", file: file, line: line)
        }
    }

    func testExactIdAndUniquePrefixResolve() throws {
        let (_, catalog) = try fixture()
        XCTAssertEqual(try catalog.resolve("20261122-120000-aaaa").id.rawValue, "20261122-120000-aaaa")
        XCTAssertEqual(try catalog.resolve("20261123").id.rawValue, "20261123-090000-cccc")
        XCTAssertEqual(try catalog.resolve("20261122-120000-aab").id.rawValue, "20261122-120000-aabb")
        XCTAssertEqual(try catalog.resolve("20261123").url, catalog.root.appendingPathComponent("20261123-090000-cccc"))
        assertRefused("20261122", by: catalog, .ambiguous(reference: "20261122", matches: ["20261122-120000-aaaa", "20261122-120000-aabb"]))
        assertRefused("2027", by: catalog, .noMatch(reference: "2027", runs: catalog.root.path))
        assertRefused("  ", by: catalog, .empty)
        assertRefused("", by: catalog, .empty)
    }

    func testPathsDotAndDotDotAreNeverRuns() throws {
        let (base, catalog) = try fixture()
        let run = catalog.root.appendingPathComponent("20261123-090000-cccc").path
        for reference in [".", "..", "./", "../project", base.appendingPathComponent("project").path, run,
                          "runs/20261123-090000-cccc", "20261123-090000-cccc/", "./20261123-090000-cccc",
                          "20261123-090000-cccc/.."] {
            assertRefused(reference, by: catalog, .notAnID(reference: reference))
        }
        XCTAssertThrowsError(try catalog.resolve(".loc"), "a hidden name is no run")
    }

    func testASymlinkOutOfTheRunsDirectoryIsNoRun() throws {
        let (base, catalog) = try fixture()
        let link = catalog.root.appendingPathComponent("20261124-000000-dddd")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: base.appendingPathComponent("project"))
        let renamed = catalog.root.appendingPathComponent("elsewhere")
        try FileManager.default.createSymbolicLink(at: renamed, withDestinationURL: base.appendingPathComponent("project"))
        assertRefused("20261124-000000-dddd", by: catalog, .noMatch(reference: "20261124-000000-dddd", runs: catalog.root.path))
        assertRefused("elsewhere", by: catalog, .noMatch(reference: "elsewhere", runs: catalog.root.path))
        XCTAssertEqual(catalog.runDirectories().map(\.id.rawValue),
                       ["20261122-120000-aaaa", "20261122-120000-aabb", "20261123-090000-cccc"],
                       "links out of the runs directory are not listed (so the dashboard cannot delete through them)")
        XCTAssertNil(catalog.find("20261124"))
    }

    func testErrorsSayWhatRUNIs() {
        XCTAssertEqual(RunReferenceError.notAnID(reference: ".").description,
                       "'.' is not a run id: RUN is a run id or a unique prefix of one from `simlab runs`, never a path")
        XCTAssertTrue(RunReferenceError.ambiguous(reference: "2026", matches: ["a", "b"]).description.contains("matches 2 runs: a, b"))
    }
}
