/// One terminal cell: a single-column glyph with its colours and attributes.
///
/// The glyph is a Unicode scalar (box drawing, braille, blocks and text are all single
/// scalars and single columns); a multi-scalar `Character` keeps its first scalar.
public struct Cell: Hashable, Sendable {
    public var scalar: Unicode.Scalar
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var attributes: TextStyle

    public init(_ scalar: Unicode.Scalar = " ", fg: TerminalColor = .default,
                bg: TerminalColor = .default, _ attributes: TextStyle = []) {
        self.scalar = scalar
        self.foreground = fg
        self.background = bg
        self.attributes = attributes
    }

    public init(_ scalar: Unicode.Scalar, style: Style) {
        self.init(scalar, fg: style.foreground, bg: style.background, style.attributes)
    }

    /// A cell showing the first scalar of `character`.
    public init(character: Character, style: Style = .plain) {
        self.init(character.unicodeScalars.first ?? " ", style: style)
    }

    public static let blank = Cell()

    public var style: Style {
        get { Style(fg: foreground, bg: background, attributes) }
        set {
            foreground = newValue.foreground
            background = newValue.background
            attributes = newValue.attributes
        }
    }
}
