/// The shape arithmetic of one k×k convolution over NCHW images (zero padding, floor).
///
/// Legend: `C` input channels, `H`,`W` input height/width, `k` kernel size,
/// `K = k²` taps, `H_out`,`W_out` output height/width, `L = H_out·W_out` output positions.
public struct ConvolutionGeometry: Equatable, Sendable, CustomStringConvertible {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let outputHeight: Int
    public let outputWidth: Int

    public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        precondition(channels > 0 && height > 0 && width > 0,
                     "convolution input [C=\(channels), H=\(height), W=\(width)] must be positive")
        precondition(kernel > 0 && stride > 0 && padding >= 0,
                     "convolution needs kernel > 0, stride > 0, padding ≥ 0; got k=\(kernel) s=\(stride) p=\(padding)")
        precondition(height + 2 * padding >= kernel && width + 2 * padding >= kernel,
                     "kernel \(kernel)×\(kernel) is larger than the padded input \(height)×\(width) (+2·\(padding))")
        self.channels = channels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outputHeight = (height + 2 * padding - kernel) / stride + 1
        self.outputWidth = (width + 2 * padding - kernel) / stride + 1
    }

    /// K = k², the taps of one channel's patch.
    public var taps: Int { kernel * kernel }
    /// C·K, the rows of the column matrix (one patch).
    public var patchLength: Int { channels * taps }
    /// L = H_out·W_out, the columns of the column matrix.
    public var positions: Int { outputHeight * outputWidth }
    /// C·H·W, the scalars of one input image.
    public var imageSize: Int { channels * height * width }
    /// C·K·L, the scalars of one image's column matrix.
    public var columnsSize: Int { patchLength * positions }

    public var description: String {
        "C=\(channels) \(height)×\(width) k=\(kernel) s=\(stride) p=\(padding) → \(outputHeight)×\(outputWidth)"
    }
}

/// im2col / col2im for NCHW images.
///
/// Column layout, per image: `cols[C·K, L]`, row `c·K + tap` with `tap = kh·k + kw`,
/// column `l = oh·W_out + ow`:
///
///     cols[c·K + kh·k + kw, oh·W_out + ow] = x[c, oh·s − p + kh, ow·s − p + kw]   (0 outside)
///
/// so a convolution is one GEMM `Y[O, L] = W[O, C·K] · cols`, its output already NCHW, and
/// a tap mixing by a K×K matrix acts on contiguous blocks of K rows per channel.
public enum Im2col {
    /// Fills one image's column matrix. image [C, H, W] → columns [C·K, L] (overwritten).
    /// `rowStride` (default L) is the distance between rows of `columns`, so that the column
    /// matrices of several images can sit side by side in one [C·K, G·L] matrix.
    public static func columns(of image: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                               into columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let k = g.kernel, s = g.stride, p = g.padding
        let height = g.height, width = g.width
        let outH = g.outputHeight, outW = g.outputWidth, pitch = rowStride ?? g.positions
        precondition(pitch >= g.positions, "im2col row stride \(pitch) is below L = \(g.positions)")
        let plane = height * width
        // Stride 1 with "same" padding: a row of the column matrix is the whole plane shifted.
        let samePlane = s == 1 && outH == height && outW == width
        for kw in 0..<k {
            let (low, high) = validOutputRange(offset: kw, stride: s, padding: p, size: width, outputSize: outW)
            for c in 0..<g.channels {
                let source = image + c * plane
                for kh in 0..<k {
                    let row = columns + ((c * k + kh) * k + kw) * pitch
                    if samePlane {
                        copyShiftedPlane(source, into: row, rowShift: kh - p, columnShift: kw - p,
                                         height: height, width: width, validColumns: low..<high)
                        continue
                    }
                    for oh in 0..<outH {
                        let destination = row + oh * outW
                        let ih = oh * s - p + kh
                        if ih < 0 || ih >= height {
                            destination.update(repeating: 0, count: outW)
                            continue
                        }
                        // destination[ow] = x[c, ih, ow·s − p + kw] for ow in low..<high
                        let base = ih * width - p + kw
                        if low > 0 { destination.update(repeating: 0, count: low) }
                        if s == 1 {
                            (destination + low).update(from: source + (base + low), count: high - low)
                        } else {
                            var ow = low
                            while ow < high {
                                destination[ow] = source[base + ow * s]
                                ow += 1
                            }
                        }
                        if high < outW { (destination + high).update(repeating: 0, count: outW - high) }
                    }
                }
            }
        }
    }

    /// destination[oh·W + ow] = source[(oh + dy)·W + ow + dx], 0 where that lies outside the
    /// H×W plane: one copy for all the rows that stay inside, then the `validColumns`
    /// complement of those rows set to 0 (it holds values wrapped from the neighbouring row,
    /// or nothing). For small planes this replaces two or three library calls per output row
    /// (≈ 30 floats each) by one per plane.
    @inline(__always)
    static func copyShiftedPlane(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                 rowShift dy: Int, columnShift dx: Int, height: Int, width: Int,
                                 validColumns: Range<Int>) {
        let plane = height * width
        let firstRow = min(height, max(0, -dy)), endRow = max(firstRow, min(height, height - dy))
        destination.update(repeating: 0, count: firstRow * width)
        (destination + endRow * width).update(repeating: 0, count: (height - endRow) * width)
        // Every in-plane source lies in [start, end) + shift, and every valid (row, column) in [start, end).
        let shift = dy * width + dx
        let start = max(firstRow * width, -shift), end = min(endRow * width, plane - shift)
        if start < end { (destination + start).update(from: source + (start + shift), count: end - start) }
        if validColumns.lowerBound > 0 || validColumns.upperBound < width {
            for oh in firstRow..<endRow {
                let line = destination + oh * width
                for ow in 0..<validColumns.lowerBound { line[ow] = 0 }
                for ow in validColumns.upperBound..<width { line[ow] = 0 }
            }
        }
    }

    /// The adjoint of `columns(of:)`: ADDS every column entry into the image pixel it came
    /// from. columns [C·K, L] (rows `rowStride` apart, default L) → image [C, H, W]
    /// (accumulated, `+=`).
    public static func accumulateImage(columns: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                       into image: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let k = g.kernel, s = g.stride, p = g.padding
        let height = g.height, width = g.width
        let outH = g.outputHeight, outW = g.outputWidth, pitch = rowStride ?? g.positions
        precondition(pitch >= g.positions, "col2im row stride \(pitch) is below L = \(g.positions)")
        let plane = height * width
        for kw in 0..<k {
            let (low, high) = validOutputRange(offset: kw, stride: s, padding: p, size: width, outputSize: outW)
            if high <= low { continue }
            for c in 0..<g.channels {
                let target = image + c * plane
                for kh in 0..<k {
                    let row = columns + ((c * k + kh) * k + kw) * pitch
                    for oh in 0..<outH {
                        let ih = oh * s - p + kh
                        if ih < 0 || ih >= height { continue }
                        // forward: cols[row, oh·W_out + ow] = x[c, ih, ow·s − p + kw]
                        let source = row + oh * outW
                        let base = ih * width - p + kw
                        var ow = low
                        if s == 1 {
                            let t = target + base
                            while ow < high {
                                t[ow] += source[ow]
                                ow += 1
                            }
                        } else {
                            while ow < high {
                                target[base + ow * s] += source[ow]
                                ow += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output columns ow for which the input column ow·s − p + offset lies in [0, size).
    @inline(__always)
    static func validOutputRange(offset: Int, stride: Int, padding: Int, size: Int,
                                 outputSize: Int) -> (Int, Int) {
        // ow·s ≥ p − offset  and  ow·s ≤ size − 1 + p − offset
        // (clamped: with padding ≥ size, e.g. k = 5, p = 2 on a 1-wide image, no column is valid)
        let low = min(outputSize, max(0, ceilDivide(padding - offset, stride)))
        let high = min(outputSize, floorDivide(size - 1 + padding - offset, stride) + 1)
        return (low, max(low, high))
    }

    @inline(__always) static func floorDivide(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    @inline(__always) static func ceilDivide(_ a: Int, _ b: Int) -> Int {
        -floorDivide(-a, b)
    }
}

extension Im2col {
    /// Whole-batch im2col: input [N, C, H, W] → columns [N, C·K, L]. Parallel over the batch.
    public static func forward(_ input: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        let batch = checkedBatch(input, geometry: g)
        var output = Tensor(shape: [batch, g.patchLength, g.positions])
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { cols in
                let xBase = x.baseAddress!, colsBase = cols.baseAddress!
                Parallel.forEach(batch) { n in
                    columns(of: xBase + n * g.imageSize, geometry: g, into: colsBase + n * g.columnsSize)
                }
            }
        }
        return output
    }

    /// Whole-batch col2im: columns [N, C·K, L] → image gradient [N, C, H, W] (sums overlaps).
    public static func backward(_ columns: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        precondition(columns.rank == 3 && columns.shape[1] == g.patchLength && columns.shape[2] == g.positions,
                     "col2im expects columns [N, \(g.patchLength), \(g.positions)] for \(g), got \(columns.shape)")
        let batch = columns.shape[0]
        var output = Tensor(shape: [batch, g.channels, g.height, g.width])
        columns.withUnsafeBufferPointer { cols in
            output.withUnsafeMutableBufferPointer { x in
                let xBase = x.baseAddress!, colsBase = cols.baseAddress!
                Parallel.forEach(batch) { n in
                    accumulateImage(columns: colsBase + n * g.columnsSize, geometry: g, into: xBase + n * g.imageSize)
                }
            }
        }
        return output
    }

    static func checkedBatch(_ input: Tensor, geometry g: ConvolutionGeometry) -> Int {
        precondition(input.rank == 4 && input.shape[1] == g.channels && input.shape[2] == g.height
                     && input.shape[3] == g.width,
                     "im2col expects input [N, \(g.channels), \(g.height), \(g.width)] for \(g), got \(input.shape)")
        return input.shape[0]
    }
}
