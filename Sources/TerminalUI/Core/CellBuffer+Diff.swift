/// A horizontal run of changed cells: `count` cells from (x, y) in the new buffer.
public struct CellRun: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var count: Int
    public init(x: Int, y: Int, count: Int) {
        self.x = x
        self.y = y
        self.count = count
    }
}

extension CellBuffer {
    /// The runs of cells that differ from `old` (everything, row by row, when `old` is nil or
    /// of another size). Runs never span rows; the cells themselves are read from `self`.
    public func changedRuns(from old: CellBuffer?) -> [CellRun] {
        guard let old, old.width == width, old.height == height else {
            return width == 0 ? [] : (0..<height).map { CellRun(x: 0, y: $0, count: width) }
        }
        var runs: [CellRun] = []
        cells.withUnsafeBufferPointer { new in
            old.cells.withUnsafeBufferPointer { previous in
                for y in 0..<height {
                    let base = y * width
                    var x = 0
                    while x < width {
                        if new[base + x] == previous[base + x] { x += 1; continue }
                        let start = x
                        x += 1
                        while x < width && new[base + x] != previous[base + x] { x += 1 }
                        runs.append(CellRun(x: start, y: y, count: x - start))
                    }
                }
            }
        }
        return runs
    }

    /// The number of cells that differ from `old` (all of them when sizes differ).
    public func changedCellCount(from old: CellBuffer?) -> Int {
        changedRuns(from: old).reduce(0) { $0 + $1.count }
    }
}
