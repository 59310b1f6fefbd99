import Foundation
import XCTest

let realDataDirectory = "/usr/share/datasets/fashion-mnist"

/// A fresh temporary directory removed when the test ends.
func makeDataTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("data-test-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// IDX bytes: magic 0x00000800 + rank, big-endian dimensions, then the data.
func idxBytes(dimensions: [Int], data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, 8, UInt8(dimensions.count)]
    for d in dimensions { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return out + data
}

/// gzip-compresses `bytes` with the system gzip.
func gzipped(_ bytes: [UInt8], in directory: URL) throws -> [UInt8] {
    let url = directory.appendingPathComponent("gz-\(UUID().uuidString)")
    try Data(bytes).write(to: url)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-n", "-f", url.path]
    try process.run()
    process.waitUntilExit()
    precondition(process.terminationStatus == 0, "gzip failed")
    defer { try? FileManager.default.removeItem(atPath: url.path + ".gz") }
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: url.path + ".gz")))
}

/// gunzip through the system tool (independent of the reader under test).
func gunzipped(_ path: String) throws -> [UInt8] {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", path]
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return [UInt8](data)
}

/// Writes a small synthetic dataset directory: `trainCount`/`testCount` images of h×w whose
/// pixels are a function of (index, position) and labels `index % classes`.
func writeSyntheticDataset(in directory: URL, trainCount: Int, testCount: Int, height: Int = 4, width: Int = 3,
                           classes: Int = 10, gzip: Bool) throws {
    func pixels(_ n: Int, salt: Int) -> [UInt8] { (0..<n * height * width).map { UInt8(($0 * 7 + salt) % 256) } }
    let files: [(String, [UInt8])] = [
        ("train-images-idx3-ubyte", idxBytes(dimensions: [trainCount, height, width], data: pixels(trainCount, salt: 1))),
        ("train-labels-idx1-ubyte", idxBytes(dimensions: [trainCount], data: (0..<trainCount).map { UInt8($0 % classes) })),
        ("t10k-images-idx3-ubyte", idxBytes(dimensions: [testCount, height, width], data: pixels(testCount, salt: 2))),
        ("t10k-labels-idx1-ubyte", idxBytes(dimensions: [testCount], data: (0..<testCount).map { UInt8(($0 + 3) % classes) })),
    ]
    for (name, bytes) in files {
        if gzip {
            try Data(try gzipped(bytes, in: directory)).write(to: directory.appendingPathComponent(name + ".gz"))
        } else {
            try Data(bytes).write(to: directory.appendingPathComponent(name))
        }
    }
}
