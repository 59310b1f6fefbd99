import CPNG
import Foundation

/// Writes small datasets in the official CIFAR binary layouts and as PNG class folders
/// (through libpng), with pixel values that are a known function of (image, channel, position).
enum ColourDatasetFiles {
    /// Pixel byte of image `n` (counted over the whole split), channel `c`, position `k` in the plane.
    static func pixel(_ n: Int, _ c: Int, _ k: Int, salt: Int) -> UInt8 { UInt8((n * 31 + k * 7 + salt) % (256 - c * 60)) }

    /// CIFAR-10: `perBatch` records in each of data_batch_1…5.bin, `testCount` in test_batch.bin;
    /// label of training image n is n % 10, of test image n (n + 3) % 10.
    static func writeCIFAR10(to directory: URL, perBatch: Int = 4, testCount: Int = 6, names: [String]? = nil) throws {
        func records(_ first: Int, _ count: Int, label: (Int) -> Int, salt: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for n in first..<(first + count) {
                bytes.append(UInt8(label(n)))
                for c in 0..<3 { for k in 0..<1024 { bytes.append(pixel(n, c, k, salt: salt)) } }
            }
            return bytes
        }
        for b in 0..<5 {
            try Data(records(b * perBatch, perBatch, label: { $0 % 10 }, salt: 1))
                .write(to: directory.appendingPathComponent("data_batch_\(b + 1).bin"))
        }
        try Data(records(0, testCount, label: { ($0 + 3) % 10 }, salt: 2)).write(to: directory.appendingPathComponent("test_batch.bin"))
        if let names { try (names.joined(separator: "\n") + "\n\n").write(to: directory.appendingPathComponent("batches.meta.txt"), atomically: true, encoding: .utf8) }
    }

    /// CIFAR-100: train.bin / test.bin with coarse label n % 20 and fine label (n * 7) % 100.
    static func writeCIFAR100(to directory: URL, trainCount: Int = 12, testCount: Int = 5) throws {
        func records(_ count: Int, salt: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for n in 0..<count {
                bytes += [UInt8(n % 20), UInt8((n * 7) % 100)]
                for c in 0..<3 { for k in 0..<1024 { bytes.append(pixel(n, c, k, salt: salt)) } }
            }
            return bytes
        }
        try Data(records(trainCount, salt: 1)).write(to: directory.appendingPathComponent("train.bin"))
        try Data(records(testCount, salt: 2)).write(to: directory.appendingPathComponent("test.bin"))
    }

    /// Writes `pixels` (height × width × channels, interleaved; channels 1–4) as a PNG through libpng.
    static func writePNG(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var message = [CChar](repeating: 0, count: 256)
        guard simlab_png_write(url.path, Int32(width), Int32(height), Int32(channels), pixels, &message, message.count) == 1 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: message)])
        }
    }
}
