/// What the terminal can show.
public enum ColorMode: Int, Comparable, Sendable {
    /// No colours: attributes (bold, reverse, underline, dim) only.
    case monochrome = 0
    /// The 8 (or 16) ANSI colours.
    case ansi = 1
    /// The 256-colour palette.
    case indexed256 = 2

    public static func < (a: ColorMode, b: ColorMode) -> Bool { a.rawValue < b.rawValue }

    /// The mode for a terminal reporting `colorCount` colours (0 when it has none).
    public static func forColorCount(_ colorCount: Int) -> ColorMode {
        colorCount >= 256 ? .indexed256 : colorCount >= 8 ? .ansi : .monochrome
    }
}

/// The named styles widgets draw with. A monochrome theme keeps the meaning in attributes
/// (reverse for selection, bold for focus and titles, dim for secondary text).
public struct Theme: Equatable, Sendable {
    public var colorMode: ColorMode
    public var text: Style
    public var muted: Style
    public var border: Style
    public var borderFocused: Style
    public var title: Style
    public var titleFocused: Style
    /// The selected row / focused field / active tab.
    public var selection: Style
    public var header: Style
    /// Key names in footers and hints.
    public var key: Style
    public var accent: Style
    public var good: Style
    public var warning: Style
    public var error: Style
    /// Filled part of gauges.
    public var gauge: Style
    /// Colours given to chart series in order.
    public var series: [TerminalColor]

    public init(colorMode: ColorMode, text: Style, muted: Style, border: Style, borderFocused: Style,
                title: Style, titleFocused: Style, selection: Style, header: Style, key: Style,
                accent: Style, good: Style, warning: Style, error: Style, gauge: Style,
                series: [TerminalColor]) {
        self.colorMode = colorMode
        self.text = text
        self.muted = muted
        self.border = border
        self.borderFocused = borderFocused
        self.title = title
        self.titleFocused = titleFocused
        self.selection = selection
        self.header = header
        self.key = key
        self.accent = accent
        self.good = good
        self.warning = warning
        self.error = error
        self.gauge = gauge
        self.series = series
    }

    /// The colour theme (256 colours; the backend approximates on 8/16-colour terminals).
    public static let colour = Theme(
        colorMode: .indexed256,
        text: .plain,
        muted: Style(fg: .indexed(245)),
        border: Style(fg: .indexed(240)),
        borderFocused: Style(fg: .brightCyan, [.bold]),
        title: Style(fg: .indexed(250)),
        titleFocused: Style(fg: .brightCyan, [.bold]),
        selection: Style(fg: .brightWhite, bg: .indexed(24), [.bold]),
        header: Style(fg: .brightYellow, [.bold]),
        key: Style(fg: .brightCyan, [.bold]),
        accent: Style(fg: .brightMagenta),
        good: Style(fg: .brightGreen),
        warning: Style(fg: .brightYellow),
        error: Style(fg: .brightRed, [.bold]),
        gauge: Style(fg: .indexed(39)),
        series: [.brightCyan, .brightMagenta, .brightYellow, .brightGreen, .brightRed, .brightBlue, .white])

    /// The attributes-only theme for terminals without colours.
    public static let monochrome = Theme(
        colorMode: .monochrome,
        text: .plain,
        muted: Style([.dim]),
        border: .plain,
        borderFocused: Style([.bold]),
        title: .plain,
        titleFocused: Style([.bold, .reverse]),
        selection: Style([.reverse]),
        header: Style([.bold, .underline]),
        key: Style([.bold]),
        accent: Style([.bold]),
        good: .plain,
        warning: Style([.bold]),
        error: Style([.bold, .underline]),
        gauge: .plain,
        series: [.default])

    /// The theme to use for a terminal with this colour mode: `colour` adjusted to the mode,
    /// or `monochrome`.
    public static func forColorMode(_ mode: ColorMode) -> Theme {
        if mode == .monochrome { return .monochrome }
        var theme = Theme.colour
        theme.colorMode = mode
        return theme
    }

    /// The colour of series `i` (cycling).
    public func seriesColor(_ i: Int) -> TerminalColor {
        series.isEmpty ? .default : series[((i % series.count) + series.count) % series.count]
    }
}
