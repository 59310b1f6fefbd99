/// A terminal colour: the terminal's default, one of the 16 ANSI colours, a 256-colour
/// palette index, or a 24-bit RGB value that the backend approximates.
public enum TerminalColor: Hashable, Sendable {
    case `default`
    /// ANSI colours 0…7 (black, red, green, yellow, blue, magenta, cyan, white).
    case ansi(UInt8)
    /// Bright ANSI colours 8…15, given by their base index 0…7.
    case bright(UInt8)
    /// A 256-colour palette index.
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    public static let black = TerminalColor.ansi(0)
    public static let red = TerminalColor.ansi(1)
    public static let green = TerminalColor.ansi(2)
    public static let yellow = TerminalColor.ansi(3)
    public static let blue = TerminalColor.ansi(4)
    public static let magenta = TerminalColor.ansi(5)
    public static let cyan = TerminalColor.ansi(6)
    public static let white = TerminalColor.ansi(7)
    public static let brightBlack = TerminalColor.bright(0)
    public static let brightRed = TerminalColor.bright(1)
    public static let brightGreen = TerminalColor.bright(2)
    public static let brightYellow = TerminalColor.bright(3)
    public static let brightBlue = TerminalColor.bright(4)
    public static let brightMagenta = TerminalColor.bright(5)
    public static let brightCyan = TerminalColor.bright(6)
    public static let brightWhite = TerminalColor.bright(7)

    /// A grey from the 256-colour palette: `level` 0…1 maps to black (16), the 24 greys
    /// 232…255, then white (231) — 26 levels in all.
    public static func grey(_ level: Double) -> TerminalColor {
        let clamped = level.isNaN ? 0 : min(max(level, 0), 1)
        let step = Int((clamped * 25).rounded())
        if step == 0 { return .indexed(16) }
        if step == 25 { return .indexed(231) }
        return .indexed(UInt8(231 + step))
    }

    /// The palette number for a terminal with `colorCount` colours (8, 16, 256, …);
    /// -1 means the terminal default. Colours the terminal lacks are approximated.
    public func paletteIndex(colorCount: Int) -> Int {
        switch self {
        case .default: return -1
        case .ansi(let i): return Int(i & 7)
        case .bright(let i): return colorCount >= 16 ? 8 + Int(i & 7) : Int(i & 7)
        case .indexed(let n):
            if colorCount >= 256 || Int(n) < min(colorCount, 16) { return Int(n) }
            let (r, g, b) = TerminalColor.rgbOfPaletteIndex(n)
            return TerminalColor.nearestANSI(r, g, b, count: colorCount >= 16 ? 16 : 8)
        case .rgb(let r, let g, let b):
            if colorCount >= 256 { return TerminalColor.nearestPaletteIndex(r, g, b) }
            return TerminalColor.nearestANSI(r, g, b, count: colorCount >= 16 ? 16 : 8)
        }
    }

    /// The nearest entry of the 6×6×6 cube or the grey ramp of the 256-colour palette.
    public static func nearestPaletteIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        func cubeStep(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        let levels = [0, 95, 135, 175, 215, 255]
        let (cr, cg, cb) = (cubeStep(r), cubeStep(g), cubeStep(b))
        let cubeIndex = 16 + 36 * cr + 6 * cg + cb
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyStep = average > 238 ? 23 : max(0, (average - 3) / 10)
        let greyValue = 8 + 10 * greyStep
        func distance(_ x: Int, _ y: Int, _ z: Int) -> Int {
            let dr = Int(r) - x, dg = Int(g) - y, db = Int(b) - z
            return dr * dr + dg * dg + db * db
        }
        let cubeDistance = distance(levels[cr], levels[cg], levels[cb])
        let greyDistance = distance(greyValue, greyValue, greyValue)
        return greyDistance < cubeDistance ? 232 + greyStep : cubeIndex
    }

    /// The (approximate, xterm) RGB value of a 256-colour palette index.
    public static func rgbOfPaletteIndex(_ n: UInt8) -> (UInt8, UInt8, UInt8) {
        let basic: [(UInt8, UInt8, UInt8)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
            (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
            (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if n < 16 { return basic[Int(n)] }
        if n >= 232 { let v = UInt8(8 + 10 * (Int(n) - 232)); return (v, v, v) }
        let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
        let c = Int(n) - 16
        return (levels[c / 36], levels[(c / 6) % 6], levels[c % 6])
    }

    static func nearestANSI(_ r: UInt8, _ g: UInt8, _ b: UInt8, count: Int) -> Int {
        var best = 0
        var bestDistance = Int.max
        for i in 0..<count {
            let (pr, pg, pb) = rgbOfPaletteIndex(UInt8(i))
            let dr = Int(r) - Int(pr), dg = Int(g) - Int(pg), db = Int(b) - Int(pb)
            let d = dr * dr + dg * dg + db * db
            if d < bestDistance { bestDistance = d; best = i }
        }
        return best
    }
}
