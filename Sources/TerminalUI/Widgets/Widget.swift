/// Something that draws itself into a rectangle of a cell buffer and nowhere else.
///
/// Every widget survives any area: 0×0, 1×1 and areas smaller than its content.
public protocol Widget {
    func render(in area: Rect, buffer: inout CellBuffer)
}

extension CellBuffer {
    /// Renders `widget` into `area`.
    public mutating func render(_ widget: some Widget, in area: Rect) {
        widget.render(in: area, buffer: &self)
    }
}
