/// A key press (or terminal event) as the dashboard sees it; the backend maps its codes here.
public enum Key: Hashable, Sendable {
    case character(Character)
    case enter
    case escape
    case backspace
    case delete
    case tab
    case backTab
    case up, down, left, right
    case pageUp, pageDown
    case home, end
    case insert
    /// F1…F12 as `function(1)`…
    case function(Int)
    /// Ctrl with a lowercase letter: `ctrl("c")`.
    case ctrl(Character)
    /// The terminal changed size (the next draw is a full redraw).
    case resize

    /// A short human name for hints and help screens ("↑", "Enter", "^C", "F5", "q").
    public var displayName: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let c): return String(c)
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .insert: return "Ins"
        case .function(let n): return "F\(n)"
        case .ctrl(let c): return "^" + String(c).uppercased()
        case .resize: return "resize"
        }
    }

    /// Maps a control byte (1…31, 127) read from a terminal to a key.
    public static func fromControlByte(_ byte: UInt32) -> Key? {
        switch byte {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26:
            return .ctrl(Character(Unicode.Scalar(UInt8(byte) + 96)))
        default: return nil
        }
    }
}
