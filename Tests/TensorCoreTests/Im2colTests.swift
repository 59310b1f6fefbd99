import XCTest
@testable import TensorCore

final class Im2colTests: XCTestCase {
    /// (batch, channels, height, width, kernel, stride, padding)
    static let cases: [(Int, Int, Int, Int, Int, Int, Int)] = {
        var cases: [(Int, Int, Int, Int, Int, Int, Int)] = []
        for kernel in [3, 5] {
            for stride in [1, 2] {
                for padding in [0, 1, 2] {
                    for (height, width) in [(5, 5), (7, 6), (9, 11)] where height + 2 * padding >= kernel {
                        cases.append((2, 3, height, width, kernel, stride, padding))
                    }
                }
            }
        }
        cases.append((1, 1, 1, 1, 3, 1, 1))
        // Padding as wide as the image: some taps see no pixel in a whole row or column.
        cases.append((1, 1, 1, 1, 5, 1, 2))
        cases.append((2, 2, 2, 1, 5, 1, 2))
        cases.append((1, 2, 1, 3, 5, 2, 2))
        cases.append((3, 2, 4, 3, 1, 1, 0))
        cases.append((1, 2, 6, 6, 3, 3, 1))
        return cases
    }()

    func testIm2colMatchesDefinition() {
        for (batch, channels, height, width, kernel, stride, padding) in Self.cases {
            let g = ConvolutionGeometry(channels: channels, height: height, width: width,
                                        kernel: kernel, stride: stride, padding: padding)
            var generator = SeededGenerator(seed: UInt64(height * 100 + width))
            let input = Tensor.randomNormal(shape: [batch, channels, height, width], generator: &generator)
            let fast = Im2col.forward(input, geometry: g)
            let naive = ConvolutionReference.columns(input, geometry: g)
            XCTAssertEqual(fast.shape, naive.shape, "im2col shape, N=\(batch) \(g)")
            XCTAssertEqual(fast.scalars, naive.scalars, "im2col values, N=\(batch) \(g)")
        }
    }

    /// With a gap after every row (row stride L + 3), im2col writes its rows and nothing
    /// in the gaps, on every geometry (including taps that see no pixel at all).
    func testIm2colWritesNothingOutsideItsRows() {
        let sentinel: Float = 12345
        for (_, channels, height, width, kernel, stride, padding) in Self.cases {
            let g = ConvolutionGeometry(channels: channels, height: height, width: width,
                                        kernel: kernel, stride: stride, padding: padding)
            var generator = SeededGenerator(seed: UInt64(kernel * 1000 + height * 10 + width))
            let image = Tensor.randomNormal(shape: [1, channels, height, width], generator: &generator)
            let pitch = g.positions + 3
            var columns = [Float](repeating: sentinel, count: g.patchLength * pitch)
            image.withUnsafeBufferPointer { x in
                columns.withUnsafeMutableBufferPointer { c in
                    Im2col.columns(of: x.baseAddress!, geometry: g, into: c.baseAddress!, rowStride: pitch)
                }
            }
            let naive = ConvolutionReference.columns(image, geometry: g).scalars
            for row in 0..<g.patchLength {
                XCTAssertEqual(Array(columns[(row * pitch)..<(row * pitch + g.positions)]),
                               Array(naive[(row * g.positions)..<((row + 1) * g.positions)]), "row \(row), \(g)")
                XCTAssertEqual(Array(columns[(row * pitch + g.positions)..<((row + 1) * pitch)]),
                               [sentinel, sentinel, sentinel], "gap after row \(row) untouched, \(g)")
            }
        }
    }

    func testCol2imIsAdjointOfIm2col() {
        for (batch, channels, height, width, kernel, stride, padding) in Self.cases {
            let g = ConvolutionGeometry(channels: channels, height: height, width: width,
                                        kernel: kernel, stride: stride, padding: padding)
            var generator = SeededGenerator(seed: UInt64(kernel * 1000 + stride * 10 + padding))
            let x = Tensor.randomNormal(shape: [batch, channels, height, width], generator: &generator)
            let y = Tensor.randomNormal(shape: [batch, g.patchLength, g.positions], generator: &generator)
            let left = dot(Im2col.forward(x, geometry: g), y)
            let right = dot(x, Im2col.backward(y, geometry: g))
            XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)), "⟨im2col x, y⟩ = ⟨x, col2im y⟩, N=\(batch) \(g)")
        }
    }

    func testCol2imAccumulatesIntoExistingValues() {
        let g = ConvolutionGeometry(channels: 1, height: 3, width: 3, kernel: 3, stride: 1, padding: 1)
        let ones = [Float](repeating: 1, count: g.columnsSize)
        var image = [Float](repeating: 10, count: g.imageSize)
        ones.withUnsafeBufferPointer { cols in
            image.withUnsafeMutableBufferPointer { x in
                Im2col.accumulateImage(columns: cols.baseAddress!, geometry: g, into: x.baseAddress!)
            }
        }
        // Each pixel of a 3×3 image with a 3×3 "same" kernel is covered by as many output
        // positions as it has neighbours (itself included): corners 4, edges 6, centre 9.
        XCTAssertEqual(image, [14, 16, 14, 16, 19, 16, 14, 16, 14])
    }

    func testReferenceConvolutionHandExample() {
        // 1 channel 3×3 input, 2×2 kernel of ones, stride 1, no padding: sums of 2×2 windows.
        let input = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let weight = Tensor(shape: [1, 1, 2, 2], repeating: 1)
        let bias = Tensor(shape: [1], scalars: [0.5])
        let output = ConvolutionReference.convolution(input: input, weight: weight, bias: bias, stride: 1, padding: 0)
        XCTAssertEqual(output.shape, [1, 1, 2, 2])
        XCTAssertEqual(output.scalars, [12.5, 16.5, 24.5, 28.5])
    }

    func testGeometryOutputSizes() {
        XCTAssertEqual(ConvolutionGeometry(channels: 1, height: 28, width: 28, kernel: 3, stride: 1, padding: 1).outputHeight, 28)
        XCTAssertEqual(ConvolutionGeometry(channels: 1, height: 28, width: 28, kernel: 5, stride: 2, padding: 2).outputHeight, 14)
        XCTAssertEqual(ConvolutionGeometry(channels: 1, height: 7, width: 8, kernel: 3, stride: 2, padding: 0).outputWidth, 3)
    }

    private func dot(_ a: Tensor, _ b: Tensor) -> Float {
        var sum: Double = 0
        for i in 0..<a.count { sum += Double(a.scalars[i]) * Double(b.scalars[i]) }
        return Float(sum)
    }
}
