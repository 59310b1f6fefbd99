/// A rectangle of cells: origin (x, y) at the top left, size width × height.
/// Widths and heights are never negative.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public init(width: Int, height: Int) { self.init(x: 0, y: 0, width: width, height: height) }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
    public var area: Int { width * height }
    public var description: String { "Rect(x: \(x), y: \(y), \(width)×\(height))" }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The overlap of two rectangles (empty, at a clamped origin, when they do not meet).
    public func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(maxX, other.maxX), bottom = min(maxY, other.maxY)
        return Rect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// Shrunk by `dx` columns on both sides and `dy` rows on top and bottom.
    public func inset(dx: Int, dy: Int) -> Rect {
        let w = max(0, width - 2 * dx), h = max(0, height - 2 * dy)
        return Rect(x: x + min(dx, width / 2), y: y + min(dy, height / 2), width: w, height: h)
    }

    /// Shrunk by the given margins (clamped so the result never has a negative size).
    public func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        let l = min(max(0, left), width), t = min(max(0, top), height)
        return Rect(x: x + l, y: y + t, width: width - l - max(0, right),
                    height: height - t - max(0, bottom))
    }

    /// A rectangle of (at most) the given size centred in this one.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(max(0, w), width), ch = min(max(0, h), height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// The first `n` rows and the rest.
    public func splitTop(_ n: Int) -> (top: Rect, rest: Rect) {
        let k = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: k),
                Rect(x: x, y: y + k, width: width, height: height - k))
    }

    /// The last `n` rows and the rest above them.
    public func splitBottom(_ n: Int) -> (rest: Rect, bottom: Rect) {
        let k = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: height - k),
                Rect(x: x, y: maxY - k, width: width, height: k))
    }

    /// The first `n` columns and the rest.
    public func splitLeft(_ n: Int) -> (left: Rect, rest: Rect) {
        let k = min(max(0, n), width)
        return (Rect(x: x, y: y, width: k, height: height),
                Rect(x: x + k, y: y, width: width - k, height: height))
    }

    /// The last `n` columns and the rest to their left.
    public func splitRight(_ n: Int) -> (rest: Rect, right: Rect) {
        let k = min(max(0, n), width)
        return (Rect(x: x, y: y, width: width - k, height: height),
                Rect(x: maxX - k, y: y, width: k, height: height))
    }

    /// Row `i` (0-based) of this rectangle as a one-row rectangle (empty if outside).
    public func row(_ i: Int) -> Rect {
        guard i >= 0 && i < height else { return Rect(x: x, y: y, width: width, height: 0) }
        return Rect(x: x, y: y + i, width: width, height: 1)
    }
}
