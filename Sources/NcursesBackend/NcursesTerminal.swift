#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNcursesw
import TerminalUI

/// The full-screen terminal: puts cell buffers on screen (sending only cells that changed
/// since the last frame) and reads keys. The only type that calls ncurses.
///
///     try NcursesTerminal.withTerminal { terminal in
///         var buffer = terminal.makeBuffer()
///         while true {
///             render(state, into: &buffer)          // widgets, pure
///             terminal.draw(buffer)
///             if let key = terminal.readKey(timeoutMilliseconds: 100) { … }
///         }
///     }
public final class NcursesTerminal {
    public struct Options: Sendable {
        /// Raw mode: Ctrl-C and Ctrl-Z arrive as keys (`.ctrl("c")`) instead of signals.
        public var rawKeys: Bool
        /// How long (ms) to wait after Esc for the rest of an escape sequence.
        public var escapeDelayMilliseconds: Int
        /// Ignore colours even if the terminal has them.
        public var forceMonochrome: Bool

        public init(rawKeys: Bool = true, escapeDelayMilliseconds: Int = 25, forceMonochrome: Bool = false) {
            self.rawKeys = rawKeys
            self.escapeDelayMilliseconds = escapeDelayMilliseconds
            self.forceMonochrome = forceMonochrome
        }
    }

    /// What the terminal can show; pick the theme with `Theme.forColorMode(colorMode)`.
    public private(set) var colorMode: ColorMode = .monochrome
    /// The theme matching `colorMode`.
    public var theme: Theme { Theme.forColorMode(colorMode) }

    private var screen: OpaquePointer?
    private let window: UnsafeMutablePointer<WINDOW>
    private var previous: CellBuffer?
    private var pairs: [PairKey: Int16] = [:]
    private var nextPair: Int32 = 1
    private var colorCount = 0
    private var defaultColors = false
    private var running = true

    private struct PairKey: Hashable {
        var foreground: Int16
        var background: Int16
    }

    /// Opens the terminal (alternate screen, no echo, keypad, hidden cursor, colours).
    /// - Throws: `TerminalError.notATerminal` when stdin or stdout is not a TTY;
    ///   `TerminalError.cannotInitialize` when ncurses does not know the terminal;
    ///   `TerminalError.cannotAddressCursor` when it cannot draw a full screen (TERM=dumb).
    public init(options: Options = Options()) throws {
        guard isatty(0) == 1 && isatty(1) == 1 else { throw TerminalError.notATerminal }
        setlocale(LC_ALL, "")
        if cnc_locale_is_utf8() == 0 {
            // Braille, blocks and box drawing need a UTF-8 locale.
            if setlocale(LC_CTYPE, "C.UTF-8") == nil { setlocale(LC_CTYPE, "en_US.UTF-8") }
        }
        TerminalGuard.install()
        guard let screen = newterm(nil, stdout, stdin) else {
            TerminalGuard.uninstall()
            throw TerminalError.cannotInitialize(term: getenv("TERM").map { String(cString: $0) } ?? "")
        }
        set_term(screen)
        guard cnc_can_address_cursor() != 0 else {
            endwin()
            delscreen(screen)
            TerminalGuard.uninstall()
            throw TerminalError.cannotAddressCursor(term: getenv("TERM").map { String(cString: $0) } ?? "")
        }
        TerminalGuard.active = true
        self.screen = screen
        window = cnc_stdscr()
        if options.rawKeys { raw() } else { cbreak() }
        noecho()
        nonl()
        keypad(window, true)
        intrflush(window, false)
        curs_set(0)
        set_escdelay(Int32(options.escapeDelayMilliseconds))
        leaveok(window, true)
        if has_colors() && !options.forceMonochrome {
            start_color()
            defaultColors = use_default_colors() == cnc_ok()
            colorCount = Int(cnc_colors())
            colorMode = ColorMode.forColorCount(colorCount)
        }
    }

    deinit { stop() }

    /// Runs `body` with an open terminal and restores the terminal afterwards, whether
    /// `body` returns or throws.
    public static func withTerminal<T>(options: Options = Options(),
                                       _ body: (NcursesTerminal) throws -> T) throws -> T {
        let terminal = try NcursesTerminal(options: options)
        defer { terminal.stop() }
        return try body(terminal)
    }

    /// Restores the terminal (idempotent).
    public func stop() {
        guard running else { return }
        running = false
        endwin()
        TerminalGuard.uninstall()
        if let screen { delscreen(screen) }
        screen = nil
    }

    /// Suspends the process like Ctrl-Z in a shell (restoring the terminal first) and
    /// takes the screen back when the shell resumes it; the next draw is a full redraw.
    /// Useful because raw mode delivers Ctrl-Z as the key `.ctrl("z")`.
    public func suspend() {
        guard running else { return }
        TerminalGuard.active = false
        endwin()
        kill(getpid(), SIGTSTP)   // stops here until SIGCONT
        TerminalGuard.active = true
        invalidate()
        doupdate()
    }

    /// The current size in cells.
    public var size: (width: Int, height: Int) {
        (Int(getmaxx(window)), Int(getmaxy(window)))
    }

    /// A blank buffer of the current size.
    public func makeBuffer() -> CellBuffer { CellBuffer(width: size.width, height: size.height) }

    /// Forgets the last frame so the next `draw` repaints every cell.
    public func invalidate() {
        previous = nil
        clearok(cnc_curscr(), true)
    }

    /// Shows `buffer`, sending only the cells that differ from the previous frame.
    /// Returns the number of cells sent.
    @discardableResult
    public func draw(_ buffer: CellBuffer) -> Int {
        guard running else { return 0 }
        let (width, height) = size
        var sent = 0
        for run in buffer.changedRuns(from: previous) where run.y < height {
            let base = run.y * buffer.width
            for x in run.x..<min(run.x + run.count, width) {
                let cell = buffer.cells[base + x]
                _ = cnc_put(window, Int32(run.y), Int32(x), cell.scalar.value, attributes(cell.attributes),
                            pair(cell.foreground, cell.background))
                sent += 1
            }
        }
        wnoutrefresh(window)
        doupdate()
        previous = buffer
        return sent
    }

    /// Waits up to `timeoutMilliseconds` (negative: forever, 0: poll) for a key.
    /// A terminal resize returns `.resize` and makes the next draw a full redraw.
    public func readKey(timeoutMilliseconds: Int) -> Key? {
        guard running else { return nil }
        wtimeout(window, Int32(clamping: timeoutMilliseconds))
        var code: wint_t = 0
        let result = wget_wch(window, &code)
        if result == cnc_err() { return nil }
        if result == cnc_key_code_yes() {
            let key = NcursesTerminal.functionKey(Int32(code))
            if key == .resize { invalidate() }
            return key
        }
        let value = UInt32(code)
        if value < 32 || value == 127 { return Key.fromControlByte(value) }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return .character(Character(scalar))
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case Int32(CNC_KEY_UP): return .up
        case Int32(CNC_KEY_DOWN): return .down
        case Int32(CNC_KEY_LEFT): return .left
        case Int32(CNC_KEY_RIGHT): return .right
        case Int32(CNC_KEY_HOME): return .home
        case Int32(CNC_KEY_END): return .end
        case Int32(CNC_KEY_PPAGE): return .pageUp
        case Int32(CNC_KEY_NPAGE): return .pageDown
        case Int32(CNC_KEY_BACKSPACE): return .backspace
        case Int32(CNC_KEY_DC): return .delete
        case Int32(CNC_KEY_IC): return .insert
        case Int32(CNC_KEY_BTAB): return .backTab
        case Int32(CNC_KEY_ENTER): return .enter
        case Int32(CNC_KEY_RESIZE): return .resize
        case Int32(CNC_KEY_F0) + 1...Int32(CNC_KEY_F0) + 63:
            return .function(Int(code - Int32(CNC_KEY_F0)))
        default: return nil
        }
    }

    private func attributes(_ style: TextStyle) -> attr_t {
        var a = cnc_a_normal()
        if style.contains(.bold) { a |= cnc_a_bold() }
        if style.contains(.dim) { a |= cnc_a_dim() }
        if style.contains(.reverse) { a |= cnc_a_reverse() }
        if style.contains(.underline) { a |= cnc_a_underline() }
        if style.contains(.italic) { a |= cnc_a_italic() }
        return a
    }

    /// The colour pair for a foreground/background, allocated on first use (pair 0, the
    /// terminal default, when colours are off or the pairs run out).
    private func pair(_ foreground: TerminalColor, _ background: TerminalColor) -> Int16 {
        guard colorMode != .monochrome else { return 0 }
        var fg = Int16(foreground.paletteIndex(colorCount: colorCount))
        var bg = Int16(background.paletteIndex(colorCount: colorCount))
        if fg < 0 && bg < 0 { return 0 }
        if !defaultColors {
            if fg < 0 { fg = 7 }
            if bg < 0 { bg = 0 }
        }
        let key = PairKey(foreground: fg, background: bg)
        if let pair = pairs[key] { return pair }
        guard nextPair < min(cnc_color_pairs(), Int32(Int16.max)) else { return 0 }
        let pair = Int16(nextPair)
        guard init_pair(pair, fg, bg) == cnc_ok() else { return 0 }
        nextPair += 1
        pairs[key] = pair
        return pair
    }
}
