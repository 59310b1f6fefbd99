import XCTest
@testable import RunStore

final class CheckpointTests: XCTestCase {
    let sample = Checkpoint(
        arrays: [NamedArray(name: "conv1.weight", shape: [2, 1, 3, 3], scalars: (0..<18).map { Float($0) * 0.37 - 3 }),
                 NamedArray(name: "bn.mean", shape: [2], scalars: [.pi, -.greatestFiniteMagnitude]),
                 NamedArray(name: "empty", shape: [0, 4], scalars: [])],
        metadata: ["epoch": 3, "step": 1290, "rng": ["0123456789abcdef", "fedcba9876543210"], "note": "é"])

    func testCRC32MatchesCheckValueAndBitwiseTwin() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 7, 8, 9, 63, 1000] {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(CRC32.checksum(bytes), CRC32.naive(bytes), "\(count) bytes")
            // Fed in two pieces, the running value is the same.
            var running = CRC32()
            bytes.withUnsafeBytes { all in
                running.update(UnsafeRawBufferPointer(rebasing: all[0..<(count / 3)]))
                running.update(UnsafeRawBufferPointer(rebasing: all[(count / 3)...]))
            }
            XCTAssertEqual(running.value, CRC32.naive(bytes), "\(count) bytes in two pieces")
        }
    }

    func testRoundTrip() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("checkpoints/epoch-003.ckpt")
        try CheckpointFile.write(sample, to: url)
        XCTAssertEqual(try CheckpointFile.read(from: url), sample)
        let files = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        XCTAssertEqual(files, ["epoch-003.ckpt"], "no temporary file left")
    }

    func decodeError(_ bytes: [UInt8]) -> CheckpointError? {
        do { _ = try CheckpointFile.decode(bytes, path: "/x.ckpt"); return nil } catch { return error as? CheckpointError }
    }

    func testDamagedFilesGiveDistinctErrors() {
        let good = CheckpointFile.encode(sample)
        var badMagic = good; badMagic[0] = UInt8(ascii: "X")
        guard case .badMagic? = decodeError(badMagic) else { return XCTFail("bad magic: \(String(describing: decodeError(badMagic)))") }

        var newer = good; newer[4] = 2
        XCTAssertEqual(decodeError(newer), .unsupportedVersion(path: "/x.ckpt", found: 2, supported: 1))

        for cut in [1, 3, 17, good.count / 2, good.count - 1] {
            guard case .truncated(_, let expected, let found)? = decodeError(Array(good.prefix(good.count - cut))) else {
                return XCTFail("cut \(cut) bytes: \(String(describing: decodeError(Array(good.prefix(good.count - cut)))))")
            }
            XCTAssertEqual(found, good.count - cut, "cut \(cut)")
            XCTAssertGreaterThan(expected, found, "cut \(cut)")
        }
        XCTAssertEqual(decodeError(good + [0]), .trailingBytes(path: "/x.ckpt", expectedBytes: good.count, foundBytes: good.count + 1))

        var flipped = good; flipped[good.count - 20] ^= 0x10  // inside the payload
        guard case .checksumMismatch? = decodeError(flipped) else { return XCTFail("flipped payload bit: \(String(describing: decodeError(flipped)))") }

        XCTAssertTrue(decodeError(badMagic)!.description.contains("/x.ckpt"))
    }
}

/// Where `resume` continues: the newest intact checkpoint, or a refusal when none is usable
/// and the run has recorded epochs.
final class ResumePointTests: XCTestCase {
    private let sample = Checkpoint(arrays: [NamedArray(name: "w", shape: [2], scalars: [1, 2])], metadata: [:])

    private func makeRun() throws -> RunDirectory {
        let run = RunDirectory(url: try makeTemporaryDirectory(self).appendingPathComponent("20261122-120000-abcd"))
        try run.createDirectory(run.url)
        return run
    }

    private func write(_ run: RunDirectory, _ name: String, age: TimeInterval, corrupt: Bool = false) throws {
        let url = run.checkpointURL(named: name)
        try CheckpointFile.write(sample, to: url)
        if corrupt {
            var bytes = [UInt8](try Data(contentsOf: url))
            bytes[bytes.count - 6] ^= 0x01
            try Data(bytes).write(to: url)
        }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
    }

    private func recordEpochs(_ run: RunDirectory, _ epochs: Int) throws {
        let writer = try MetricsWriter(url: run.metricsURL)
        for epoch in 0...epochs {
            try writer.append(MetricRecord(epoch: epoch, step: epoch * 8 + 2, split: .train, loss: 1, interval: .steps))
            if epoch > 0 { try writer.append(MetricRecord(epoch: epoch, step: epoch * 8, split: .val, loss: 1, interval: .epoch)) }
        }
        try writer.close()
    }

    func testCandidatesAreNewestFirstAndACorruptNewestFallsBack() throws {
        let run = try makeRun()
        try write(run, "epoch-001", age: 30)
        try write(run, "epoch-002", age: 20, corrupt: true)
        try write(run, "step-0000020", age: 10, corrupt: true)
        try run.markLatestCheckpoint(run.checkpointURL(named: "step-0000020"))
        XCTAssertEqual(try run.checkpointCandidates().map(\.lastPathComponent), ["step-0000020.ckpt", "epoch-002.ckpt", "epoch-001.ckpt"])
        let point = run.resumePoint()
        XCTAssertEqual(point.url?.lastPathComponent, "epoch-001.ckpt")
        XCTAssertEqual(point.checkpoint, sample)
        XCTAssertEqual(point.skipped.count, 2)
        XCTAssertTrue(point.skipped[0].hasPrefix("step-0000020.ckpt: ") && point.skipped[0].contains("checkpoint corrupt"), point.skipped[0])
        try recordEpochs(run, 2)
        XCTAssertNil(run.resumeRefusal(point))
    }

    func testARunWithRecordedEpochsAndNoUsableCheckpointIsRefused() throws {
        let run = try makeRun()
        XCTAssertNil(run.resumeRefusal(run.resumePoint()), "no epochs, no checkpoints: a fresh start is fine")
        try recordEpochs(run, 0)
        XCTAssertNil(run.resumeRefusal(run.resumePoint()), "step lines of a partial first epoch only")
        try recordEpochs(run, 2)
        XCTAssertEqual(run.lastRecordedEpoch(), 2)
        let none = try XCTUnwrap(run.resumeRefusal(run.resumePoint()))
        XCTAssertTrue(none.contains("has 2 recorded epochs but cannot be resumed: checkpoints/ holds no checkpoint"), none)

        try write(run, "epoch-001", age: 0, corrupt: true)
        let corrupt = try XCTUnwrap(run.resumeRefusal(run.resumePoint()))
        XCTAssertTrue(corrupt.contains("no checkpoint is intact (epoch-001.ckpt: ") && corrupt.contains("nothing was changed"), corrupt)

        try FileManager.default.removeItem(at: run.checkpointsURL)
        try Data("x".utf8).write(to: run.checkpointsURL)
        let file = try XCTUnwrap(run.resumeRefusal(run.resumePoint()))
        XCTAssertTrue(file.contains("is a file, not a folder of checkpoints"), file)
    }
}

/// Temporaries a killed writer left are removed when a worker takes the run; a live
/// writer's and files that only look similar are kept.
final class StaleTemporaryTests: XCTestCase {
    private func deadPid() -> Int32 {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)) ?? "4194304"
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))! + 1
    }

    func testOnlyTemporariesOfDeadWritersAreRemoved() throws {
        let run = RunDirectory(url: try makeTemporaryDirectory(self).appendingPathComponent("20261122-120000-abcd"))
        for folder in [run.url, run.checkpointsURL, run.kernelsURL] { try run.createDirectory(folder) }
        let dead = deadPid(), live = getpid()
        let stale = [".status.json.tmp-\(dead)-123", "checkpoints/.epoch-001.ckpt.tmp-\(dead)-9", "checkpoints/.latest.tmp-\(dead)",
                     "kernels/.epoch-002.json.tmp-\(dead)-77"]
        let kept = [".status.json.tmp-\(live)-5", "notes.tmp-\(dead)", ".hidden", "checkpoints/epoch-001.ckpt",
                    "checkpoints/.x.tmp-abc", "config.json"]
        for name in stale + kept { try Data("x".utf8).write(to: run.url.appendingPathComponent(name)) }
        XCTAssertEqual(run.removeStaleTemporaries().sorted(), stale.sorted())
        for name in stale { XCTAssertFalse(FileManager.default.fileExists(atPath: run.url.appendingPathComponent(name).path), name) }
        for name in kept { XCTAssertTrue(FileManager.default.fileExists(atPath: run.url.appendingPathComponent(name).path), name) }
        XCTAssertEqual(RunDirectory.writerPid(ofTemporary: ".status.json.tmp-12-34"), 12)
        XCTAssertEqual(RunDirectory.writerPid(ofTemporary: ".latest.tmp-56"), 56)
        XCTAssertNil(RunDirectory.writerPid(ofTemporary: ".tmp-12"))
        XCTAssertNil(RunDirectory.writerPid(ofTemporary: "status.json.tmp-12"))
        XCTAssertNil(RunDirectory.writerPid(ofTemporary: ".a.tmp-1-2-3"))
    }
}
