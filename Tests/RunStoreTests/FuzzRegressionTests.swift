import XCTest
@testable import RunStore

/// Inputs the fuzzer (Fuzz/, scripts/fuzz.sh) found or was pointed at, each kept with its
/// fix; the same inputs are in Fuzz/Corpus/<target>/crash-….
final class FuzzRegressionTests: XCTestCase {
    /// A checkpoint (with a right CRC-32) whose header has `header` as JSON and `payload`.
    static func checkpoint(header: String, payload: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes = CheckpointFile.magic
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: CheckpointFile.formatVersion >> (8 * k))) }
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * k))) }
        bytes += json + payload
        let crc = CRC32.checksum(bytes)
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: crc >> (8 * k))) }
        return bytes
    }

    /// Dimensions whose product overflows Int trapped in `shape.reduce(1, *)` (Fuzz/Corpus/checkpoint/crash-shape-overflow.ckpt).
    func testCheckpointShapeWhoseProductOverflowsIsABadHeader() {
        let bytes = Self.checkpoint(header: #"{"arrays":[{"name":"w","shape":[67108864,67108864,67108864],"offset":0,"count":0}],"payloadBytes":0,"metadata":{}}"#)
        XCTAssertThrowsError(try CheckpointFile.decode(bytes, path: "/x.ckpt")) { error in
            guard case .badHeader(_, let reason)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("\"w\""), reason)
        }
        // A negative dimension with an even count of them is refused too (the product would be positive).
        let negative = Self.checkpoint(header: #"{"arrays":[{"name":"w","shape":[-1,-1],"offset":0,"count":1}],"payloadBytes":4,"metadata":{}}"#,
                                       payload: [0, 0, 0, 0])
        XCTAssertThrowsError(try CheckpointFile.decode(negative, path: "/x.ckpt"))
    }

    /// Array entries that all point at the same payload bytes made a 32 KB checkpoint allocate
    /// 10 MB (300 copies of a 16 KB payload; a 1 MB file could ask for gigabytes). Seen reading
    /// the decoder, confirmed by the fuzz target's allocation limit, which that file trips
    /// (Fuzz/Corpus/checkpoint/crash-overlapping-arrays.ckpt).
    func testCheckpointArraysMayNotClaimMoreThanThePayload() throws {
        let payload = [UInt8](repeating: 0, count: 64)
        func header(_ entries: [(offset: Int, count: Int)]) -> String {
            let arrays = entries.enumerated().map { i, e in
                #"{"name":"a\#(i)","shape":[\#(e.count)],"offset":\#(e.offset),"count":\#(e.count)}"#
            }
            return #"{"arrays":["# + arrays.joined(separator: ",") + #"],"payloadBytes":64,"metadata":{}}"#
        }
        let overlapping = Self.checkpoint(header: header([(0, 16), (0, 16), (0, 16)]), payload: payload)
        XCTAssertThrowsError(try CheckpointFile.decode(overlapping, path: "/x.ckpt")) { error in
            guard case .badHeader(_, let reason)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("overlap"), reason)
        }
        // Arrays side by side that fill the payload still read.
        let contiguous = Self.checkpoint(header: header([(0, 8), (32, 8)]), payload: payload)
        XCTAssertEqual(try CheckpointFile.decode(contiguous, path: "/x.ckpt").arrays.map(\.scalars.count), [8, 8])
    }
}
