#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Starts a process that outlives its parent: a new session (no controlling terminal, so
/// closing the terminal or the dashboard sends it no SIGHUP), stdin from /dev/null and
/// stdout/stderr appended to a log file.
public enum DetachedProcess {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path of the running executable (so a worker is the same build as its launcher).
    public static var currentExecutable: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return path
        }
        return CommandLine.arguments[0]
    }

    /// glibc's POSIX_SPAWN_SETSID (a GNU extension the Swift importer does not see).
    static let spawnSetSessionFlag: Int32 = 0x80

    /// Spawns `executable arguments…` detached; returns its pid.
    public static func spawn(executable: String, arguments: [String], logPath: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> pid_t {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        // Nothing else of the launcher's: an inherited pipe would keep whoever reads its
        // other end (a shell's `$(simlab train --detach)`, a test) waiting for the worker.
        closeInheritedDescriptors(&fileActions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session, and default signal handling/mask whatever the parent had.
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(spawnSetSessionFlag | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &fileActions, &attributes, argv, envp)
        guard result == 0 else {
            throw LaunchError(description: "could not start \(executable): \(String(cString: strerror(result)))")
        }
        // Reap it in the background if we are still around when it exits (no zombies
        // while a dashboard that launched it stays open).
        let child = pid
        Thread.detachNewThread {
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
        }
        return child
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+; not visible to the importer).
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Makes the child close every descriptor from 3 up; without closefrom, marks this
    /// process's descriptors close-on-exec instead.
    static func closeInheritedDescriptors(_ fileActions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom, addCloseFrom(&fileActions, 3) == 0 { return }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in names.compactMap({ Int32($0) }) where descriptor >= 3 {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
