/// A footer of key hints: `q quit  ↑↓ move  ⏎ open`, keys highlighted; hints that do not
/// fit are dropped whole (never cut in the middle).
public struct KeyHints: Widget {
    public var hints: [(key: String, description: String)]
    public var theme: Theme

    public init(_ hints: [(key: String, description: String)], theme: Theme = .colour) {
        self.hints = hints
        self.theme = theme
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        var x = area.x
        for (i, hint) in hints.enumerated() {
            let separator = i == 0 ? 0 : 2
            let needed = separator + hint.key.count + 1 + hint.description.count
            guard x + needed <= area.maxX else { break }
            if separator > 0 { x = buffer.write("  ", x: x, y: area.y, style: theme.muted, clip: clip) }
            x = buffer.write(hint.key, x: x, y: area.y, style: theme.key, clip: clip)
            x = buffer.write(" " + hint.description, x: x, y: area.y, style: theme.muted, clip: clip)
        }
    }
}
