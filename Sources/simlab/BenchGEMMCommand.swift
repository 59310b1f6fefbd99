import ArgumentParser
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `simlab bench gemm`: GFLOP/s of square single-precision GEMM (2·n³ / time).
struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Measure GEMM speed (GFLOP/s) for square matrices."
    )

    enum Transpose: String, ExpressibleByArgument, CaseIterable {
        case nn, nt, tn, tt
    }

    @Option(name: .long, help: "Matrix size n (default: 256, 512, 1024 and 2048).")
    var size: [Int] = []

    @Option(name: .long, help: "Thread count (default: 1 and 2).")
    var threads: [Int] = []

    @Option(name: .long, help: "Timed repetitions after one warm-up; the best is reported.")
    var `repeat`: Int?

    @Option(name: .long, help: "Transposition of A and B: nn, nt, tn or tt.")
    var transpose: Transpose = .nn

    @Flag(name: .long, help: "One JSON object per line instead of a table.")
    var json = false

    @Option(name: .long, help: .hidden)  // "mc,kc,nc" cache blocks, for sweeps
    var blocks: String?

    func validate() throws {
        guard size.allSatisfy({ $0 > 0 }) else { throw ValidationError("--size must be positive") }
        guard threads.allSatisfy({ $0 > 0 }) else { throw ValidationError("--threads must be positive") }
        if let r = `repeat`, r < 1 { throw ValidationError("--repeat must be at least 1") }
        if let blocks, cacheBlocks == nil {
            throw ValidationError("--blocks wants mc,kc,nc with mc a positive multiple of 6, kc > 0 and nc a positive multiple of 16, got \(blocks)")
        }
    }

    /// (mc, kc, nc) from `--blocks`, nil when absent or malformed.
    var cacheBlocks: (Int, Int, Int)? {
        guard let values = blocks?.split(separator: ",").compactMap({ Int($0) }), values.count == 3,
              values[0] > 0, values[0] % 6 == 0, values[1] > 0, values[2] > 0, values[2] % 16 == 0 else { return nil }
        return (values[0], values[1], values[2])
    }

    func run() throws {
        if let cacheBlocks { GEMM.cacheBlocks = cacheBlocks }
        let sizes = size.isEmpty ? [256, 512, 1024, 2048] : size
        let threadCounts = threads.isEmpty ? [1, 2] : threads
        if !json {
            print("size  threads  transpose     GFLOP/s   best time")
        }
        for n in sizes {
            var generator = SeededGenerator(seed: UInt64(n))
            let a = Tensor.randomUniform(shape: [n, n], low: -1, high: 1, generator: &generator)
            let b = Tensor.randomUniform(shape: [n, n], low: -1, high: 1, generator: &generator)
            var c = Tensor(shape: [n, n])
            // Enough repeats for about a second of work at ~50 GFLOP/s, at least 3.
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let repeats = `repeat` ?? max(3, min(50, Int(5e10 / flops)))
            for threadCount in threadCounts {
                var best = Double.infinity
                for iteration in 0...repeats {
                    let seconds = time {
                        a.withUnsafeBufferPointer { aBuffer in
                            b.withUnsafeBufferPointer { bBuffer in
                                c.withUnsafeMutableBufferPointer { cBuffer in
                                    GEMM.multiply(transposeA: transpose == .tn || transpose == .tt,
                                                  transposeB: transpose == .nt || transpose == .tt,
                                                  m: n, n: n, k: n,
                                                  a: aBuffer.baseAddress!, lda: n,
                                                  b: bBuffer.baseAddress!, ldb: n,
                                                  c: cBuffer.baseAddress!, ldc: n,
                                                  threads: threadCount)
                                }
                            }
                        }
                    }
                    if iteration > 0 { best = min(best, seconds) }  // iteration 0 warms up
                }
                let gflops = flops / best / 1e9
                if json {
                    print("{\"benchmark\":\"gemm\",\"size\":\(n),\"threads\":\(threadCount),"
                          + "\"transpose\":\"\(transpose.rawValue)\",\"gflops\":\(rounded(gflops)),"
                          + "\"seconds\":\(best),\"repeats\":\(repeats)}")
                } else {
                    print(pad("\(n)", 4) + pad("\(threadCount)", 9) + pad(transpose.rawValue, 11)
                          + pad(String(rounded(gflops)), 12) + pad("\(rounded(best * 1e3)) ms", 12))
                }
            }
        }
    }

    private func time(_ body: () -> Void) -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9
    }

    private func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
