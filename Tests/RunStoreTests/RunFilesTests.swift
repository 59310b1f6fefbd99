import XCTest
@testable import RunStore

final class RunFilesTests: XCTestCase {
    let created = Date(timeIntervalSince1970: 1_795_338_000)

    func sampleConfig(seed: UInt64 = 7) -> RunConfig {
        RunConfig(name: "diag baseline", model: "nsn-lite", variant: "static-diag", dataDirectory: "/data/fm",
                  seed: seed, threads: 2, epochs: 15, createdAt: created, codeVersion: "v0.1-3-gabc",
                  settings: ["lr": 0.1, "batchSize": 128, "knnAlpha": 0.01, "augment": true, "widths": [16, 32, 64]])
    }

    func testConfigRoundTripKeepsSettingsOrderAndWritesOnce() throws {
        let catalog = RunCatalog(root: try makeTemporaryDirectory(self))
        for seed: UInt64 in [7, UInt64.max] {
            let run = try catalog.createRun(config: sampleConfig(seed: seed), at: created)
            let back = try run.readConfig()
            XCTAssertEqual(back, sampleConfig(seed: seed), "seed \(seed)")
            XCTAssertEqual(back.settings.keys, ["lr", "batchSize", "knnAlpha", "augment", "widths"])
            XCTAssertThrowsError(try run.writeConfig(sampleConfig())) { error in
                XCTAssertEqual(error as? RunStoreError, .alreadyExists(path: run.configURL.path))
            }
            XCTAssertEqual(try run.readStatus().state, .queued, "a created run starts queued")
        }
    }

    func testStatusRoundTripAndContractKeys() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        var full = RunStatus(state: .running, pid: 4242, epoch: 3, step: 1290, totalSteps: 6450, heartbeat: created,
                             lastError: "none", startedAt: created.addingTimeInterval(-60), finishedAt: nil,
                             imagesPerSecond: 812.5, etaSeconds: 93)
        full.pidStartTime = 123_456_789
        full.worker = .localProcess(4242, host: "node7")
        let minimal = RunStatus(state: .queued, heartbeat: created)
        for status in [full, minimal] {
            try run.writeStatus(status)
            XCTAssertEqual(try run.readStatus(), status)
        }
        try run.writeStatus(full)
        let object = try XCTUnwrap(try JSONValue.parse(AtomicFile.read(run.statusURL)).objectValue)
        XCTAssertEqual(Array(object.keys.prefix(7)), ["schemaVersion", "state", "pid", "epoch", "step", "totalSteps", "heartbeat"])
        XCTAssertEqual(object["heartbeat"], "2026-11-22T09:00:00Z")
        XCTAssertEqual(object["state"], "running")
        XCTAssertEqual(object["pidStartTime"], 123_456_789)
        var claimed = minimal
        claimed.claimForCurrentProcess()
        XCTAssertEqual(claimed.pid, getpid())
        XCTAssertEqual(claimed.pidStartTime, ProcessLiveness.startTime(pid: getpid()))
        XCTAssertNotNil(claimed.pidStartTime, "Linux /proc gives the start time")
        claimed.state = .running
        claimed.heartbeat = Date().addingTimeInterval(-600)
        XCTAssertEqual(WorkerPresence.of(claimed), .alive(.localProcess(getpid())), "the same process, though silent")
        var reused = claimed
        reused.pidStartTime = claimed.pidStartTime! + 1
        XCTAssertEqual(WorkerPresence.of(reused), .none, "another process's start time")
        var unknown = claimed
        unknown.pidStartTime = nil
        XCTAssertEqual(WorkerPresence.of(unknown), .none, "no start time and a silent heartbeat: not vouched for")
        unknown.heartbeat = Date()
        XCTAssertEqual(WorkerPresence.of(unknown), .alive(.localProcess(getpid())), "no start time, fresh heartbeat")
        claimed.releaseWorker()
        XCTAssertNil(claimed.pid)
        XCTAssertNil(claimed.pidStartTime)
    }

    func testStatusReplacementLeavesNoTemporaryFiles() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        for step in 0..<50 { try run.writeStatus(RunStatus(state: .running, pid: 1, step: step, heartbeat: created)) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.url.path), ["status.json"])
        XCTAssertEqual(try run.readStatus().step, 49)
    }

    func testUnknownSchemaVersionAndMalformedFilesAreClearErrors() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        let cases: [(String, RunStoreError)] = [
            (#"{"schemaVersion": 2, "state": "running", "heartbeat": "2026-11-22T09:00:00Z"}"#,
             .unsupportedSchemaVersion(path: run.statusURL.path, found: 2, supported: 1)),
            (#"{"state": "running"}"#, .unsupportedSchemaVersion(path: run.statusURL.path, found: nil, supported: 1)),
            (#"{"schemaVersion": 1, "state": "dancing", "heartbeat": "2026-11-22T09:00:00Z"}"#,
             .malformed(path: run.statusURL.path, reason: "unknown state \"dancing\"")),
        ]
        for (text, expected) in cases {
            try Data(text.utf8).write(to: run.statusURL)
            XCTAssertThrowsError(try run.readStatus(), text) { XCTAssertEqual($0 as? RunStoreError, expected, text) }
        }
        for text in ["", "{\"schemaVersion\": 1, \"state\": ", #"{"schemaVersion": 1, "state": "running", "heartbeat": "yesterday"}"#] {
            try Data(text.utf8).write(to: run.statusURL)
            XCTAssertThrowsError(try run.readStatus(), text) { error in
                guard case .malformed(let path, _)? = error as? RunStoreError else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(path, run.statusURL.path)
            }
        }
        XCTAssertThrowsError(try run.readConfig()) { XCTAssertEqual($0 as? RunStoreError, .missingFile(path: run.configURL.path)) }
    }

    func testSnapshotsAndPaths() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        XCTAssertEqual(run.kernelSnapshotURL(epoch: 3).path, run.url.path + "/kernels/epoch-003.json")
        XCTAssertEqual(run.knnSnapshotURL(epoch: 12).path, run.url.path + "/knn/epoch-012.json")
        XCTAssertEqual(run.checkpointURL(epoch: 1).path, run.url.path + "/checkpoints/epoch-001.ckpt")
        XCTAssertEqual(run.neighboursURL.lastPathComponent, "neighbours.json")
        XCTAssertEqual(run.evaluationURL.lastPathComponent, "evaluation.json")
        XCTAssertEqual(run.neighbourImagesURL.lastPathComponent, "neighbours-images.bin")
        try run.writeJSON(["layer": "conv1", "m": [1, 0.5]] as JSONValue, to: run.kernelSnapshotURL(epoch: 3))
        try run.writeJSON(["wrong": 0.25] as [String: Double], to: run.knnSnapshotURL(epoch: 2))
        try run.writeJSON(["wrong": 0.125] as [String: Double], to: run.knnSnapshotURL(epoch: 10))
        XCTAssertEqual(try run.readJSON(from: run.kernelSnapshotURL(epoch: 3)), ["layer": "conv1", "m": [1, 0.5]])
        XCTAssertEqual(try run.readJSON(from: run.knnSnapshotURL(epoch: 10)), ["wrong": 0.125])
        XCTAssertEqual(run.snapshotEpochs(in: run.knnURL), [2, 10])
    }

    func testLatestCheckpointFollowsLinkThenFallsBackToNewestEpoch() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        XCTAssertNil(run.latestCheckpoint())
        for epoch in [1, 2, 3] { try CheckpointFile.write(Checkpoint(metadata: ["epoch": .number(Double(epoch))]), to: run.checkpointURL(epoch: epoch)) }
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, "epoch-003.ckpt")
        try run.markLatestCheckpoint(run.checkpointURL(epoch: 2))
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, "epoch-002.ckpt")
        XCTAssertEqual(try CheckpointFile.read(from: run.latestCheckpointURL).metadata["epoch"], 2)
        XCTAssertNil(run.missingLatestCheckpointTarget())
        try FileManager.default.removeItem(at: run.checkpointURL(epoch: 2))
        XCTAssertEqual(run.missingLatestCheckpointTarget(), "epoch-002.ckpt", "a dangling link is reported")
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, "epoch-003.ckpt", "and the newest epoch is used")
    }

    func testRunNamesArePrintedWithoutControlCharacters() {
        var config = RunConfig(name: "a\u{1B}[2Jb\nc\td", model: "nsn-lite", variant: "conv", dataDirectory: "/d",
                               seed: 1, threads: 1, epochs: 1, createdAt: created, codeVersion: "test")
        XCTAssertEqual(config.printableName, "a?[2Jb?c?d")
        config.name = "variants-conv-é-s0"
        XCTAssertEqual(config.printableName, "variants-conv-é-s0")
        XCTAssertNotNil(RunConfig.problem(withName: "two\nlines"))
        XCTAssertNotNil(RunConfig.problem(withName: String(repeating: "x", count: 201)))
        XCTAssertNil(RunConfig.problem(withName: "lr 0.05, seed 3 (café)"))
    }

    func testRunIDsSortByCreationTime() {
        var ids: [RunID] = []
        for k in 0..<20 { ids.append(RunID.generate(at: created.addingTimeInterval(Double(k * 37)))) }
        XCTAssertEqual(ids.sorted(), ids)
        XCTAssertEqual(ids[0].rawValue.prefix(16), "20261122-090000-")
        XCTAssertEqual(ids[0].rawValue.count, 20)
        XCTAssertEqual(ids[3].creationDate, created.addingTimeInterval(111))
        XCTAssertNil(RunID("my-renamed-run").creationDate)
    }
}

/// The full-disk fallback of status.json: overwritten in place, padded to its old length.
final class OverwriteInPlaceTests: XCTestCase {
    func testAShorterStatusIsPaddedAndStillReadsBack() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self))
        var long = RunStatus(state: .running)
        long.lastError = String(repeating: "x", count: 300)
        try run.writeStatus(long)
        let oldSize = try Data(contentsOf: run.statusURL).count
        var short = RunStatus(state: .failed)
        short.lastError = "No space left on device"
        let bytes = JSONWriter.bytes(short.json, pretty: true)
        XCTAssertLessThan(bytes.count, oldSize)
        try AtomicFile.overwriteInPlace(bytes, at: run.statusURL)
        XCTAssertEqual(try Data(contentsOf: run.statusURL).count, oldSize, "no truncation: the blocks it had are reused")
        let read = try run.readStatus()
        XCTAssertEqual(read.state, .failed)
        XCTAssertEqual(read.lastError, "No space left on device")
        XCTAssertTrue(AtomicFile.isOutOfSpace(RunStoreError.io(path: "/x", operation: "write", errno: ENOSPC)))
        XCTAssertFalse(AtomicFile.isOutOfSpace(RunStoreError.io(path: "/x", operation: "write", errno: EACCES)))
    }

    func testCreateDirectoryNamesTheSystemsReason() throws {
        let base = try makeTemporaryDirectory(self)
        try AtomicFile.createDirectory(base.appendingPathComponent("a/b/c").path)
        try AtomicFile.createDirectory(base.appendingPathComponent("a/b/c").path)  // existing is fine
        try Data("x".utf8).write(to: base.appendingPathComponent("file"))
        XCTAssertThrowsError(try AtomicFile.createDirectory(base.appendingPathComponent("file/sub").path)) { error in
            XCTAssertTrue("\(error)".contains("Not a directory"), "\(error)")
        }
        XCTAssertThrowsError(try AtomicFile.createDirectory(base.appendingPathComponent("file").path)) { error in
            XCTAssertTrue("\(error)".contains("mkdir failed: Not a directory"), "\(error)")
        }
    }
}
