import ArgumentParser
import Foundation
import Neighbours
import TensorCore

/// `simlab bench knn`: end-to-end time of the kNN path (bank build + exact top-k search +
/// vote) on random data, with the GEMM's share of the search. D = 784 uses 8-bit pixel
/// rows (like the `pixels` feature space); other D use Float rows (like model features).
struct BenchKNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knn",
        abstract: "Time bank build + exact top-k search + vote on random data."
    )

    @Option(help: "Number of queries n.") var queries = 10_000
    @Option(help: "Number of bank rows N.") var bank = 60_000
    @Option(help: "Feature dimension D; repeat for several.") var dim: [Int] = [784, 128, 64]
    @Option(help: "Neighbours per query.") var k = 20
    @Option(help: "Threads.") var threads = 2
    @Option(help: "cosine or euclidean.") var metric = "cosine"
    @Option(help: "Vote temperature.") var temperature: Float = KNNVote.defaultTemperature
    @Option(help: "Classes of the random labels.") var classes = 10
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Qb: query rows per block (one block per task).") var queryBlock = NeighbourSearch.default.queryBlockRows
    @Option(help: "Bb: bank rows per GEMM.") var bankBlock = NeighbourSearch.default.bankBlockRows
    @Option(help: .hidden) var chunk = NeighbourSearch.default.chunkRows
    @Flag(help: "One JSON object per line.") var json = false
    @Option(help: .hidden) var dump: String?

    func validate() throws {
        guard chunk > 0, chunk % 6 == 0 else {
            throw ValidationError("--chunk must be a positive multiple of 6 (the micro-kernel's rows), got \(chunk)")
        }
        guard queries > 0, bank > 0, k > 0, threads > 0, classes > 0, queryBlock > 0, bankBlock > 0,
              dim.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("queries, bank, dim, k, threads, classes and block sizes must be positive")
        }
        guard SimilarityMetric(rawValue: metric) != nil else {
            throw ValidationError("--metric must be cosine or euclidean, got \(metric)")
        }
    }

    func run() throws {
        Parallel.threadCount = threads
        let metric = SimilarityMetric(rawValue: self.metric)!
        for d in dim {
            var generator = SeededGenerator(seed: seed).derived(UInt64(d))
            let labels = (0..<bank).map { _ in generator.nextInt(below: classes) }
            let usePixels = d == 784
            let bankPixels = usePixels ? randomBytes(bank * d, &generator) : []
            let queryPixels = usePixels ? randomBytes(queries * d, &generator) : []
            let bankFloats = usePixels ? [] : (0..<(bank * d)).map { _ in generator.nextFloat(in: -1..<1) }
            let queryFloats = usePixels ? [] : (0..<(queries * d)).map { _ in generator.nextFloat(in: -1..<1) }

            let clock = ContinuousClock()
            let cpuStart = Self.processCPUSeconds()
            let start = clock.now
            let featureBank = usePixels
                ? FeatureBank(pixels: bankPixels, count: bank, dimension: d, labels: labels,
                              classCount: classes, metric: metric, threads: threads)
                : FeatureBank(features: bankFloats, count: bank, dimension: d, labels: labels,
                              classCount: classes, metric: metric, threads: threads)
            let built = clock.now
            let search = NeighbourSearch(queryBlockRows: queryBlock, bankBlockRows: bankBlock, chunkRows: chunk,
                                         threads: threads)
            let (result, profile) = usePixels
                ? search.searchProfiled(pixels: queryPixels, in: featureBank, k: k)
                : search.searchProfiled(queryFloats, in: featureBank, k: k)
            let searched = clock.now
            let probabilities = KNNVote.probabilities(result, labels: labels, classCount: classes,
                                                      temperature: temperature)
            let end = clock.now
            let cpu = Self.processCPUSeconds() - cpuStart

            let build = seconds(built - start), searchTime = seconds(searched - built)
            let vote = seconds(end - searched), total = seconds(end - start)
            if json {
                print("{\"benchmark\":\"knn\",\"queries\":\(queries),\"bank\":\(bank),\"dim\":\(d),\"k\":\(k),"
                      + "\"threads\":\(threads),\"query_block\":\(queryBlock),\"bank_block\":\(bankBlock),\"seconds\":\(format(total)),\"cpu_seconds\":\(format(cpu)),\"metric\":\"\(metric)\","
                      + "\"build_seconds\":\(format(build)),\"search_seconds\":\(format(searchTime)),"
                      + "\"vote_seconds\":\(format(vote)),\"gemm_share\":\(format(profile.gemmShare))}")
            } else {
                print("knn \(metric) n=\(queries) N=\(bank) D=\(d) k=\(k) threads=\(threads) Qb=\(queryBlock) Bb=\(bankBlock): "
                      + "\(format(total)) s  (build \(format(build)) s, search \(format(searchTime)) s, "
                      + "vote \(format(vote)) s; CPU \(format(cpu)) s; GEMM \(String(format: "%.1f", profile.gemmShare * 100))% "
                      + "of search thread-time)")
            }
            if let dump {
                try write(dump: dump, dimension: d, metric: metric, labels: labels,
                          bankRows: usePixels ? bankPixels.map { Float($0) / 255 } : bankFloats,
                          queryRows: usePixels ? queryPixels.map { Float($0) / 255 } : queryFloats,
                          result: result, probabilities: probabilities)
            }
        }
    }

    private func randomBytes(_ count: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            var word = generator.next()
            for _ in 0..<min(8, count - i) { bytes[i] = UInt8(truncatingIfNeeded: word); word >>= 8; i += 1 }
        }
        return bytes
    }

    /// Raw little-endian files for an outside cross-check: bank.f32 [N×D], bank_labels.i32
    /// [N], queries.f32 [n×D] (raw rows, pixels scaled by 1/255), indices.i32 [n×k],
    /// similarities.f32 [n×k], probabilities.f32 [n×C], meta.json.
    private func write(dump: String, dimension d: Int, metric: SimilarityMetric, labels: [Int],
                       bankRows: [Float], queryRows: [Float], result: NeighbourResult,
                       probabilities: [Float]) throws {
        let directory = URL(fileURLWithPath: dump).appendingPathComponent("dim-\(d)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func save<T>(_ values: [T], _ name: String) throws {
            try values.withUnsafeBytes { try Data($0).write(to: directory.appendingPathComponent(name)) }
        }
        try save(bankRows, "bank.f32")
        try save(labels.map { Int32($0) }, "bank_labels.i32")
        try save(queryRows, "queries.f32")
        try save(result.indices, "indices.i32")
        try save(result.similarities, "similarities.f32")
        try save(probabilities, "probabilities.f32")
        let meta = "{\"queries\":\(queries),\"bank\":\(bank),\"dim\":\(d),\"k\":\(k),\"classes\":\(classes),"
            + "\"metric\":\"\(metric)\",\"temperature\":\(temperature)}\n"
        try Data(meta.utf8).write(to: directory.appendingPathComponent("meta.json"))
    }

    /// User + system CPU time of the whole process (all threads): under a shared machine's
    /// load the wall time stretches, the CPU time much less.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF_WHO, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    #if canImport(Glibc)
    private static let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    private static let RUSAGE_SELF_WHO = RUSAGE_SELF
    #endif

    private func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    private func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
