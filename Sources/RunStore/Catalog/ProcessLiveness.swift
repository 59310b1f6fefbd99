import Foundation

/// Whether a process id still names a running process (`kill(pid, 0)`, zombies excluded).
public enum ProcessLiveness {
    /// False when the system says there is no such process (ESRCH) or when the process has
    /// exited and waits to be reaped (a zombie: a killed worker whose parent has not yet
    /// collected it still answers `kill(pid, 0)`). A process owned by another user (EPERM)
    /// counts as alive.
    public static func isAlive(pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return !isZombie(pid: pid) }
        return errno != ESRCH
    }

    /// The process's start time in clock ticks after boot (/proc/PID/stat field 22), or nil.
    public static func startTime(pid: Int32) -> UInt64? {
        guard let fields = statFields(pid: pid), fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// Whether /proc says the process is a zombie (state `Z`); false where there is no /proc.
    public static func isZombie(pid: Int32) -> Bool {
        statFields(pid: pid)?.first == "Z"
    }

    /// The fields of /proc/PID/stat after the command name: field 3 (state) first, so field
    /// N is at index N − 3. nil where there is no /proc or no such process.
    private static func statFields(pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
