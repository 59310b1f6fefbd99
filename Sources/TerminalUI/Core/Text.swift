/// Column-width helpers: every `Character` counts as one column.
public enum Text {
    public static let ellipsis: Character = "…"

    /// The number of columns `string` takes.
    public static func width(_ string: String) -> Int { string.count }

    /// `string` cut to `width` columns, ending with "…" when it was cut.
    public static func truncate(_ string: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        let count = string.count
        if count <= width { return string }
        if width == 1 { return String(ellipsis) }
        return String(string.prefix(width - 1)) + String(ellipsis)
    }

    /// `string` truncated and padded to exactly `width` columns with the given alignment.
    public static func fit(_ string: String, width: Int, alignment: Alignment = .left) -> String {
        guard width > 0 else { return "" }
        let cut = truncate(string, to: width)
        let pad = width - cut.count
        switch alignment {
        case .left: return cut + String(repeating: " ", count: pad)
        case .right: return String(repeating: " ", count: pad) + cut
        case .center:
            let left = pad / 2
            return String(repeating: " ", count: left) + cut + String(repeating: " ", count: pad - left)
        }
    }
}

public enum Alignment: Sendable, Hashable {
    case left, center, right
}
