import XCTest
@testable import RunStore

final class CheckpointTests: XCTestCase {
    let sample = Checkpoint(
        arrays: [NamedArray(name: "conv1.weight", shape: [2, 1, 3, 3], scalars: (0..<18).map { Float($0) * 0.37 - 3 }),
                 NamedArray(name: "bn.mean", shape: [2], scalars: [.pi, -.greatestFiniteMagnitude]),
                 NamedArray(name: "empty", shape: [0, 4], scalars: [])],
        metadata: ["epoch": 3, "step": 1290, "rng": ["0123456789abcdef", "fedcba9876543210"], "note": "é"])

    func testCRC32MatchesCheckValueAndBitwiseTwin() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 7, 8, 9, 63, 1000] {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(CRC32.checksum(bytes), CRC32.naive(bytes), "\(count) bytes")
            // Fed in two pieces, the running value is the same.
            var running = CRC32()
            bytes.withUnsafeBytes { all in
                running.update(UnsafeRawBufferPointer(rebasing: all[0..<(count / 3)]))
                running.update(UnsafeRawBufferPointer(rebasing: all[(count / 3)...]))
            }
            XCTAssertEqual(running.value, CRC32.naive(bytes), "\(count) bytes in two pieces")
        }
    }

    func testRoundTrip() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("checkpoints/epoch-003.ckpt")
        try CheckpointFile.write(sample, to: url)
        XCTAssertEqual(try CheckpointFile.read(from: url), sample)
        let files = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        XCTAssertEqual(files, ["epoch-003.ckpt"], "no temporary file left")
    }

    func decodeError(_ bytes: [UInt8]) -> CheckpointError? {
        do { _ = try CheckpointFile.decode(bytes, path: "/x.ckpt"); return nil } catch { return error as? CheckpointError }
    }

    func testDamagedFilesGiveDistinctErrors() {
        let good = CheckpointFile.encode(sample)
        var badMagic = good; badMagic[0] = UInt8(ascii: "X")
        guard case .badMagic? = decodeError(badMagic) else { return XCTFail("bad magic: \(String(describing: decodeError(badMagic)))") }

        var newer = good; newer[4] = 2
        XCTAssertEqual(decodeError(newer), .unsupportedVersion(path: "/x.ckpt", found: 2, supported: 1))

        for cut in [1, 3, 17, good.count / 2, good.count - 1] {
            guard case .truncated(_, let expected, let found)? = decodeError(Array(good.prefix(good.count - cut))) else {
                return XCTFail("cut \(cut) bytes: \(String(describing: decodeError(Array(good.prefix(good.count - cut)))))")
            }
            XCTAssertEqual(found, good.count - cut, "cut \(cut)")
            XCTAssertGreaterThan(expected, found, "cut \(cut)")
        }
        XCTAssertEqual(decodeError(good + [0]), .trailingBytes(path: "/x.ckpt", expectedBytes: good.count, foundBytes: good.count + 1))

        var flipped = good; flipped[good.count - 20] ^= 0x10  // inside the payload
        guard case .checksumMismatch? = decodeError(flipped) else { return XCTFail("flipped payload bit: \(String(describing: decodeError(flipped)))") }

        XCTAssertTrue(decodeError(badMagic)!.description.contains("/x.ckpt"))
    }
}
