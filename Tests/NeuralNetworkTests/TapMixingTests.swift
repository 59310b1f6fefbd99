import XCTest
import TensorCore
@testable import NeuralNetwork

/// The blocked 3×3 tap-mixing kernels against the plain row loops, on position counts
/// below, at and around multiples of the 8-position block (the tail goes to the row loops).
final class TapMixingTests: XCTestCase {
    private func random(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        Tensor.randomNormal(shape: [count], generator: &generator).scalars
    }

    private func assertClose(_ got: [Float], _ expected: [Float], _ label: String) {
        XCTAssertEqual(got.count, expected.count, label)
        // NaN fails (an element left unwritten keeps the NaN it was filled with).
        let bad = zip(got, expected).enumerated().filter { _, pair in
            !(abs(pair.0 - pair.1) <= 1e-5 * max(1, abs(pair.1)))
        }
        XCTAssertTrue(bad.isEmpty, "\(label): \(bad.count) elements differ, first at \(bad.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
    }

    func testBlockedMixingMatchesRowLoops() {
        var generator = SeededGenerator(seed: 77)
        for diagonal in [false, true] {
            for taps in [9, 4] {
                for channels in [1, 3] {
                    for positions in [1, 7, 8, 13, 16, 49, 50] {
                        let label = "\(diagonal ? "diag" : "full") K=\(taps) C=\(channels) L=\(positions)"
                        let rows = channels * taps, entries = diagonal ? taps : taps * taps
                        let patches = random(rows * positions, &generator)
                        let mixing = random(entries * positions, &generator)
                        let upstream = random(rows * positions, &generator)
                        // Poisoned outputs: every element must be overwritten.
                        var mixed = [Float](repeating: .nan, count: rows * positions)
                        var reference = mixed
                        ConvolutionEngine.mix(patches, mixing: mixing, diagonal: diagonal, into: &mixed,
                                              channels: channels, taps: taps, positions: positions)
                        ConvolutionEngine.mixColumns(patches, mixing: mixing, diagonal: diagonal, into: &reference,
                                                     channels: channels, taps: taps, positions: positions,
                                                     columns: 0..<positions)
                        assertClose(mixed, reference, "\(label) forward")

                        var inputGradient = [Float](repeating: .nan, count: rows * positions)
                        var mixingGradient = [Float](repeating: .nan, count: entries * positions)
                        var inputReference = inputGradient, mixingReference = mixingGradient
                        ConvolutionEngine.mixBackward(patches, mixing: mixing, diagonal: diagonal,
                                                      outputGradient: upstream, inputGradient: &inputGradient,
                                                      mixingGradient: &mixingGradient, channels: channels,
                                                      taps: taps, positions: positions)
                        ConvolutionEngine.mixBackwardColumns(patches, mixing: mixing, diagonal: diagonal,
                                                             outputGradient: upstream, inputGradient: &inputReference,
                                                             mixingGradient: &mixingReference, channels: channels,
                                                             taps: taps, positions: positions, columns: 0..<positions)
                        assertClose(inputGradient, inputReference, "\(label) dP")
                        assertClose(mixingGradient, mixingReference, "\(label) dM")
                    }
                }
            }
        }
    }

    /// `mix` and `mixBackward` (blocked columns 0..<8, row loops for the rest) against the
    /// definition, element by element in Double, into outputs filled with NaN.
    func testRowLoopsFollowTheDefinition() {
        var generator = SeededGenerator(seed: 78)
        let channels = 2, taps = 9, positions = 11, rows = channels * taps
        let patches = random(rows * positions, &generator), mixing = random(taps * taps * positions, &generator)
        let upstream = random(rows * positions, &generator)
        var mixed = [Float](repeating: .nan, count: rows * positions)
        var inputGradient = mixed, mixingGradient = [Float](repeating: .nan, count: taps * taps * positions)
        ConvolutionEngine.mix(patches, mixing: mixing, diagonal: false, into: &mixed,
                              channels: channels, taps: taps, positions: positions)
        ConvolutionEngine.mixBackward(patches, mixing: mixing, diagonal: false, outputGradient: upstream,
                                      inputGradient: &inputGradient, mixingGradient: &mixingGradient,
                                      channels: channels, taps: taps, positions: positions)
        var expectedMixed = [Float](), expectedInput = [Float](), expectedMixing = [Float]()
        for c in 0..<channels {
            for t in 0..<taps {
                for l in 0..<positions {
                    var sum = 0.0
                    for q in 0..<taps {
                        sum += Double(mixing[(t * taps + q) * positions + l]) * Double(patches[(c * taps + q) * positions + l])
                    }
                    expectedMixed.append(Float(sum))
                }
            }
        }
        for c in 0..<channels {
            for q in 0..<taps {
                for l in 0..<positions {
                    var sum = 0.0
                    for t in 0..<taps {
                        sum += Double(mixing[(t * taps + q) * positions + l]) * Double(upstream[(c * taps + t) * positions + l])
                    }
                    expectedInput.append(Float(sum))
                }
            }
        }
        for t in 0..<taps {
            for q in 0..<taps {
                for l in 0..<positions {
                    var sum = 0.0
                    for c in 0..<channels {
                        sum += Double(upstream[(c * taps + t) * positions + l]) * Double(patches[(c * taps + q) * positions + l])
                    }
                    expectedMixing.append(Float(sum))
                }
            }
        }
        assertClose(mixed, expectedMixed, "forward")
        assertClose(inputGradient, expectedInput, "dP")
        assertClose(mixingGradient, expectedMixing, "dM")
    }
}
