import Foundation
import XCTest
@testable import Training

/// A gzip IDX file is inflated no further than its own header says it should be.
final class GzipExpansionBoundTests: XCTestCase {
    /// Writes `header` followed by `zeros` zero bytes, compressed by the system gzip, to `name`.
    private func gzipFile(header: [UInt8], zeros: Int, name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let octal = header.map { "\\" + String($0, radix: 8) }.joined()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "(printf '\(octal)'; head -c \(zeros) /dev/zero) | gzip -n > '\(url.path)'"]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "gzip")
        return url
    }

    /// The peak resident size since `resetPeak()` (VmHWM), in bytes; nil without /proc.
    private func peakResidentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    private func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = Int(statm.split(separator: " ")[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Resets the kernel's peak-RSS mark to the current RSS (Linux ≥ 4.0); false if it cannot.
    private func resetPeak() -> Bool {
        FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs")
            && (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
    }

    func testAGzipThatExpandsFarBeyondItsHeaderStopsAtTheHeadersSizeWithAClearError() throws {
        let directory = try makeDataTemporaryDirectory(self)
        // The header announces 10 images of 28×28: 16 + 7,840 bytes; the data is 200 MB of zeros.
        let header = idxBytes(dimensions: [10, 28, 28], data: [])
        let url = try gzipFile(header: header, zeros: 200_000_000, name: "bomb-idx3-ubyte.gz", in: directory)
        let compressed = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        XCTAssertLessThan(compressed, 1_000_000, "a small file")

        let canMeasure = resetPeak()
        let before = residentBytes()
        XCTAssertThrowsError(try IDXReader.read(path: url.path, magic: IDXReader.imagesMagic)) { error in
            XCTAssertEqual(error as? DatasetError, .largerThanHeader(path: url.path, expectedBytes: 16 + 7_840))
            XCTAssertTrue("\(error)".contains("decompresses to more than the 7856 bytes its IDX header announces"), "\(error)")
        }
        if canMeasure, let before, let peak = peakResidentBytes() {
            // The compressed file, the bounded output and one inflate chunk: far below 200 MB.
            XCTAssertLessThan(peak - before, 16 << 20, "peak resident growth while decoding: \(peak - before) bytes")
        } else {
            print("note: /proc/self/clear_refs is not writable here; the memory bound was not measured")
        }
    }

    func testAGzipThatHoldsExactlyWhatItsHeaderSaysStillDecodes() throws {
        let directory = try makeDataTemporaryDirectory(self)
        let header = idxBytes(dimensions: [3, 28, 28], data: [])
        let url = try gzipFile(header: header, zeros: 3 * 784, name: "ok-idx3-ubyte.gz", in: directory)
        let file = try IDXReader.read(path: url.path, magic: IDXReader.imagesMagic)
        XCTAssertEqual(file.dimensions, [3, 28, 28])
        XCTAssertEqual(file.data, [UInt8](repeating: 0, count: 3 * 784))
    }

    /// One byte too many inside the compressed data is the same error (not "trailing garbage",
    /// which is about bytes after the gzip stream).
    func testOneByteBeyondTheHeadersSizeIsRefused() throws {
        let directory = try makeDataTemporaryDirectory(self)
        let header = idxBytes(dimensions: [3], data: [])
        let url = try gzipFile(header: header, zeros: 4, name: "labels-idx1-ubyte.gz", in: directory)
        XCTAssertThrowsError(try IDXReader.read(path: url.path, magic: IDXReader.labelsMagic)) { error in
            XCTAssertEqual(error as? DatasetError, .largerThanHeader(path: url.path, expectedBytes: 8 + 3))
        }
    }
}
