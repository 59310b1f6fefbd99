#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RunStore

/// The last place to say what went wrong when the run directory cannot be written (a full
/// disk): standard error and the system log.
enum SystemLog {
    static func error(_ message: String) {
        let line = Array("\(ISOTime.format(Date())) \(message)\n".utf8)
        try? AtomicFile.writeAll(STDERR_FILENO, line, path: "standard error")
        openlog("simlab", LOG_PID, LOG_USER)
        withVaList([message]) { vsyslog(LOG_ERR, "%s", $0) }
        closelog()
    }
}
