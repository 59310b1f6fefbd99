#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNcursesw

/// Restores the terminal on every way out of the process: normal exit (atexit) and fatal
/// signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL).
/// The signal handler calls `endwin`, puts back the handler that was there before (the
/// default action, or the runtime's crash reporter, which now prints on a sane terminal)
/// and re-raises the signal.
enum TerminalGuard {
    /// True while the screen is in program mode and must be restored.
    nonisolated(unsafe) static var active = false
    nonisolated(unsafe) static var atexitInstalled = false
    nonisolated(unsafe) static var previous: [(Int32, sigaction)] = []

    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL]

    static func restoreTerminal() {
        if active { active = false; endwin() }
    }

    /// Installs the handlers (before the screen is opened; `active` is set by the caller).
    static func install() {
        if !atexitInstalled {
            atexitInstalled = true
            atexit { TerminalGuard.restoreTerminal() }
        }
        guard previous.isEmpty else { return }
        for signal in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { signal in TerminalGuard.handle(signal) }
            #else
            action.__sigaction_u.__sa_handler = { signal in TerminalGuard.handle(signal) }
            #endif
            action.sa_flags = 0
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            if sigaction(signal, &action, &old) == 0 { previous.append((signal, old)) }
        }
    }

    static func handle(_ signal: Int32) {
        restoreTerminal()
        if let index = previous.firstIndex(where: { $0.0 == signal }) {
            var old = previous[index].1
            sigaction(signal, &old, nil)
        } else {
            var fallback = sigaction()
            sigemptyset(&fallback.sa_mask)
            sigaction(signal, &fallback, nil)   // zeroed handler = SIG_DFL
        }
        // Blocked until this handler returns; then the restored handler (or the default
        // action) takes over. A fault re-faults into it on return.
        raise(signal)
    }

    /// Puts back the handlers that were installed before `install`.
    static func uninstall() {
        active = false
        for (signal, old) in previous {
            var action = old
            sigaction(signal, &action, nil)
        }
        previous = []
    }
}
