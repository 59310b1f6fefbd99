/// A grey or colour image drawn with half blocks: each cell shows two pixels, `▀` with
/// foreground = top pixel and background = bottom pixel (256-colour greys for a grey image,
/// RGB colours for a colour one, which the backend shows in true colour or approximates
/// with the 256-colour cube). Without 256 colours each cell shows the mean brightness of its
/// two pixels as a character of the ramp ` .:-=+*#%@`.
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
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    /// Intensities 0…1, channel planes of row-major pixels (C × H × W).
    public let pixels: [Float]
    public var scaling: Scaling
    public var colorMode: ColorMode

    static let ramp: [Unicode.Scalar] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    public init(width: Int, height: Int, channels: Int = 1, pixels: [Float], scaling: Scaling = .fit,
                colorMode: ColorMode = .indexed256) {
        precondition(channels == 1 || channels == 3, "HalfBlockImage: \(channels) channels (1 or 3)")
        precondition(pixels.count == channels * width * height,
                     "HalfBlockImage: \(pixels.count) pixels for a \(channels)×\(width)×\(height) image")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.scaling = scaling
        self.colorMode = colorMode
    }

    /// Bytes 0…255 (C × H × W).
    public init(width: Int, height: Int, channels: Int = 1, bytes: [UInt8], scaling: Scaling = .fit,
                colorMode: ColorMode = .indexed256) {
        self.init(width: width, height: height, channels: channels, pixels: bytes.map { Float($0) / 255 },
                  scaling: scaling, colorMode: colorMode)
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
        let plane = width * height
        /// The pixel's channel values, each clamped to 0…1 (nil below the image).
        func pixel(_ x: Int, _ y: Int) -> [Float]? {
            guard y < dh else { return nil }
            let sx = scaling == .none ? x : x * width / dw
            let sy = scaling == .none ? y : y * height / dh
            return (0..<channels).map { c in
                let v = pixels[c * plane + sy * width + sx]
                return v.isNaN ? 0 : min(max(v, 0), 1)
            }
        }
        func color(_ value: [Float]) -> TerminalColor {
            guard value.count == 3 else { return .grey(Double(value[0])) }
            let byte = { (v: Float) in UInt8((v * 255).rounded()) }
            return .rgb(byte(value[0]), byte(value[1]), byte(value[2]))
        }
        /// Rec. 601 luma for the ramp.
        func brightness(_ value: [Float]) -> Float {
            value.count == 3 ? 0.299 * value[0] + 0.587 * value[1] + 0.114 * value[2] : value[0]
        }
        for row in 0..<(dh + 1) / 2 {
            for column in 0..<dw {
                let top = pixel(column, 2 * row) ?? [Float](repeating: 0, count: channels)
                let bottom = pixel(column, 2 * row + 1)
                let cell: Cell
                if colorMode == .indexed256 {
                    cell = Cell("▀", fg: color(top), bg: bottom.map(color) ?? .default)
                } else {
                    let mean = bottom.map { (brightness(top) + brightness($0)) / 2 } ?? brightness(top)
                    let index = min(HalfBlockImage.ramp.count - 1, Int(mean * Float(HalfBlockImage.ramp.count)))
                    cell = Cell(HalfBlockImage.ramp[index])
                }
                buffer.set(x: area.x + column, y: area.y + row, cell, clip: clip)
            }
        }
    }
}
