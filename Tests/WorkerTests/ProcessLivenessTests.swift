#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RunStore
import XCTest

/// A killed worker stays a zombie until its parent (often an init that reaps late, or
/// none) collects it; it must already count as gone, or `simlab runs` keeps showing a dead
/// run as running and `resume` refuses it.
final class ProcessLivenessTests: XCTestCase {
    func testAnExitedUnreapedChildIsNotAlive() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/true", nil, nil, argv, environ), 0, "spawn /bin/true")
        defer { var status: Int32 = 0; waitpid(pid, &status, 0) }
        let deadline = Date().addingTimeInterval(10)
        while !ProcessLiveness.isZombie(pid: pid) && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(ProcessLiveness.isZombie(pid: pid), "child \(pid) exited and was not reaped")
        XCTAssertEqual(kill(pid, 0), 0, "a zombie still answers kill(pid, 0)")
        XCTAssertFalse(ProcessLiveness.isAlive(pid: pid), "a zombie counts as gone")
        XCTAssertTrue(ProcessLiveness.isAlive(pid: getpid()), "this process is alive")
        XCTAssertFalse(ProcessLiveness.isZombie(pid: getpid()))
    }
}

/// A detached worker keeps none of its launcher's descriptors: a pipe the launcher
/// inherited (a script reading `simlab train --detach`'s output, a test harness) reaches
/// end-of-file when the launcher exits, not when the training ends.
final class DetachedDescriptorTests: XCTestCase {
    func testWorkerDoesNotHoldTheLaunchersPipe() throws {
        let harness = try SimlabHarness(self)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])   // both inheritable (no close-on-exec)
        defer { close(readEnd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [harness.binary, "train"] + SimlabHarness.tinyModel
            + ["--epochs", "3", "--no-knn-eval", "--data", harness.data.path, "--runs", harness.runs.path, "--detach"]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        XCTAssertEqual(posix_spawn(&pid, harness.binary, &actions, nil, argv, environ), 0, "spawn simlab train --detach")
        close(writeEnd)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        XCTAssertEqual(status, 0, "train --detach exit status")

        // With the launcher gone, nobody else may hold the write end: EOF within seconds.
        var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&poller, 1, 10_000), 1, "the pipe is readable (EOF) once the launcher exited")
        var byte: UInt8 = 0
        XCTAssertEqual(read(readEnd, &byte, 1), 0, "end of file: the worker did not inherit the pipe")
        let run = try XCTUnwrap(RunCatalog(root: harness.runs).runDirectories().first, "the run was created")
        XCTAssertFalse(try run.readStatus().state.isTerminal, "the worker is still training at that point")
    }
}
