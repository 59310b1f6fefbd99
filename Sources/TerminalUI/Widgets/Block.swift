/// A box-drawing border with an optional title; heavier and highlighted when focused.
///
///     ┌ Title ──┐      ┏ Title ━━┓  (focused)
///     │         │      ┃         ┃
///     └─────────┘      ┗━━━━━━━━━┛
public struct Block: Widget {
    public var title: String
    public var focused: Bool
    public var theme: Theme
    /// Text drawn on the right of the bottom border (e.g. "3/42").
    public var footer: String

    public init(title: String = "", focused: Bool = false, footer: String = "", theme: Theme = .colour) {
        self.title = title
        self.focused = focused
        self.footer = footer
        self.theme = theme
    }

    /// The area inside the border.
    public func inner(_ area: Rect) -> Rect { area.inset(dx: 1, dy: 1) }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        let glyphs: [Unicode.Scalar] = focused ? ["┏", "━", "┓", "┃", "┗", "┛"] : ["┌", "─", "┐", "│", "└", "┘"]
        let style = focused ? theme.borderFocused : theme.border
        let (left, top, right, bottom) = (area.x, area.y, area.maxX - 1, area.maxY - 1)
        for x in left...right {
            buffer.set(x: x, y: top, glyphs[1], style: style, clip: clip)
            buffer.set(x: x, y: bottom, glyphs[1], style: style, clip: clip)
        }
        for y in top...bottom {
            buffer.set(x: left, y: y, glyphs[3], style: style, clip: clip)
            buffer.set(x: right, y: y, glyphs[3], style: style, clip: clip)
        }
        if area.width >= 2 && area.height >= 2 {
            buffer.set(x: left, y: top, glyphs[0], style: style, clip: clip)
            buffer.set(x: right, y: top, glyphs[2], style: style, clip: clip)
            buffer.set(x: left, y: bottom, glyphs[4], style: style, clip: clip)
            buffer.set(x: right, y: bottom, glyphs[5], style: style, clip: clip)
        }
        let room = area.width - 4
        if !title.isEmpty && room >= 1 {
            let text = " " + Text.truncate(title, to: max(0, room - 2)) + " "
            buffer.write(room >= 3 ? text : Text.truncate(title, to: room), x: left + 1, y: top,
                         style: focused ? theme.titleFocused : theme.title, clip: clip)
        }
        if !footer.isEmpty && area.height >= 2 && room >= 3 {
            let text = " " + Text.truncate(footer, to: room - 2) + " "
            buffer.write(text, x: right - text.count, y: bottom, style: theme.muted, clip: clip)
        }
    }
}
