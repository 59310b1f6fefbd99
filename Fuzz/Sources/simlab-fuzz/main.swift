import Foundation
import FuzzAllocations
import RunStore
import Training

// One libFuzzer executable for every reader of simlab's files; the environment variable
// SIMLAB_FUZZ_TARGET names the reader (libFuzzer owns the command line; a missing or
// unknown name prints the list of targets and exits).
//
// Each target hands the input bytes to the entry point production uses, then touches what
// a reader's caller would (derived sizes, the re-encoding a worker writes back). Besides
// crashes (traps, sanitizer reports) each input is checked for its allocations: the peak of
// bytes live during the call must stay within `factor` × the input's size + `overhead`,
// so no reader trusts a length or count it has not checked against the file.

/// A reader under fuzzing.
struct FuzzTarget {
    let name: String
    /// Peak bytes live during one input ≤ factor × input size + overhead.
    let factor: Int
    let overhead: Int
    /// The factor for this input when it differs (gzip input for `idx`).
    var factorFor: (([UInt8]) -> Int)? = nil
    let run: ([UInt8]) -> Void
}

let path = "fuzz-input"
let mebibyte = 1 << 20

/// The gzip path may expand: deflate's best ratio is 1032:1 (258-byte matches coded in 2 bits).
let gzipFactor = 1100

let targets: [FuzzTarget] = [
    // Twice: as given, and with the CRC-32 at the end made right, so mutations reach the
    // header and the arrays instead of stopping at the checksum.
    FuzzTarget(name: "checkpoint", factor: 32, overhead: mebibyte) { bytes in
        var fixed = bytes
        if fixed.count >= 20 {
            let crc = fixed.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(fixed.count - 4)])) }
            for k in 0..<4 { fixed[fixed.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
        }
        for input in [bytes, fixed] {
            guard let checkpoint = try? CheckpointFile.decode(input, path: path) else { continue }
            _ = checkpoint.arrays.map { $0.shape.count + $0.scalars.count }
            _ = CheckpointFile.encode(checkpoint)
        }
    },
    FuzzTarget(name: "status", factor: 32, overhead: mebibyte) { bytes in
        guard let status = try? RunStatus(bytes: bytes, path: path) else { return }
        _ = JSONWriter.bytes(status.json, pretty: true)
    },
    FuzzTarget(name: "config", factor: 32, overhead: mebibyte) { bytes in
        guard let config = try? RunConfig(bytes: bytes, path: path) else { return }
        _ = JSONWriter.bytes(config.json, pretty: true)
        guard let configuration = try? config.trainingConfiguration() else { return }
        _ = JSONWriter.bytes(.object(configuration.settingsObject))
    },
    FuzzTarget(name: "metrics", factor: 32, overhead: mebibyte) { bytes in
        let record = bytes.withUnsafeBufferPointer { MetricRecord.parse(line: $0) }
        _ = record.map { ($0.isEpochSummary, $0.isFinalEvaluation) }
    },
    FuzzTarget(name: "kernels", factor: 32, overhead: mebibyte) { bytes in
        guard let snapshot = try? RunDirectory.decodeRecord(KernelSnapshot.self, from: bytes, path: path) else { return }
        for layer in snapshot.layers {
            _ = layer.shapeMap
            _ = layer.effectiveKernels?.isConsistent
        }
        _ = snapshot.className(snapshot.layers.count)
    },
    FuzzTarget(name: "knn", factor: 32, overhead: mebibyte) { bytes in
        _ = try? RunDirectory.decodeRecord(KNNEpochStatistics.self, from: bytes, path: path)
    },
    FuzzTarget(name: "evaluation", factor: 32, overhead: mebibyte) { bytes in
        _ = try? RunDirectory.decodeRecord(NeighbourEvaluationSummary.self, from: bytes, path: path)
    },
    FuzzTarget(name: "model", factor: 32, overhead: mebibyte) { bytes in
        _ = try? RunDirectory.decodeRecord(ModelInfo.self, from: bytes, path: path)
    },
    // neighbours.json, a NUL byte, then the bytes of neighbours-images.bin (JSON holds no NUL).
    FuzzTarget(name: "neighbours", factor: 32, overhead: mebibyte) { bytes in
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let json = Array(bytes[..<split])
        let images = split < bytes.count ? Array(bytes[(split + 1)...]) : []
        guard let results = try? RunDirectory.decodeRecord(NeighbourResults.self, from: json, path: path) else { return }
        let (data, _) = RunDirectory.neighbours(results, imageFile: images)
        for query in data.results.queries { _ = data.results.className(query.label) }
    },
    // The first byte picks the magic (images or labels); the rest is the file, plain or gzip.
    FuzzTarget(name: "idx", factor: 32, overhead: 2 * mebibyte,
               factorFor: { $0.count >= 3 && $0[1] == 0x1F && $0[2] == 0x8B ? gzipFactor : 32 }) { bytes in
        guard let first = bytes.first else { return }
        let magic = first & 1 == 0 ? IDXReader.imagesMagic : IDXReader.labelsMagic
        _ = try? IDXReader.decode(Array(bytes.dropFirst()), path: path, magic: magic)
    },
    // The first byte picks CIFAR-10 or CIFAR-100 (and the label); the rest is a batch file.
    FuzzTarget(name: "cifar", factor: 32, overhead: mebibyte) { bytes in
        guard let first = bytes.first else { return }
        let reader = first & 1 == 0 ? CIFARReader.cifar10 : CIFARReader.cifar100
        let records = Array(bytes.dropFirst())
        guard (try? reader.check(records, path: path)) != nil else { return }
        var pixels: [UInt8] = [], labels: [Int] = []
        reader.append(records: records, label: first & 2 == 0 ? "fine" : "coarse", pixels: &pixels, labels: &labels)
    },
    // A PNG file through libpng (the CPNG shim): header, then a decode to grey and to RGB when
    // the announced image is small (a tiny file may announce a huge image: its size is the
    // caller's to bound, as an image folder's common size is).
    FuzzTarget(name: "png", factor: 32, overhead: 4 * mebibyte) { bytes in
        let data = Data(bytes)
        guard let header = try? ImageFolderReader.header(data, path: path),
              header.width * header.height <= 1 << 16 else { return }
        for channels in [1, 3] {
            var pixels = [UInt8](repeating: 0, count: channels * header.width * header.height)
            try? ImageFolderReader.decode(data, path: path, channels: channels, height: header.height, width: header.width,
                                          into: &pixels)
        }
    },
]

let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SIMLAB_FUZZ_TARGET"] ?? ""
    guard let target = targets.first(where: { $0.name == name }) else {
        let list = targets.map(\.name).joined(separator: " ")
        fputs("simlab-fuzz: set SIMLAB_FUZZ_TARGET to one of: \(list)\n", stderr)
        exit(2)
    }
    return target
}()

/// SIMLAB_FUZZ_REPORT=1 prints each input's size and allocations (to choose the factors).
let report = ProcessInfo.processInfo.environment["SIMLAB_FUZZ_REPORT"] == "1"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    fuzz_allocations_begin()
    selected.run(bytes)
    fuzz_allocations_end()
    let peak = fuzz_allocations_peak()
    let factor = selected.factorFor?(bytes) ?? selected.factor
    let limit = factor * size + selected.overhead
    if report {
        print("\(selected.name): \(size) bytes in, peak \(peak) live, largest \(fuzz_allocations_largest()), total \(fuzz_allocations_total())")
    }
    if peak > limit {
        fputs("simlab-fuzz: \(selected.name): an input of \(size) bytes had \(peak) bytes allocated at once "
              + "(largest block \(fuzz_allocations_largest())), over the limit \(factor) × \(size) + \(selected.overhead)\n",
              stderr)
        abort()
    }
    return 0
}

_ = selected
guard fuzz_allocations_install() != 0 else {
    fputs("simlab-fuzz: cannot install the allocation hooks (built without -sanitize=address?)\n", stderr)
    exit(2)
}
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) })
