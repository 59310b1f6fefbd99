/// A width × height grid of cells that widgets draw into.
///
/// Storage is one flat row-major array (`cells[y * width + x]`); every write is clipped to
/// the buffer and, when given, to a clip rectangle, so drawing out of bounds is a no-op.
public struct CellBuffer: Hashable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    /// Row-major cells, `width * height` of them.
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, filling cell: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: cell, count: self.width * self.height)
    }

    /// The whole buffer as a rectangle at (0, 0).
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at (x, y); reading outside gives a blank cell, writing outside is ignored.
    public subscript(x: Int, y: Int) -> Cell {
        get {
            guard x >= 0 && x < width && y >= 0 && y < height else { return .blank }
            return cells[y * width + x]
        }
        set {
            guard x >= 0 && x < width && y >= 0 && y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Sets one cell if (x, y) lies in the buffer and in `clip`.
    @inline(__always)
    public mutating func set(x: Int, y: Int, _ cell: Cell, clip: Rect? = nil) {
        if let clip, !clip.contains(x: x, y: y) { return }
        self[x, y] = cell
    }

    /// Sets one glyph with a style.
    public mutating func set(x: Int, y: Int, _ scalar: Unicode.Scalar, style: Style = .plain,
                             clip: Rect? = nil) {
        set(x: x, y: y, Cell(scalar, style: style), clip: clip)
    }

    /// Changes only the style of the cells in `rect` (keeps their glyphs).
    public mutating func setStyle(_ style: Style, in rect: Rect) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            let base = y * width
            for x in r.x..<r.maxX { cells[base + x].style = style }
        }
    }

    /// Fills `rect` (clipped to the buffer) with `cell`.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            let base = y * width
            for x in r.x..<r.maxX { cells[base + x] = cell }
        }
    }

    /// Fills the whole buffer.
    public mutating func clear(with cell: Cell = .blank) {
        for i in cells.indices { cells[i] = cell }
    }

    /// Writes `string` from (x, y) rightwards, one column per `Character`, clipped to the
    /// buffer and to `clip`. Returns the column after the last character written (or that
    /// would have been written), so calls can be chained.
    @discardableResult
    public mutating func write(_ string: String, x: Int, y: Int, style: Style = .plain,
                               clip: Rect? = nil) -> Int {
        let bounds = clip.map { $0.intersection(area) } ?? area
        var column = x
        guard y >= bounds.y && y < bounds.maxY else { return x + string.count }
        let base = y * width
        for character in string {
            if column >= bounds.maxX { column += 1; continue }
            if column >= bounds.x {
                let scalar = character.unicodeScalars.first ?? " "
                cells[base + column] = Cell(scalar, style: style)
            }
            column += 1
        }
        return column
    }

    /// Writes `string` truncated with an ellipsis to at most `maxWidth` columns.
    @discardableResult
    public mutating func write(_ string: String, x: Int, y: Int, maxWidth: Int, style: Style = .plain,
                               clip: Rect? = nil) -> Int {
        write(Text.truncate(string, to: maxWidth), x: x, y: y, style: style, clip: clip)
    }

    /// Copies `other` into this buffer with its top left at (x, y), clipped.
    public mutating func blit(_ other: CellBuffer, x: Int, y: Int) {
        for oy in 0..<other.height {
            for ox in 0..<other.width { self[x + ox, y + oy] = other.cells[oy * other.width + ox] }
        }
    }

    /// Rows as plain strings (glyphs only), for tests and snapshots.
    public func lines() -> [String] {
        (0..<height).map { y in
            var line = String.UnicodeScalarView()
            for x in 0..<width { line.append(cells[y * width + x].scalar) }
            return String(line)
        }
    }

    /// One row as a plain string.
    public func line(_ y: Int) -> String {
        guard y >= 0 && y < height else { return "" }
        var line = String.UnicodeScalarView()
        for x in 0..<width { line.append(cells[y * width + x].scalar) }
        return String(line)
    }
}
