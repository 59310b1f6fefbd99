/// A centred dialog overlay: a bordered box with a message and buttons, the selected
/// button highlighted. It clears the cells it covers.
public struct MessageBox: Widget {
    public var title: String
    public var message: String
    public var buttons: [String]
    public var selectedButton: Int
    public var theme: Theme

    public init(title: String, message: String, buttons: [String] = ["OK"], selectedButton: Int = 0,
                theme: Theme = .colour) {
        self.title = title
        self.message = message
        self.buttons = buttons
        self.selectedButton = selectedButton
        self.theme = theme
    }

    /// A yes/no confirmation dialog.
    public static func confirm(_ question: String, title: String = "Confirm", yes: Bool = false,
                               theme: Theme = .colour) -> MessageBox {
        MessageBox(title: title, message: question, buttons: ["Yes", "No"], selectedButton: yes ? 0 : 1,
                   theme: theme)
    }

    /// The rectangle the dialog occupies when drawn over `area`.
    public func frame(in area: Rect) -> Rect {
        let buttonsWidth = buttons.reduce(0) { $0 + $1.count + 4 } + max(0, buttons.count - 1)
        let messageLines = message.split(separator: "\n", omittingEmptySubsequences: false)
        let widest = max(messageLines.map(\.count).max() ?? 0, buttonsWidth, title.count + 4)
        let width = min(area.width, max(20, widest + 4))
        let wrapped = Paragraph(message, wrap: true).lines.flatMap { Paragraph.wrapped($0, width: max(1, width - 4)) }
        let height = min(area.height, wrapped.count + (buttons.isEmpty ? 4 : 5))
        return area.centered(width: width, height: height)
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let box = frame(in: area).intersection(buffer.area)
        guard !box.isEmpty else { return }
        buffer.fill(box, with: Cell(" ", style: theme.text))
        let block = Block(title: title, focused: true, theme: theme)
        block.render(in: box, buffer: &buffer)
        let inner = block.inner(box).inset(left: 1, right: 1)
        guard !inner.isEmpty else { return }
        let (textArea, buttonRow) = buttons.isEmpty ? (inner, Rect.zero) : inner.splitBottom(1)
        Paragraph(message, style: theme.text, alignment: .center, wrap: true)
            .render(in: textArea.inset(top: 1), buffer: &buffer)
        guard !buttonRow.isEmpty else { return }
        let labels = buttons.map { "[ " + $0 + " ]" }
        let total = labels.reduce(0) { $0 + $1.count } + max(0, labels.count - 1)
        var x = buttonRow.x + max(0, (buttonRow.width - total) / 2)
        for (i, label) in labels.enumerated() {
            let style = i == selectedButton ? theme.selection : theme.text
            x = buffer.write(label, x: x, y: buttonRow.y, style: style, clip: buttonRow) + 1
        }
    }
}
