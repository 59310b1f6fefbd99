/// How one slot of a split takes its share of the available length.
public enum Constraint: Hashable, Sendable {
    /// Exactly `n` cells (less only when there is not enough room).
    case fixed(Int)
    /// `p` percent of the total length.
    case percent(Int)
    /// `numerator / denominator` of the total length.
    case ratio(Int, Int)
    /// At least `n` cells; grows like `.flex(1)` with the leftover.
    case min(Int)
    /// A share of the leftover proportional to `weight`.
    case flex(Int)
}

public enum Direction: Sendable {
    /// Slots side by side, left to right.
    case horizontal
    /// Slots stacked, top to bottom.
    case vertical
}

/// Splits a length into slot sizes following constraints.
public enum Layout {
    /// Sizes (summing to at most `total - spacing·(count-1)`) for each constraint.
    ///
    /// Fixed, percent, ratio and min sizes are served first; when they do not fit, the later
    /// slots shrink first. The leftover goes to `.min` and `.flex` slots by weight (rounding
    /// remainder to the last growable slot).
    public static func sizes(_ constraints: [Constraint], total: Int, spacing: Int = 0) -> [Int] {
        let count = constraints.count
        guard count > 0 else { return [] }
        let available = Swift.max(0, total - Swift.max(0, spacing) * (count - 1))
        var sizes = constraints.map { constraint -> Int in
            switch constraint {
            case .fixed(let n), .min(let n): return Swift.max(0, n)
            case .percent(let p): return Swift.max(0, available * p / 100)
            case .ratio(let a, let b): return b <= 0 ? 0 : Swift.max(0, available * a / b)
            case .flex: return 0
            }
        }
        var used = sizes.reduce(0, +)
        var i = count - 1
        while used > available && i >= 0 {
            let cut = Swift.min(sizes[i], used - available)
            sizes[i] -= cut
            used -= cut
            i -= 1
        }
        let weights = constraints.map { constraint -> Int in
            switch constraint {
            case .min: return 1
            case .flex(let w): return Swift.max(0, w)
            default: return 0
            }
        }
        let totalWeight = weights.reduce(0, +)
        let leftover = available - used
        if leftover > 0 && totalWeight > 0 {
            var given = 0
            var last = -1
            for k in 0..<count where weights[k] > 0 {
                let share = leftover * weights[k] / totalWeight
                sizes[k] += share
                given += share
                last = k
            }
            sizes[last] += leftover - given
        }
        return sizes
    }
}

extension Rect {
    /// Splits this rectangle into consecutive slots along `direction`.
    public func split(_ direction: Direction, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        let total = direction == .horizontal ? width : height
        let sizes = Layout.sizes(constraints, total: total, spacing: spacing)
        var rects: [Rect] = []
        rects.reserveCapacity(sizes.count)
        var offset = 0
        for size in sizes {
            let start = Swift.min(offset, total)
            switch direction {
            case .horizontal: rects.append(Rect(x: x + start, y: y, width: size, height: height))
            case .vertical: rects.append(Rect(x: x, y: y + start, width: width, height: size))
            }
            offset += size + Swift.max(0, spacing)
        }
        return rects
    }
}
