/// A one-row tab bar: ` Runs │ Compare │ Kernels ` with the selected tab highlighted.
public struct Tabs: Widget {
    public var titles: [String]
    public var selected: Int
    public var theme: Theme

    public init(_ titles: [String], selected: Int, theme: Theme = .colour) {
        self.titles = titles
        self.selected = selected
        self.theme = theme
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        var x = area.x
        for (i, title) in titles.enumerated() {
            if i > 0 { x = buffer.write("│", x: x, y: area.y, style: theme.border, clip: clip) }
            let style = i == selected ? theme.selection : theme.muted
            x = buffer.write(" " + title + " ", x: x, y: area.y, style: style, clip: clip)
            if x >= area.maxX { break }
        }
        if x > area.maxX && area.width >= 1 {
            buffer.set(x: area.maxX - 1, y: area.y, "…", style: theme.muted, clip: clip)
        }
    }
}
