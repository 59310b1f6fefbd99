#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNcursesw

/// Restores the terminal on every way out of the process: normal exit (atexit) and fatal
/// signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL),
/// which call `endwin` and then re-raise the signal with its default action.
enum TerminalGuard {
    nonisolated(unsafe) static var active = false
    nonisolated(unsafe) static var atexitInstalled = false
    nonisolated(unsafe) static var previous: [(Int32, sigaction)] = []

    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL]

    static func install() {
        active = true
        if !atexitInstalled {
            atexitInstalled = true
            atexit { if TerminalGuard.active { TerminalGuard.active = false; endwin() } }
        }
        previous = []
        for signal in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { signal in
                if TerminalGuard.active { TerminalGuard.active = false; endwin() }
                raise(signal)   // the handler was reset to the default: this terminates as usual
            }
            action.sa_flags = Int32(SA_RESETHAND)
            #else
            action.__sigaction_u.__sa_handler = { signal in
                if TerminalGuard.active { TerminalGuard.active = false; endwin() }
                raise(signal)
            }
            action.sa_flags = SA_RESETHAND
            #endif
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            if sigaction(signal, &action, &old) == 0 { previous.append((signal, old)) }
        }
    }

    static func uninstall() {
        active = false
        for (signal, old) in previous {
            var action = old
            sigaction(signal, &action, nil)
        }
        previous = []
    }
}
