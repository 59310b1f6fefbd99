import Foundation

/// Whether a process id still names a process (`kill(pid, 0)`).
public enum ProcessLiveness {
    /// False only when the system says there is no such process (ESRCH). A process owned by
    /// another user (EPERM) counts as alive.
    public static func isAlive(pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno != ESRCH
    }
}
