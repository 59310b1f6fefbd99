#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// Drives the real `simlab` binary against a temporary runs directory and a synthetic
/// dataset: runs commands, waits on conditions in the run files, and kills any worker it
/// left behind when the test ends.
final class SimlabHarness {
    let root: URL
    let runs: URL
    let data: URL
    let binary: String

    /// The tiny model and schedule every worker test trains (about a second per epoch in a
    /// debug build): 250 training images (50 held out), 8 steps per epoch.
    static let tinyModel = ["--model", "nsn-lite", "--variant", "static-diag", "--widths", "4,8", "--stem-width", "4",
                            "--blocks", "1", "--batch-size", "32", "--validation", "50", "--threads", "1",
                            "--log-every", "2", "--schedule", "cosine", "--lr", "0.05"]

    init(_ test: XCTestCase, file: StaticString = #filePath, line: UInt = #line) throws {
        binary = try SimlabHarness.locateBinary(file: file, line: line)
        root = FileManager.default.temporaryDirectory.appendingPathComponent("simlab-worker-test-\(UUID().uuidString)")
        runs = root.appendingPathComponent("runs")
        data = root.appendingPathComponent("data")
        try SyntheticIDXDataset.write(to: data)
        let root = self.root, runs = self.runs
        test.addTeardownBlock {
            SimlabHarness.killWorkers(in: runs)
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// `.build/<triple>/debug/simlab`, next to the test bundle (SIMLAB_BINARY overrides).
    static func locateBinary(file: StaticString, line: UInt) throws -> String {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["SIMLAB_BINARY"] { candidates.append(explicit) }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("simlab"))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("simlab").path)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("simlab").path)
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        XCTFail("the simlab binary is missing (looked at \(candidates.joined(separator: ", "))); "
                + "build it with `swift build --build-tests` (or set SIMLAB_BINARY)", file: file, line: line)
        throw XCTSkip("no simlab binary")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `simlab arguments…` to completion (in `directory` when given, else this
    /// process's; `environment` adds to or overrides the inherited variables, without
    /// SIMLAB_DATA and SIMLAB_RUNS unless given there).
    @discardableResult
    func run(_ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:],
             timeout: TimeInterval = 60) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "SIMLAB_DATA")
        environment.removeValue(forKey: "SIMLAB_RUNS")
        environment.merge(extra) { $1 }
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        // Output goes to files: a pipe would stay open as long as any process inherited it.
        let tag = UUID().uuidString
        let outURL = root.appendingPathComponent("out-\(tag)"), errURL = root.appendingPathComponent("err-\(tag)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? out.close(); try? err.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "simlab \(arguments) did not exit within \(Int(timeout)) s"])
        }
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// `simlab train … --detach`; returns the run directory (the id it printed).
    func launch(epochs: Int, seed: Int = 7, extra: [String] = ["--no-knn-eval"], data: URL? = nil, runs: URL? = nil,
                file: StaticString = #filePath, line: UInt = #line) throws -> RunDirectory {
        let runs = runs ?? self.runs
        let output = try run(["train"] + SimlabHarness.tinyModel
                             + ["--epochs", "\(epochs)", "--seed", "\(seed)", "--data", (data ?? self.data).path,
                                "--runs", runs.path, "--detach"] + extra)
        XCTAssertEqual(output.status, 0, "train --detach failed: \(output.stderr)", file: file, line: line)
        let id = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(id.isEmpty || id.contains("\n"), "train --detach should print only the run id, printed '\(output.stdout)'",
                       file: file, line: line)
        let run = RunDirectory(url: runs.appendingPathComponent(id))
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.configURL.path), "no config.json for printed id '\(id)'",
                      file: file, line: line)
        return run
    }

    // MARK: waiting

    /// Polls `condition` every 50 ms until it holds; fails with `what` (and the worker log)
    /// after `timeout` seconds.
    func waitUntil(_ what: String, run: RunDirectory? = nil, timeout: TimeInterval = 60,
                   file: StaticString = #filePath, line: UInt = #line, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return }
            usleep(50_000)
        }
        if condition() { return }
        let log = run.map { LogTail.lastLines(of: $0.workerLogURL, count: 15).joined(separator: "\n") } ?? ""
        let state = run.flatMap { try? $0.readStatus() }.map { "\($0.state.rawValue) epoch \($0.epoch) step \($0.step)" } ?? "-"
        XCTFail("timed out after \(Int(timeout)) s waiting for \(what) (status: \(state))\n\(log)", file: file, line: line)
        throw XCTSkip("gave up waiting for \(what)")
    }

    func waitForState(_ run: RunDirectory, _ states: Set<RunState>, timeout: TimeInterval = 90,
                      file: StaticString = #filePath, line: UInt = #line) throws -> RunStatus {
        try waitUntil("state \(states.map(\.rawValue).sorted()) of \(run.id)", run: run, timeout: timeout,
                      file: file, line: line) {
            (try? run.readStatus()).map { states.contains($0.state) } ?? false
        }
        return try run.readStatus()
    }

    // MARK: reading

    static func records(_ run: RunDirectory) -> [MetricRecord] {
        (try? MetricsTailReader(url: run.metricsURL).readNew().records) ?? []
    }

    static func metricsLineCount(_ run: RunDirectory) -> Int {
        guard let data = FileManager.default.contents(atPath: run.metricsURL.path) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// Everything a record says that does not depend on the clock.
    struct Deterministic: Equatable, CustomStringConvertible {
        var epoch: Int, step: Int, split: String, interval: String
        var loss: UInt64?, accuracy: UInt64?, lr: UInt64?
        init(_ r: MetricRecord) {
            epoch = r.epoch; step = r.step; split = r.split.rawValue; interval = r.interval?.rawValue ?? "-"
            loss = r.loss?.bitPattern; accuracy = r.accuracy?.bitPattern; lr = r.lr?.bitPattern
        }
        var description: String {
            let f = { (b: UInt64?) in b.map { "\(Double(bitPattern: $0))" } ?? "-" }
            return "e\(epoch) s\(step) \(split)/\(interval) loss \(f(loss)) acc \(f(accuracy)) lr \(f(lr))"
        }
    }

    static func deterministic(_ run: RunDirectory) -> [Deterministic] { records(run).map(Deterministic.init) }

    /// Kills (SIGKILL) the `simlab worker` processes whose run directory lies in `runs` (a
    /// fresh temporary path: only processes this test started), found through /proc so that
    /// a worker that has not yet written its pid is caught too; waits for them to exit, so
    /// none writes into the directory as it is removed.
    static func killWorkers(in runs: URL) {
        let prefix = runs.standardizedFileURL.path + "/"
        var killed: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.count >= 3, arguments[1] == "worker", arguments[2].hasPrefix(prefix) else { continue }
            kill(pid, SIGKILL)
            killed.append(pid)
        }
        let deadline = Date().addingTimeInterval(5)
        while !killed.allSatisfy(isGone) && Date() < deadline { usleep(20_000) }
    }

    /// Whether `pid` is a `simlab worker` process for this run (guards against pid reuse).
    static func isSimlabWorker(_ pid: Int32, runDirectory: RunDirectory) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains("worker") && arguments.contains { $0.hasSuffix(runDirectory.id.rawValue) }
    }
}

/// Asserts two metric histories agree record by record, naming the first difference.
func assertSameHistory(_ actual: [SimlabHarness.Deterministic], _ expected: [SimlabHarness.Deterministic],
                       _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    if actual == expected { return }
    let firstDifference = (0..<min(actual.count, expected.count)).first { actual[$0] != expected[$0] } ?? min(actual.count, expected.count)
    let got = firstDifference < actual.count ? actual[firstDifference].description : "nothing"
    let want = firstDifference < expected.count ? expected[firstDifference].description : "nothing"
    XCTFail("\(what): \(actual.count) records vs \(expected.count) expected; record \(firstDifference) is [\(got)], expected [\(want)]",
            file: file, line: line)
}
