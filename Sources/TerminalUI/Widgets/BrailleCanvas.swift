/// A grid of braille dots, 2 × 4 per cell (U+2800 + bits), each cell with one colour.
///
/// Dot (column, row) inside a cell maps to bit:
///     (0,0)=0x01 (1,0)=0x08
///     (0,1)=0x02 (1,1)=0x10
///     (0,2)=0x04 (1,2)=0x20
///     (0,3)=0x40 (1,3)=0x80
public struct BrailleCanvas {
    /// Size in cells.
    public let columns: Int
    public let rows: Int
    /// Size in dots (2·columns × 4·rows).
    public var dotWidth: Int { columns * 2 }
    public var dotHeight: Int { rows * 4 }
    var bits: [UInt8]
    var colors: [TerminalColor]

    static let bitTable: [UInt8] = [0x01, 0x08, 0x02, 0x10, 0x04, 0x20, 0x40, 0x80]

    public init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        colors = Array(repeating: .default, count: self.columns * self.rows)
    }

    /// Sets dot (x, y) (dot coordinates, y down); outside dots are ignored.
    public mutating func set(dotX x: Int, dotY y: Int, color: TerminalColor) {
        guard x >= 0 && y >= 0 && x < dotWidth && y < dotHeight else { return }
        let cell = (y / 4) * columns + x / 2
        bits[cell] |= BrailleCanvas.bitTable[(y % 4) * 2 + x % 2]
        colors[cell] = color
    }

    /// Draws a straight line of dots between two dot positions (Bresenham).
    public mutating func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int), color: TerminalColor) {
        var x0 = a.x, y0 = a.y
        let dx = abs(b.x - x0), dy = -abs(b.y - y0)
        let sx = x0 < b.x ? 1 : -1, sy = y0 < b.y ? 1 : -1
        var error = dx + dy
        var steps = 0
        while steps <= dotWidth + dotHeight + dx - dy {
            set(dotX: x0, dotY: y0, color: color)
            if x0 == b.x && y0 == b.y { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x0 += sx }
            if e2 <= dx { error += dx; y0 += sy }
            steps += 1
        }
    }

    /// The braille glyph of cell (column, row); U+2800 (blank braille) when no dot is set.
    public func glyph(column: Int, row: Int) -> Unicode.Scalar {
        Unicode.Scalar(0x2800 + UInt32(bits[row * columns + column]))!
    }

    /// Draws the cells that have at least one dot, with the top-left cell at (x, y).
    public func draw(at x: Int, _ y: Int, background: TerminalColor = .default, attributes: TextStyle = [],
                     buffer: inout CellBuffer, clip: Rect) {
        for row in 0..<rows {
            for column in 0..<columns where bits[row * columns + column] != 0 {
                let cell = Cell(glyph(column: column, row: row), fg: colors[row * columns + column],
                                bg: background, attributes)
                buffer.set(x: x + column, y: y + row, cell, clip: clip)
            }
        }
    }
}
