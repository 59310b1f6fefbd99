import Foundation

/// A one-line progress bar on stderr for foreground training:
///
///     epoch 3/15 [████████▌       ] 52%  loss 0.3121  acc 88.7%  2,950 img/s  ETA 4m12s
///
/// Redrawn at most a few times a second; on a non-terminal stderr it prints one line
/// per epoch instead of carriage returns.
struct ProgressBar {
    private var lastDraw: Double = 0
    private let isTerminal = isatty(2) != 0
    var width = 24

    static func bar(fraction: Double, width: Int) -> String {
        let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let clamped = min(max(fraction.isFinite ? fraction : 0, 0), 1)
        let total = Int((clamped * Double(width * 8)).rounded(.down))
        let full = total / 8
        var text = String(repeating: "█", count: full)
        if full < width { text += eighths[total % 8] }
        return text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }

    static func line(epoch: Int, epochs: Int, fraction: Double, loss: Double, accuracy: Double,
                     imagesPerSecond: Double, etaSeconds: Double, width: Int) -> String {
        String(format: "epoch %d/%d [%@] %3d%%  loss %.4f  acc %5.1f%%  %@ img/s  ETA %@",
               epoch, epochs, bar(fraction: fraction, width: width) as NSString, Int(fraction * 100),
               loss, accuracy * 100,
               Int(imagesPerSecond.isFinite ? imagesPerSecond : 0).formatted() as NSString,
               duration(etaSeconds) as NSString)
    }

    mutating func update(epoch: Int, epochs: Int, fraction: Double, loss: Double, accuracy: Double,
                         imagesPerSecond: Double, etaSeconds: Double, force: Bool = false) {
        let now = Date().timeIntervalSince1970
        guard isTerminal, force || now - lastDraw >= 0.2 else { return }
        lastDraw = now
        let text = Self.line(epoch: epoch, epochs: epochs, fraction: fraction, loss: loss, accuracy: accuracy,
                             imagesPerSecond: imagesPerSecond, etaSeconds: etaSeconds, width: width)
        StandardError.write("\r\u{1B}[2K" + text)
    }

    /// Ends the bar's line and prints a permanent summary line.
    func println(_ text: String) {
        let prefix = isTerminal ? "\r\u{1B}[2K" : ""
        StandardError.write(prefix + text + "\n")
    }
}
