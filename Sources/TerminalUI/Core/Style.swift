/// Text attributes that survive on a monochrome terminal.
public struct TextStyle: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextStyle(rawValue: 1 << 0)
    public static let dim = TextStyle(rawValue: 1 << 1)
    public static let reverse = TextStyle(rawValue: 1 << 2)
    public static let underline = TextStyle(rawValue: 1 << 3)
    public static let italic = TextStyle(rawValue: 1 << 4)
}

/// Foreground, background and attributes applied to drawn text.
public struct Style: Hashable, Sendable {
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var attributes: TextStyle

    public init(fg foreground: TerminalColor = .default, bg background: TerminalColor = .default,
                _ attributes: TextStyle = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = Style()

    /// This style with `attributes` added.
    public func adding(_ extra: TextStyle) -> Style {
        var copy = self
        copy.attributes.formUnion(extra)
        return copy
    }

    /// This style with another foreground colour.
    public func foreground(_ color: TerminalColor) -> Style {
        var copy = self
        copy.foreground = color
        return copy
    }

    /// This style with another background colour.
    public func background(_ color: TerminalColor) -> Style {
        var copy = self
        copy.background = color
        return copy
    }

    /// The same attributes without colours.
    public var monochrome: Style { Style(attributes) }
}
