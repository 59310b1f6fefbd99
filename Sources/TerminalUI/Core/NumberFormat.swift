/// Short number formatting for axes, labels and gauges (no Foundation).
public enum NumberFormat {
    /// `value` with exactly `decimals` digits after the point ("0.250", "-3", "nan").
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let d = max(0, min(decimals, 9))
        var scale = 1.0
        for _ in 0..<d { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9.0e15 else { return compact(value) }
        let integer = UInt64(scaled)
        let whole = integer / UInt64(scale)
        let fraction = integer % UInt64(scale)
        let negative = value < 0 && integer != 0
        var text = (negative ? "-" : "") + String(whole)
        if d > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: d - digits.count) + digits
        }
        return text
    }

    /// About `significant` significant digits, trailing zeros removed, with k/M/G suffixes
    /// from 10 000 upwards and an exponent below 0.001: "0.123", "42", "1.5k", "2.3M", "1e-05".
    public static func compact(_ value: Double, significant: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        let sign = value < 0 ? "-" : ""
        let suffixes: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e4, "k")]
        for (scale, suffix) in suffixes where magnitude >= scale {
            let divisor = suffix == "k" ? 1e3 : scale
            return sign + compact(magnitude / divisor, significant: significant) + suffix
        }
        if magnitude < 0.001 {
            var exponent = 0
            var mantissa = magnitude
            while mantissa < 1 { mantissa *= 10; exponent -= 1 }
            let digits = stripZeros(fixed(mantissa, decimals: max(0, significant - 1)))
            let e = String(-exponent)
            return sign + digits + "e-" + (e.count < 2 ? "0" + e : e)
        }
        var integerDigits = 1
        var probe = magnitude
        while probe >= 10 { probe /= 10; integerDigits += 1 }
        let decimals = magnitude < 1 ? significant + leadingZeros(magnitude) : max(0, significant - integerDigits)
        return sign + stripZeros(fixed(magnitude, decimals: decimals))
    }

    private static func leadingZeros(_ magnitude: Double) -> Int {
        var zeros = 0
        var probe = magnitude
        while probe < 0.1 && zeros < 10 { probe *= 10; zeros += 1 }
        return zeros
    }

    private static func stripZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.last == "0" { t = t.dropLast() }
        if t.last == "." { t = t.dropLast() }
        return String(t)
    }
}
