/// Draws a `FormState`: one field per row, labels right-aligned, the focused field marked
/// with `›` and highlighted, its cursor shown reversed; each field's error beside it.
///
///       Model  ‹ nsl-dynamic-diag ›
///   ›  Epochs  [15█        ]  ✗ must be 1…500
///         kNN  [x]
public struct FormView: Widget {
    public var state: FormState
    /// Columns of the value box of text fields.
    public var fieldWidth: Int
    /// Rows between fields.
    public var spacing: Int
    public var theme: Theme

    public init(_ state: FormState, fieldWidth: Int = 20, spacing: Int = 0, theme: Theme = .colour) {
        self.state = state
        self.fieldWidth = fieldWidth
        self.spacing = spacing
        self.theme = theme
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        let labelWidth = min(state.fields.map(\.label.count).max() ?? 0, max(0, area.width / 3))
        let step = 1 + max(0, spacing)
        // Keep the focused field visible when there are more fields than rows.
        let visible = max(1, (area.height + spacing) / step)
        let first = max(0, min(state.focus - visible + 1, state.fields.count - visible))
        for (row, index) in (first..<state.fields.count).enumerated() {
            let y = area.y + row * step
            guard y < area.maxY else { break }
            let field = state.fields[index]
            let focused = index == state.focus
            var x = buffer.write(focused ? "› " : "  ", x: area.x, y: y, style: theme.accent, clip: clip)
            x = buffer.write(Text.fit(field.label, width: labelWidth, alignment: .right), x: x, y: y,
                             style: focused ? theme.titleFocused : theme.text, clip: clip)
            x = buffer.write("  ", x: x, y: y, style: theme.text, clip: clip)
            let valueStyle = focused ? theme.selection : theme.text
            switch (field.kind, field.value) {
            case (.text, .text(let text)):
                let chars = Array(text)
                let inner = max(1, fieldWidth - 2)
                let cursor = min(max(state.cursor, 0), chars.count)
                let start = focused ? max(0, cursor - inner + 1) : 0
                x = buffer.write("[", x: x, y: y, style: theme.border, clip: clip)
                for i in 0..<inner {
                    let k = start + i
                    let glyph: Character = k < chars.count ? chars[k] : " "
                    let style = focused && k == cursor ? Style([.reverse]) : valueStyle
                    x = buffer.write(String(glyph), x: x, y: y, style: style, clip: clip)
                }
                x = buffer.write("]", x: x, y: y, style: theme.border, clip: clip)
            case (.choice, _):
                x = buffer.write("‹ " + field.text + " ›", x: x, y: y, style: valueStyle, clip: clip)
            case (.toggle, .toggle(let on)):
                x = buffer.write(on ? "[x]" : "[ ]", x: x, y: y, style: valueStyle, clip: clip)
            default:
                x = buffer.write(field.text, x: x, y: y, style: valueStyle, clip: clip)
            }
            let message = field.error.map { "✗ " + $0 } ?? field.hint
            guard !message.isEmpty else { continue }
            x = buffer.write("  ", x: x, y: y, style: theme.text, clip: clip)
            let rest = Rect(x: x, y: y, width: area.maxX - x, height: 1).intersection(clip)
            if let error = field.error {
                buffer.write("✗ " + error, x: x, y: y, maxWidth: rest.width, style: theme.error, clip: rest)
            } else if !field.hint.isEmpty {
                buffer.write(field.hint, x: x, y: y, maxWidth: rest.width, style: theme.muted, clip: rest)
            }
        }
    }
}
