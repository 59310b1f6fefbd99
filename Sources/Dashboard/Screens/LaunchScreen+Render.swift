import TerminalUI

extension LaunchScreen {
    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        var title = form.isStudy ? "Launch a study" : "Launch a run"
        if let source = form.clonedFrom { title += " · settings cloned from \(source)" }
        let problems = form.fields.filter { $0.error != nil }.count + form.generalErrors.count
        let footer = problems == 0 ? "ready: Enter launches (queued while every slot is busy)" : "\(problems) problem\(problems == 1 ? "" : "s")"
        let block = Block(title: title, focused: true, footer: footer, theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let inner = block.inner(area).inset(left: 1, right: 1)
        let (fieldsArea, generalArea) = inner.splitBottom(min(form.generalErrors.count, 3))
        // One line per field, with a section heading before each new section.
        var lines: [(field: Int?, text: String)] = []
        var section = ""
        for (i, field) in form.fields.enumerated() {
            if field.section != section {
                section = field.section
                lines.append((nil, section))
            }
            lines.append((i, ""))
        }
        let focusLine = lines.firstIndex { $0.field == form.focus } ?? 0
        let visible = fieldsArea.height
        let offset = max(0, min(focusLine - visible / 2, lines.count - visible))
        let labelWidth = 24, valueWidth = 28
        for (row, line) in lines.dropFirst(offset).prefix(visible).enumerated() {
            let y = fieldsArea.y + row
            guard let i = line.field else {
                buffer.write("── " + line.text + " ", x: fieldsArea.x, y: y, style: context.theme.header, clip: fieldsArea)
                continue
            }
            let field = form.fields[i]
            let focused = i == form.focus
            // "▸" marks the focused field even without colours.
            var x = buffer.write(Text.fit((focused ? "▸ " : "  ") + field.label, width: labelWidth), x: fieldsArea.x, y: y,
                                 style: focused ? context.theme.titleFocused : context.theme.text, clip: fieldsArea)
            var shown = field.isGrid ? "▦ " + field.text : field.text
            if field.choices != nil { shown = "◀ " + shown + " ▶" } else if focused { shown += "▏" }
            let valueStyle = focused ? context.theme.selection : (field.error != nil ? context.theme.error : context.theme.muted.adding(.underline))
            x = buffer.write(Text.fit(shown, width: valueWidth), x: x, y: y, style: valueStyle, clip: fieldsArea) + 1
            let flag = "--\(field.flag)"
            if var error = field.error {
                // Beside the field, its own option name is implied.
                if error.hasPrefix(flag + " ") { error.removeFirst(flag.count + 1) }
                buffer.write("✗ " + error, x: x, y: y, maxWidth: fieldsArea.maxX - x, style: context.theme.error, clip: fieldsArea)
            } else {
                let hint: String
                switch field.flag {
                case "name": hint = "optional label for the list"
                case "study": hint = "a study: name it, mark grid fields with ^G"
                case "seeds": hint = "a study's seeds: 0,1,2 or 0-4"
                default: hint = field.isGrid ? flag + " (grid)" : flag
                }
                buffer.write(hint, x: x, y: y,
                             maxWidth: fieldsArea.maxX - x, style: context.theme.muted, clip: fieldsArea)
            }
        }
        for (row, error) in form.generalErrors.prefix(generalArea.height).enumerated() {
            buffer.write("✗ " + error, x: generalArea.x, y: generalArea.y + row, maxWidth: generalArea.width,
                         style: context.theme.error, clip: generalArea)
        }
    }
}
