import Foundation

/// A tiny dataset of ten textures that a small convolutional network tells apart after a
/// few epochs, written as the four gzip IDX files a run reads with `--data DIR`.
///
/// Class c of 14×14 images (pixels 0...255; small, so a debug-build epoch takes about a
/// second), each with a random phase and a little noise:
/// 0 flat grey, 1–3 horizontal stripes of period 2/4/8, 4–6 vertical stripes of period
/// 2/4/8, 7–8 checkerboards of cell 1/2, 9 a dot grid. Every class survives a horizontal
/// flip and a 2-pixel shift, so training-time augmentation keeps the labels right.
enum SyntheticIDXDataset {
    static let side = 14
    static let classCount = 10

    static func pixel(label: Int, row: Int, column: Int, phase: Int) -> Int {
        let r = row + phase, c = column + phase
        switch label {
        case 0: return 128
        case 1: return (r / 1) % 2 == 0 ? 230 : 20
        case 2: return (r / 2) % 2 == 0 ? 230 : 20
        case 3: return (r / 4) % 2 == 0 ? 230 : 20
        case 4: return (c / 1) % 2 == 0 ? 230 : 20
        case 5: return (c / 2) % 2 == 0 ? 230 : 20
        case 6: return (c / 4) % 2 == 0 ? 230 : 20
        case 7: return (r + c) % 2 == 0 ? 230 : 20
        case 8: return (r / 2 + c / 2) % 2 == 0 ? 230 : 20
        default: return r % 4 == 0 && c % 4 == 0 ? 250 : 10
        }
    }

    /// `count` images with labels `i % 10` (shuffled by the seed), pixels row-major.
    static func images(count: Int, seed: UInt64) -> (pixels: [UInt8], labels: [UInt8]) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {  // xorshift64*: independent of the code under test
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        var labels = (0..<count).map { UInt8($0 % classCount) }
        for i in stride(from: count - 1, to: 0, by: -1) { labels.swapAt(i, Int(next() % UInt64(i + 1))) }
        var pixels = [UInt8](repeating: 0, count: count * side * side)
        for (n, label) in labels.enumerated() {
            let phase = Int(next() % 8)
            for row in 0..<side {
                for column in 0..<side {
                    let noise = Int(next() % 41) - 20
                    let value = pixel(label: Int(label), row: row, column: column, phase: phase) + noise
                    pixels[(n * side + row) * side + column] = UInt8(max(0, min(255, value)))
                }
            }
        }
        return (pixels, labels)
    }

    static func idx(dimensions: [Int], magic: UInt8, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 8, magic]
        for d in dimensions { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return out + data
    }

    /// Writes train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz
    /// and t10k-labels-idx1-ubyte.gz into `directory`.
    static func write(to directory: URL, trainCount: Int = 300, testCount: Int = 100, seed: UInt64 = 1) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let train = images(count: trainCount, seed: seed)
        let test = images(count: testCount, seed: seed &+ 1000)
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", idx(dimensions: [trainCount, side, side], magic: 3, data: train.pixels)),
            ("train-labels-idx1-ubyte", idx(dimensions: [trainCount], magic: 1, data: train.labels)),
            ("t10k-images-idx3-ubyte", idx(dimensions: [testCount, side, side], magic: 3, data: test.pixels)),
            ("t10k-labels-idx1-ubyte", idx(dimensions: [testCount], magic: 1, data: test.labels)),
        ]
        for (name, bytes) in files {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            gzip.arguments = ["gzip", "-n", "-f", url.path]
            try gzip.run()
            gzip.waitUntilExit()
            guard gzip.terminationStatus == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
    }
}
