/// A one-row progress bar with eighth-block resolution and a centred label, e.g.
/// `██████████▌ epoch 3/15 42%        `. Label cells over the filled part are reversed.
public struct Gauge: Widget {
    /// 0…1 (clamped; NaN = 0).
    public var ratio: Double
    public var label: String
    public var style: Style
    public var theme: Theme

    static let partial: [Unicode.Scalar] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    public init(ratio: Double, label: String = "", style: Style? = nil, theme: Theme = .colour) {
        self.ratio = ratio
        self.label = label
        self.style = style ?? theme.gauge
        self.theme = theme
    }

    /// "label 42%" for `done` of `total`.
    public static func percentLabel(_ prefix: String, done: Int, total: Int) -> String {
        let p = total > 0 ? 100 * max(0, min(done, total)) / total : 0
        return (prefix.isEmpty ? "" : prefix + " ") + "\(p)%"
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        let y = area.y + (area.height - 1) / 2
        let r = ratio.isNaN ? 0 : min(max(ratio, 0), 1)
        let eighths = Int((r * Double(area.width * 8)).rounded())
        let full = eighths / 8, rest = eighths % 8
        let text = Text.truncate(label, to: area.width)
        let labelStart = area.x + (area.width - text.count) / 2
        let labelScalars = text.map { $0.unicodeScalars.first ?? " " }
        for column in 0..<area.width {
            let x = area.x + column
            let labelIndex = x - labelStart
            let filled = column < full
            if labelIndex >= 0 && labelIndex < labelScalars.count {
                let s = filled ? style.adding(.reverse) : theme.text
                buffer.set(x: x, y: y, labelScalars[labelIndex], style: s, clip: clip)
            } else if filled {
                buffer.set(x: x, y: y, "█", style: style, clip: clip)
            } else if column == full && rest > 0 {
                buffer.set(x: x, y: y, Gauge.partial[rest], style: style, clip: clip)
            } else {
                buffer.set(x: x, y: y, " ", style: theme.text, clip: clip)
            }
        }
    }
}
