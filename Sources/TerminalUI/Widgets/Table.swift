/// How a table column takes its width.
public enum ColumnWidth: Hashable, Sendable {
    case fixed(Int)
    /// At least `n`, growing with the leftover.
    case min(Int)
    /// A share of the leftover.
    case flex(Int)

    var constraint: Constraint {
        switch self {
        case .fixed(let n): return .fixed(n)
        case .min(let n): return .min(n)
        case .flex(let w): return .flex(w)
        }
    }
}

public struct TableColumn: Hashable, Sendable {
    public var title: String
    public var width: ColumnWidth
    public var alignment: Alignment

    public init(_ title: String, width: ColumnWidth = .flex(1), alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// Selection, marks, scroll offset and sort of a table; owned by the caller's state.
public struct TableState: Hashable, Sendable {
    public var selected: Int?
    /// Index of the first visible row.
    public var offset: Int
    /// Rows marked for multi-selection.
    public var marked: Set<Int>
    public var sortColumn: Int?
    public var sortAscending: Bool

    public init(selected: Int? = nil, offset: Int = 0, marked: Set<Int> = [], sortColumn: Int? = nil,
                sortAscending: Bool = true) {
        self.selected = selected
        self.offset = offset
        self.marked = marked
        self.sortColumn = sortColumn
        self.sortAscending = sortAscending
    }

    /// Moves the selection by `delta` rows, clamped to `0..<rowCount`.
    public mutating func move(by delta: Int, rowCount: Int) {
        guard rowCount > 0 else { selected = nil; return }
        selected = Swift.min(Swift.max((selected ?? (delta >= 0 ? -1 : rowCount)) + delta, 0), rowCount - 1)
    }

    /// Marks or unmarks the selected row.
    public mutating func toggleMark() {
        guard let selected else { return }
        if marked.contains(selected) { marked.remove(selected) } else { marked.insert(selected) }
    }

    /// Sorts by `column`, flipping the direction when it already is the sort column.
    public mutating func sort(by column: Int) {
        if sortColumn == column { sortAscending.toggle() } else { sortColumn = column; sortAscending = true }
    }

    /// The first visible row for `visibleRows` rows such that the selection is visible,
    /// moving the current offset as little as possible and never past the last page.
    public static func scrollOffset(selected: Int?, offset: Int, visibleRows: Int, rowCount: Int) -> Int {
        guard visibleRows > 0, rowCount > 0 else { return 0 }
        var first = Swift.min(Swift.max(offset, 0), Swift.max(0, rowCount - visibleRows))
        if let selected {
            let s = Swift.min(Swift.max(selected, 0), rowCount - 1)
            if s < first { first = s }
            if s >= first + visibleRows { first = s - visibleRows + 1 }
        }
        return first
    }
}

/// A table with a header row, column widths, alignment, a highlighted selected row,
/// multi-select marks (`●`), a sort indicator (`▲`/`▼`) and scrolling that keeps the
/// selected row visible.
public struct Table {
    public var columns: [TableColumn]
    public var rows: [[String]]
    /// Per-row style overrides (e.g. a failed run in red); missing = theme text.
    public var rowStyles: [Int: Style]
    /// Show a two-column mark gutter.
    public var showMarks: Bool
    public var theme: Theme
    public var columnSpacing: Int

    public init(columns: [TableColumn], rows: [[String]], rowStyles: [Int: Style] = [:], showMarks: Bool = false,
                columnSpacing: Int = 1, theme: Theme = .colour) {
        self.columns = columns
        self.rows = rows
        self.rowStyles = rowStyles
        self.showMarks = showMarks
        self.columnSpacing = columnSpacing
        self.theme = theme
    }

    /// The number of data rows visible in an area of `height` rows (one is the header).
    public static func visibleRows(height: Int) -> Int { Swift.max(0, height - 1) }

    /// Renders and stores the scroll offset it used in `state`.
    public func render(in area: Rect, buffer: inout CellBuffer, state: inout TableState) {
        let clip = area.intersection(buffer.area)
        let visible = Table.visibleRows(height: area.height)
        state.offset = TableState.scrollOffset(selected: state.selected, offset: state.offset,
                                               visibleRows: visible, rowCount: rows.count)
        guard !clip.isEmpty else { return }
        buffer.fill(clip, with: Cell(" ", style: theme.text))
        let gutter = showMarks ? Swift.min(2, area.width) : 0
        let body = area.inset(left: gutter)
        let widths = Layout.sizes(columns.map(\.width.constraint), total: body.width, spacing: columnSpacing)
        var header = Rect(x: body.x, y: area.y, width: 0, height: 1)
        for (i, column) in columns.enumerated() {
            header.width = widths[i]
            var title = column.title
            if state.sortColumn == i { title += state.sortAscending ? "▲" : "▼" }
            buffer.write(Text.fit(title, width: widths[i], alignment: column.alignment), x: header.x, y: area.y,
                         style: theme.header, clip: clip)
            header.x += widths[i] + columnSpacing
        }
        for line in 0..<visible {
            let index = state.offset + line
            guard index < rows.count else { break }
            let y = area.y + 1 + line
            let isSelected = state.selected == index
            let style = isSelected ? theme.selection : (rowStyles[index] ?? theme.text)
            if isSelected { buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1).intersection(clip),
                                        with: Cell(" ", style: style)) }
            if showMarks {
                let mark: Unicode.Scalar = state.marked.contains(index) ? "●" : " "
                buffer.set(x: area.x, y: y, mark, style: isSelected ? style : theme.accent, clip: clip)
                if gutter > 1 { buffer.set(x: area.x + 1, y: y, " ", style: style, clip: clip) }
            }
            var x = body.x
            for (i, column) in columns.enumerated() {
                let text = i < rows[index].count ? rows[index][i] : ""
                buffer.write(Text.fit(text, width: widths[i], alignment: column.alignment), x: x, y: y,
                             style: style, clip: clip)
                x += widths[i] + columnSpacing
            }
        }
    }
}
