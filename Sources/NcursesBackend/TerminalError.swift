/// Why the terminal could not be opened.
public enum TerminalError: Error, CustomStringConvertible {
    /// stdin or stdout is not a terminal (a pipe, a file, a CI job).
    case notATerminal
    /// ncurses could not set up the terminal (unknown or missing TERM).
    case cannotInitialize(term: String)
    /// The terminal type cannot move the cursor (e.g. TERM=dumb), so no screen can be drawn.
    case cannotAddressCursor(term: String)

    public var description: String {
        switch self {
        case .notATerminal:
            return "the dashboard needs an interactive terminal, but stdin or stdout is not a TTY "
                + "(a pipe, a file or a background job). Run it directly in a terminal, or use the "
                + "non-interactive commands (e.g. `simlab runs`, `simlab show RUN`)."
        case .cannotInitialize(let term):
            return "cannot initialise the terminal \(term.isEmpty ? "(TERM is not set)" : "of type TERM=\(term)"); "
                + "set TERM to a known type such as xterm-256color."
        case .cannotAddressCursor(let term):
            return "the terminal type TERM=\(term) cannot move the cursor, so the dashboard cannot draw; "
                + "set TERM to a full-screen type such as xterm-256color, or use the non-interactive commands "
                + "(e.g. `simlab runs`, `simlab show RUN`)."
        }
    }
}
