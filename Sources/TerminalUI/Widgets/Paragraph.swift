/// One line of text made of styled spans.
public struct Line: Sendable, Hashable {
    public var spans: [(text: String, style: Style)] { zip(texts, styles).map { ($0, $1) } }
    var texts: [String]
    var styles: [Style]

    public init(_ text: String, style: Style = .plain) {
        texts = [text]
        styles = [style]
    }

    public init(spans: [(String, Style)]) {
        texts = spans.map(\.0)
        styles = spans.map(\.1)
    }

    public var width: Int { texts.reduce(0) { $0 + $1.count } }
    public var plainText: String { texts.joined() }
}

/// Lines of text, each truncated with an ellipsis (or wrapped) to the area's width; lines
/// beyond the area's height are cut (after `scroll` lines skipped).
public struct Paragraph: Widget {
    public var lines: [Line]
    public var alignment: Alignment
    public var wrap: Bool
    /// Number of lines skipped at the top.
    public var scroll: Int

    public init(_ lines: [Line], alignment: Alignment = .left, wrap: Bool = false, scroll: Int = 0) {
        self.lines = lines
        self.alignment = alignment
        self.wrap = wrap
        self.scroll = scroll
    }

    public init(_ text: String, style: Style = .plain, alignment: Alignment = .left, wrap: Bool = false) {
        self.init(text.split(separator: "\n", omittingEmptySubsequences: false).map { Line(String($0), style: style) },
                  alignment: alignment, wrap: wrap)
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        let shown = wrap ? lines.flatMap { Paragraph.wrapped($0, width: area.width) } : lines
        var row = 0
        for line in shown.dropFirst(max(0, scroll)) {
            guard row < area.height else { break }
            Paragraph.draw(line, in: area.row(row), alignment: alignment, buffer: &buffer, clip: clip)
            row += 1
        }
    }

    /// Draws one styled line in a one-row rectangle, truncated with "…".
    public static func draw(_ line: Line, in rowArea: Rect, alignment: Alignment = .left,
                            buffer: inout CellBuffer, clip: Rect? = nil) {
        let clip = (clip ?? rowArea).intersection(rowArea)
        let total = line.width
        let available = rowArea.width
        guard available > 0 else { return }
        var x = rowArea.x
        if total < available {
            switch alignment {
            case .left: break
            case .right: x += available - total
            case .center: x += (available - total) / 2
            }
        }
        let truncating = total > available
        var budget = truncating ? available - 1 : available
        for (text, style) in zip(line.texts, line.styles) {
            guard budget > 0 else { break }
            let piece = String(text.prefix(budget))
            x = buffer.write(piece, x: x, y: rowArea.y, style: style, clip: clip)
            budget -= piece.count
        }
        if truncating {
            buffer.set(x: rowArea.maxX - 1, y: rowArea.y, "…", style: line.styles.last ?? .plain, clip: clip)
        }
    }

    /// Splits a line into lines of at most `width` columns at spaces where possible.
    static func wrapped(_ line: Line, width: Int) -> [Line] {
        guard width > 0, line.width > width else { return [line] }
        var result: [Line] = []
        var current: [(String, Style)] = []
        var currentWidth = 0
        for (text, style) in zip(line.texts, line.styles) {
            var rest = Substring(text)
            while !rest.isEmpty {
                let room = width - currentWidth
                if rest.count <= room {
                    current.append((String(rest), style))
                    currentWidth += rest.count
                    break
                }
                var cut = rest.prefix(room)
                if rest.dropFirst(room).first == " " {
                    // The cut ends exactly at a word boundary.
                } else if let space = cut.lastIndex(of: " "), space > cut.startIndex {
                    cut = rest[rest.startIndex..<space]
                } else if currentWidth > 0 {
                    result.append(Line(spans: current)); current = []; currentWidth = 0
                    continue
                }
                current.append((String(cut), style))
                result.append(Line(spans: current))
                current = []
                currentWidth = 0
                rest = rest[cut.endIndex...]
                while rest.first == " " { rest = rest.dropFirst() }
            }
        }
        if !current.isEmpty { result.append(Line(spans: current)) }
        return result
    }
}
