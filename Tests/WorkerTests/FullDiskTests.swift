#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// The real binary on a real full disk (a small tmpfs): the worker ends the run `failed`
/// with the reason instead of trapping, and the run resumes once space is freed.
final class FullDiskTests: XCTestCase {
    /// Mounts a tmpfs of `megabytes` at `root/small-disk`, unmounted when the test ends
    /// (after the test's workers are killed). Skips where mounting is impossible.
    private func mountSmallDisk(_ harness: SimlabHarness, megabytes: Int) throws -> URL {
        let mountPoint = harness.root.appendingPathComponent("small-disk")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        guard mount("tmpfs", mountPoint.path, "tmpfs", 0, "size=\(megabytes)m,mode=0755") == 0 else {
            let reason = String(cString: strerror(errno))
            throw XCTSkip("cannot mount a tmpfs at \(mountPoint.path) (\(reason)): this test needs root or CAP_SYS_ADMIN "
                          + "to give the worker a disk that fills up")
        }
        let runs = mountPoint.appendingPathComponent("runs")
        addTeardownBlock {
            SimlabHarness.killWorkers(in: runs)
            umount2(mountPoint.path, Int32(MNT_DETACH))
        }
        return mountPoint
    }

    /// Writes zeros into `url` until the file system says it is full; returns the errno seen.
    private func fill(_ url: URL) -> Int32 {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let block = [UInt8](repeating: 0, count: 1 << 16)
        for size in [1 << 16, 4096, 1] {
            while true {
                let n = block.withUnsafeBytes { write(fd, $0.baseAddress!, size) }
                if n < size { break }
            }
        }
        let n = block.withUnsafeBytes { write(fd, $0.baseAddress!, 1) }
        return n < 0 ? errno : 0
    }

    /// Appends newlines to `url` until the file system refuses; returns the errno seen.
    private func padWithNewlines(_ url: URL) -> Int32 {
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var newline: UInt8 = 0x0A
        while write(fd, &newline, 1) == 1 {}
        return errno
    }

    func testAFullDiskFailsTheRunWithTheReasonAndItResumesOnceSpaceIsFreed() throws {
        let harness = try SimlabHarness(self)
        let disk = try mountSmallDisk(harness, megabytes: 8)
        let smallRuns = disk.appendingPathComponent("runs")
        let epochs = 6
        // The same run on an ordinary disk, uninterrupted: what the resumed run must repeat.
        let reference = try harness.launch(epochs: epochs)
        let run = try harness.launch(epochs: epochs, runs: smallRuns)

        // Hold it paused after its first checkpoint, fill the disk, let it go on.
        try harness.waitUntil("the epoch-1 checkpoint", run: run) {
            FileManager.default.fileExists(atPath: run.checkpointURL(epoch: 1).path)
        }
        XCTAssertEqual(try harness.run(["pause", run.id.rawValue, "--runs", smallRuns.path]).status, 0)
        XCTAssertEqual(try harness.waitForState(run, [.paused, .finished, .failed]).state, .paused)
        XCTAssertEqual(fill(disk.appendingPathComponent("filler")), ENOSPC, "the tmpfs is full")
        // Also the slack in worker.log's last page, so the worker's very next log line fails
        // (where `FileHandle.write` used to trap).
        XCTAssertEqual(padWithNewlines(run.workerLogURL), ENOSPC, "worker.log cannot grow")
        let resumeSignal = try harness.run(["resume", run.id.rawValue, "--runs", smallRuns.path])
        XCTAssertEqual(resumeSignal.status, 0, resumeSignal.stderr)

        let failed = try harness.waitForState(run, [.failed, .finished, .stopped], timeout: 120)
        XCTAssertEqual(failed.state, .failed, "a full disk ends the run failed")
        XCTAssertTrue(failed.lastError?.contains("No space left on device") ?? false,
                      "status.json records the reason: \(failed.lastError ?? "nil")")
        XCTAssertNotNil(failed.finishedAt)
        if let pid = failed.pid {
            try harness.waitUntil("the worker to exit", run: run, timeout: 30) { SimlabHarness.isGone(pid) }
        }
        let show = try harness.run(["show", run.id.rawValue, "--runs", smallRuns.path])
        XCTAssertTrue(show.stdout.contains("No space left on device"), "`simlab show` gives the reason:\n\(show.stdout)")

        // Space freed: resume continues from the newest intact checkpoint and finishes with
        // the uninterrupted run's numbers.
        try FileManager.default.removeItem(at: disk.appendingPathComponent("filler"))
        let resumed = try harness.run(["resume", run.id.rawValue, "--runs", smallRuns.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try harness.waitForState(run, [.finished, .failed, .stopped], timeout: 180).state, .finished)
        XCTAssertEqual(try harness.waitForState(reference, [.finished, .failed, .stopped], timeout: 180).state, .finished)
        let log = LogTail.lastLines(of: run.workerLogURL, count: 400).joined(separator: "\n")
        XCTAssertTrue(log.range(of: #"resumed from epoch-00\d\.ckpt"#, options: .regularExpression) != nil, log)
        let history = SimlabHarness.deterministic(run)
        XCTAssertEqual(history.filter { $0.interval == "epoch" }.map(\.epoch), (1...epochs).flatMap { [$0, $0, $0] },
                       "epochs 1...\(epochs) once each")
        assertSameHistory(history, SimlabHarness.deterministic(reference), "run resumed after a full disk vs the uninterrupted run")
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: run.url.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")
    }
}
