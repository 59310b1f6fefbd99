/// A matrix of values as coloured cells on a diverging scale around `center`
/// (blue below, white at the centre, red above), e.g. kernel shapes around 1.
///
/// Full mode draws each entry as a block `cellWidth` columns wide and one row high, with its
/// value printed when it fits; half-block mode packs two matrix rows per cell row (`▀`).
/// An optional legend row shows the scale: `0.5 ▆▆▆▆▆▆▆▆▆▆▆ 1.5`.
/// Without colours, entries become characters of the ramp ` .:-=+*#%@` (low … high).
public struct Heatmap: Widget {
    public let rows: Int
    public let columns: Int
    /// Row-major, rows × columns.
    public let values: [Double]
    public var center: Double
    /// Largest deviation from the centre shown at full colour; nil = from the data.
    public var spread: Double?
    /// Columns per entry; nil = as wide as fits, at most 6.
    public var cellWidth: Int?
    /// Rows per entry (full mode); nil = as tall as fits, at most cellWidth / 2 (cells are
    /// about twice as tall as wide) and at least 1.
    public var cellHeight: Int?
    public var showValues: Bool
    public var decimals: Int
    public var halfBlock: Bool
    public var showLegend: Bool
    public var colorMode: ColorMode

    /// 256-colour diverging palette: 5 blues, white, 5 reds.
    public static let palette: [UInt8] = [21, 27, 33, 75, 153, 231, 224, 217, 210, 203, 196]
    static let ramp: [Unicode.Scalar] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    public init(rows: Int, columns: Int, values: [Double], center: Double = 0, spread: Double? = nil,
                cellWidth: Int? = nil, cellHeight: Int? = nil, showValues: Bool = true, decimals: Int = 2, halfBlock: Bool = false,
                showLegend: Bool = true, colorMode: ColorMode = .indexed256) {
        precondition(values.count == rows * columns,
                     "Heatmap: \(values.count) values for a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.center = center
        self.spread = spread
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.showValues = showValues
        self.decimals = decimals
        self.halfBlock = halfBlock
        self.showLegend = showLegend
        self.colorMode = colorMode
    }

    /// The deviation mapped to full colour (at least a tiny positive number).
    public var resolvedSpread: Double {
        if let spread, spread > 0, spread.isFinite { return spread }
        let deviation = values.filter(\.isFinite).map { abs($0 - center) }.max() ?? 0
        return deviation > 0 ? deviation : 1
    }

    /// Position of `value` on the scale, −1 (centre − spread) … 0 (centre) … +1, clamped.
    public func scalePosition(_ value: Double) -> Double {
        guard value.isFinite else { return 0 }
        return min(max((value - center) / resolvedSpread, -1), 1)
    }

    /// The colour of a scale position −1…1 in a colour mode (`.default` in monochrome).
    public static func color(position t: Double, mode: ColorMode) -> TerminalColor {
        switch mode {
        case .monochrome: return .default
        case .ansi: return t < -1.0 / 3 ? .blue : t > 1.0 / 3 ? .red : .white
        case .indexed256:
            let step = Int((min(max(t, -1), 1) * 5).rounded())
            return .indexed(palette[step + 5])
        }
    }

    static func rampGlyph(_ t: Double) -> Unicode.Scalar {
        let index = Int(((t + 1) / 2 * Double(ramp.count - 1)).rounded())
        return ramp[min(max(index, 0), ramp.count - 1)]
    }

    /// The cell showing one entry (without a label).
    func cell(_ value: Double) -> Cell {
        guard value.isFinite else { return Cell("·") }
        let t = scalePosition(value)
        if colorMode == .monochrome { return Cell(Heatmap.rampGlyph(t)) }
        return Cell(" ", bg: Heatmap.color(position: t, mode: colorMode))
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty, rows > 0, columns > 0 else { return }
        var grid = area
        var legendRow: Rect?
        if showLegend && area.height >= 2 {
            (grid, _) = area.splitBottom(1)
            legendRow = area.splitBottom(1).bottom
        }
        if halfBlock {
            for cellRow in 0..<min(grid.height, (rows + 1) / 2) {
                for c in 0..<min(grid.width, columns) {
                    let top = values[2 * cellRow * columns + c]
                    let bottom = 2 * cellRow + 1 < rows ? values[(2 * cellRow + 1) * columns + c] : nil
                    let cell: Cell
                    if colorMode == .monochrome {
                        cell = self.cell(top)
                    } else {
                        let bg = bottom.map { $0.isFinite ? Heatmap.color(position: scalePosition($0), mode: colorMode) : .default }
                        cell = Cell("▀", fg: top.isFinite ? Heatmap.color(position: scalePosition(top), mode: colorMode) : .default,
                                    bg: bg ?? .default)
                    }
                    buffer.set(x: grid.x + c, y: grid.y + cellRow, cell, clip: clip)
                }
            }
        } else {
            let width = max(1, cellWidth ?? min(6, grid.width / columns))
            let height = max(1, cellHeight ?? min(width / 2, grid.height / rows))
            for r in 0..<rows {
                let y0 = grid.y + r * height
                guard y0 < grid.maxY else { break }
                for c in 0..<columns {
                    let x0 = grid.x + c * width
                    guard x0 < grid.maxX else { break }
                    let value = values[r * columns + c]
                    let base = cell(value)
                    let block = Rect(x: x0, y: y0, width: width, height: height).intersection(grid)
                    buffer.fill(block.intersection(clip), with: base)
                    let slot = Rect(x: x0, y: y0 + (height - 1) / 2, width: width, height: 1).intersection(grid)
                    let label = NumberFormat.fixed(value, decimals: decimals)
                    if showValues && value.isFinite && label.count < width {
                        let t = scalePosition(value)
                        let style = colorMode == .monochrome ? Style([.reverse])
                            : Style(fg: abs(t) >= 0.7 ? .indexed(231) : .indexed(16), bg: base.background)
                        buffer.write(Text.fit(label, width: width, alignment: .center), x: x0, y: slot.y,
                                     style: style, clip: slot.intersection(clip))
                    }
                }
            }
        }
        if let legendRow {
            let lo = NumberFormat.compact(center - resolvedSpread), hi = NumberFormat.compact(center + resolvedSpread)
            let barWidth = legendRow.width - lo.count - hi.count - 2
            guard barWidth >= 3 else { return }
            var x = buffer.write(lo + " ", x: legendRow.x, y: legendRow.y, clip: clip)
            for i in 0..<barWidth {
                let t = barWidth == 1 ? 0 : -1 + 2 * Double(i) / Double(barWidth - 1)
                let cell = colorMode == .monochrome ? Cell(Heatmap.rampGlyph(t))
                    : Cell(" ", bg: Heatmap.color(position: t, mode: colorMode))
                buffer.set(x: x, y: legendRow.y, cell, clip: clip)
                x += 1
            }
            buffer.write(" " + hi, x: x, y: legendRow.y, clip: clip)
        }
    }
}
