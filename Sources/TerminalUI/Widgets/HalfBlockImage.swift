/// A grey image drawn with half blocks: each cell shows two pixels, `▀` with foreground =
/// top pixel and background = bottom pixel (256-colour greys). Without 256 colours each
/// cell shows the mean of its two pixels as a character of the ramp ` .:-=+*#%@`.
public struct HalfBlockImage: Widget {
    public enum Scaling: Sendable {
        /// One pixel per half cell, cropped to the area.
        case none
        /// Nearest-neighbour scaled (up or down) to the largest size that fits, keeping the
        /// aspect ratio (a cell is taken as square: one column × two pixel rows).
        case fit
    }

    /// Size in pixels.
    public let width: Int
    public let height: Int
    /// Row-major intensities 0…1.
    public let pixels: [Float]
    public var scaling: Scaling
    public var colorMode: ColorMode

    static let ramp: [Unicode.Scalar] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    public init(width: Int, height: Int, pixels: [Float], scaling: Scaling = .fit, colorMode: ColorMode = .indexed256) {
        precondition(pixels.count == width * height,
                     "HalfBlockImage: \(pixels.count) pixels for a \(width)×\(height) image")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.scaling = scaling
        self.colorMode = colorMode
    }

    /// Bytes 0…255.
    public init(width: Int, height: Int, bytes: [UInt8], scaling: Scaling = .fit, colorMode: ColorMode = .indexed256) {
        self.init(width: width, height: height, pixels: bytes.map { Float($0) / 255 }, scaling: scaling,
                  colorMode: colorMode)
    }

    /// The displayed size in pixels for an area (columns × 2·rows available).
    public func displaySize(in area: Rect) -> (width: Int, height: Int) {
        guard width > 0, height > 0 else { return (0, 0) }
        let maxW = area.width, maxH = area.height * 2
        switch scaling {
        case .none: return (min(width, maxW), min(height, maxH))
        case .fit:
            // scale = min(maxW / width, maxH / height), computed exactly in integers.
            if maxW * height <= maxH * width {
                return (maxW, maxW * height / width)
            } else {
                return (maxH * width / height, maxH)
            }
        }
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        let (dw, dh) = displaySize(in: area)
        guard dw > 0 && dh > 0 else { return }
        func pixel(_ x: Int, _ y: Int) -> Float? {
            guard y < dh else { return nil }
            let sx = scaling == .none ? x : x * width / dw
            let sy = scaling == .none ? y : y * height / dh
            let v = pixels[sy * width + sx]
            return v.isNaN ? 0 : min(max(v, 0), 1)
        }
        for row in 0..<(dh + 1) / 2 {
            for column in 0..<dw {
                let top = pixel(column, 2 * row) ?? 0
                let bottom = pixel(column, 2 * row + 1)
                let cell: Cell
                if colorMode == .indexed256 {
                    let bg: TerminalColor = bottom.map { .grey(Double($0)) } ?? .default
                    cell = Cell("▀", fg: .grey(Double(top)), bg: bg)
                } else {
                    let mean = bottom.map { (top + $0) / 2 } ?? top
                    let index = min(HalfBlockImage.ramp.count - 1, Int(mean * Float(HalfBlockImage.ramp.count)))
                    cell = Cell(HalfBlockImage.ramp[index])
                }
                buffer.set(x: area.x + column, y: area.y + row, cell, clip: clip)
            }
        }
    }
}
