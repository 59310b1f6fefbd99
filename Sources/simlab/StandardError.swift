#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Messages and the progress bar on stderr. Written with `fputs`, so a closed pipe
/// (`simlab train … 2>&1 | head`) is an ignored write error, not a crash; the SIGPIPE it
/// raises stops the run with a checkpoint (`ControlSignalReceiver`).
enum StandardError {
    static func write(_ text: String) {
        fputs(text, stderr)
        fflush(stderr)
    }
}
