import XCTest
@testable import TensorCore

/// The column matrices of several images side by side in one [C·K, B·L] matrix
/// (`rowStride: B·L`), as the convolution engine lays out a group of images.
final class Im2colRowStrideTests: XCTestCase {
    func testSideBySideColumnsMatchPerImageColumns() {
        for (batch, channels, height, width, kernel, stride, padding) in Im2colTests.cases where batch > 1 {
            let g = ConvolutionGeometry(channels: channels, height: height, width: width,
                                        kernel: kernel, stride: stride, padding: padding)
            let label = "N=\(batch) \(g)"
            var generator = SeededGenerator(seed: UInt64(height * 31 + width * 7 + kernel))
            let input = Tensor.randomNormal(shape: [batch, channels, height, width], generator: &generator)
            let perImage = Im2col.forward(input, geometry: g)           // [N, C·K, L]
            let pitch = batch * g.positions
            var wide = [Float](repeating: .nan, count: g.patchLength * pitch)
            input.withUnsafeBufferPointer { x in
                wide.withUnsafeMutableBufferPointer { cols in
                    for n in 0..<batch {
                        Im2col.columns(of: x.baseAddress! + n * g.imageSize, geometry: g,
                                       into: cols.baseAddress! + n * g.positions, rowStride: pitch)
                    }
                }
            }
            for n in 0..<batch {
                for row in 0..<g.patchLength {
                    let start = (n * g.patchLength + row) * g.positions
                    let expected = Array(perImage.scalars[start..<(start + g.positions)])
                    let actual = Array(wide[(row * pitch + n * g.positions)..<(row * pitch + (n + 1) * g.positions)])
                    XCTAssertEqual(actual, expected, "image \(n) row \(row), \(label)")
                }
            }

            // col2im from the wide matrix equals col2im of each image's own block.
            var generatorY = SeededGenerator(seed: 7)
            let y = Tensor.randomNormal(shape: [batch, g.patchLength, g.positions], generator: &generatorY)
            let expectedImages = Im2col.backward(y, geometry: g)
            var wideY = [Float](repeating: 0, count: g.patchLength * pitch)
            for n in 0..<batch {
                for row in 0..<g.patchLength {
                    for l in 0..<g.positions {
                        wideY[row * pitch + n * g.positions + l] = y.scalars[(n * g.patchLength + row) * g.positions + l]
                    }
                }
            }
            var images = [Float](repeating: 0, count: batch * g.imageSize)
            wideY.withUnsafeBufferPointer { cols in
                images.withUnsafeMutableBufferPointer { x in
                    for n in 0..<batch {
                        Im2col.accumulateImage(columns: cols.baseAddress! + n * g.positions, geometry: g,
                                               into: x.baseAddress! + n * g.imageSize, rowStride: pitch)
                    }
                }
            }
            XCTAssertEqual(images, expectedImages.scalars, "col2im with row stride, \(label)")
        }
    }

    func testInitializingWithWritesEveryScalar() {
        let tensor = Tensor(shape: [2, 3]) { buffer in
            for i in buffer.indices { buffer[i] = Float(i) * 0.5 }
        }
        XCTAssertEqual(tensor.shape, [2, 3])
        XCTAssertEqual(tensor.scalars, [0, 0.5, 1, 1.5, 2, 2.5])
    }
}
