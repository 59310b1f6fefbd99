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
    /// definition, element by element in Double, into outputs filled with NaN, for full and
    /// diagonal mixing with K = 9 and K = 4 taps:
    ///
    ///     out[c,t,l] = Σ_q M[t,q,l]·P[c,q,l]     (diagonal: M[t,q,l] = 0 for q ≠ t)
    ///     dP[c,q,l]  = Σ_t M[t,q,l]·U[c,t,l]
    ///     dM[t,q,l]  = Σ_c U[c,t,l]·P[c,q,l]      (diagonal: only the entries t = q)
    func testRowLoopsFollowTheDefinition() {
        var generator = SeededGenerator(seed: 78)
        for diagonal in [false, true] {
            for taps in [9, 4] {
                for positions in [3, 11] {
                    let label = "\(diagonal ? "diag" : "full") K=\(taps) L=\(positions)"
                    let channels = 2, rows = channels * taps, entries = diagonal ? taps : taps * taps
                    let patches = random(rows * positions, &generator), mixing = random(entries * positions, &generator)
                    let upstream = random(rows * positions, &generator)
                    var mixed = [Float](repeating: .nan, count: rows * positions)
                    var inputGradient = mixed, mixingGradient = [Float](repeating: .nan, count: entries * positions)
                    ConvolutionEngine.mix(patches, mixing: mixing, diagonal: diagonal, into: &mixed,
                                          channels: channels, taps: taps, positions: positions)
                    ConvolutionEngine.mixBackward(patches, mixing: mixing, diagonal: diagonal, outputGradient: upstream,
                                                  inputGradient: &inputGradient, mixingGradient: &mixingGradient,
                                                  channels: channels, taps: taps, positions: positions)
                    func m(_ t: Int, _ q: Int, _ l: Int) -> Double {
                        if diagonal { return t == q ? Double(mixing[t * positions + l]) : 0 }
                        return Double(mixing[(t * taps + q) * positions + l])
                    }
                    func p(_ c: Int, _ q: Int, _ l: Int) -> Double { Double(patches[(c * taps + q) * positions + l]) }
                    func u(_ c: Int, _ t: Int, _ l: Int) -> Double { Double(upstream[(c * taps + t) * positions + l]) }
                    var expectedMixed = [Float](), expectedInput = [Float](), expectedMixing = [Float]()
                    for c in 0..<channels {
                        for t in 0..<taps {
                            for l in 0..<positions {
                                expectedMixed.append(Float((0..<taps).reduce(0.0) { $0 + m(t, $1, l) * p(c, $1, l) }))
                            }
                        }
                    }
                    for c in 0..<channels {
                        for q in 0..<taps {
                            for l in 0..<positions {
                                expectedInput.append(Float((0..<taps).reduce(0.0) { $0 + m($1, q, l) * u(c, $1, l) }))
                            }
                        }
                    }
                    for t in 0..<taps {
                        for q in 0..<taps where !diagonal || q == t {
                            for l in 0..<positions {
                                expectedMixing.append(Float((0..<channels).reduce(0.0) { $0 + u($1, t, l) * p($1, q, l) }))
                            }
                        }
                    }
                    assertClose(mixed, expectedMixed, "\(label) forward")
                    assertClose(inputGradient, expectedInput, "\(label) dP")
                    assertClose(mixingGradient, expectedMixing, "\(label) dM")
                }
            }
        }
    }
}
