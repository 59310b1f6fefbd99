import XCTest
@testable import Training

/// Inputs the fuzzer (Fuzz/, scripts/fuzz.sh) found, each kept with its fix.
final class IDXFuzzRegressionTests: XCTestCase {
    /// A 52-byte file of two gzip members whose last trailer claims 1.9 MB made `gunzip`
    /// reserve 1.9 MB before inflating anything (fuzz target idx; Fuzz/Corpus/idx/crash-gzip-trailer-size.gz).
    func testGzipTrailerSizeIsNotTrustedBeyondWhatTheInputCanExpandTo() throws {
        let input = [UInt8](Data(base64Encoded: "H4sIAC4VFWsC/2Ng4GALZGAAAAAADiUYLQgAAAAfiwgALhUVawL/Y2RiBgAAAFWAA7wdAA==")!)
        let claimed = Int(input[input.count - 4]) | Int(input[input.count - 3]) << 8
            | Int(input[input.count - 2]) << 16 | Int(input[input.count - 1]) << 24
        XCTAssertGreaterThan(claimed, 1_000_000, "the trailer claims a large size")
        XCTAssertLessThanOrEqual(IDXReader.gunzipCapacity(input), input.count * IDXReader.maximumInflationRatio)
        XCTAssertThrowsError(try IDXReader.decode(input, path: "/x.gz", magic: IDXReader.labelsMagic))

        // A truthful trailer is still used as the hint.
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idx-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let gzip = try gzipped(labels, in: directory)
        XCTAssertEqual(IDXReader.gunzipCapacity(gzip), labels.count + 1)
        XCTAssertEqual(try IDXReader.decode(gzip, path: "/x.gz", magic: IDXReader.labelsMagic).data, [1, 2, 3])
    }
}
