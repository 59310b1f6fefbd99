import ArgumentParser
import NeuralNetwork
import RunStore
import TensorCore
import Training
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `simlab bench train`: training images per second of one model (forward, loss, backward,
/// SGD step with momentum 0.9 and weight decay 5e-4) on random 28×28 images with random
/// labels, timed after warm-up steps, plus the peak resident memory of the process.
/// The allocator is tuned as for training (`AllocatorTuning.keepFreedBlocks`).
///
/// Several models may be given; nsn-lite variants are also reported relative to
/// `nsn-lite:conv` when that is among them.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure training throughput (images/s) and peak memory."
    )

    @Option(name: .long, help: "small-cnn or nsn-lite[:variant] (\(TrainingConfiguration.variants.joined(separator: ", "))); repeat for several.")
    var model: [String] = ["small-cnn"]

    @Option(name: .long, help: "Batch size.") var batch = 128
    @Option(name: .long, help: "Threads.") var threads = 2
    @Option(name: .long, help: "Timed steps (default: enough for about 3 seconds).") var steps: Int?
    @Option(name: .long, help: "Untimed warm-up steps.") var warmup = 3
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 1
    @Flag(name: .long, help: "One JSON object per line instead of a table.") var json = false
    @Flag(name: .long, help: "Time forward and backward per layer, the loss, the optimizer, the data pipeline and evaluation (a table per model).")
    var profile = false
    @Flag(name: .long, help: "Compute every convolution with im2col + GEMM instead of the direct stride-1 kernels (to compare the two).")
    var im2col = false

    /// One parsed `--model` value.
    struct ModelChoice {
        let name: String
        let variant: SimilarityVariant?

        init?(_ text: String) {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "small-cnn" where parts.count == 1:
                name = text; variant = nil
            case "nsn-lite":
                guard let variant = parts.count == 1 ? .conv : SimilarityVariant(rawValue: parts[1]) else { return nil }
                name = "nsn-lite:\(variant.rawValue)"; self.variant = variant
            default:
                return nil
            }
        }

        func build(generator: inout SeededGenerator) -> ImageClassifier {
            guard let variant else { return ModelBuilder.smallCNN(generator: &generator) }
            var options = ModelBuilder.NSNLiteOptions()
            options.variant = variant
            return ModelBuilder.nsnLite(options, generator: &generator)
        }
    }

    func validate() throws {
        guard batch > 0, threads > 0, warmup >= 0 else {
            throw ValidationError("--batch and --threads must be positive, --warmup ≥ 0")
        }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        for name in model where ModelChoice(name) == nil {
            throw ValidationError("unknown --model \(name): use small-cnn or nsn-lite[:variant]")
        }
    }

    func run() throws {
        Parallel.threadCount = threads
        AllocatorTuning.keepFreedBlocks()
        ConvolutionKernels.usesDirectConvolution = !im2col
        if profile {
            for name in model { printProfile(ModelChoice(name)!) }
            return
        }
        if !json {
            print("model                    batch  threads      images/s   images/CPU-s   peak RSS MiB   vs conv")
        }
        var convSpeed: Double?
        for name in model {
            let choice = ModelChoice(name)!
            let (speed, perCPUSecond) = measure(choice)
            let peak = peakResidentMiB()
            if choice.variant == .conv { convSpeed = speed }
            if json {
                print("{\"benchmark\":\"train\",\"model\":\"\(choice.name)\",\"batch\":\(batch),"
                      + "\"threads\":\(threads),\"images_per_second\":\(rounded(speed)),"
                      + "\"peak_rss_mib\":\(rounded(peak))}")
            } else {
                let relative = choice.variant != nil && convSpeed != nil ? "\(rounded(speed / convSpeed!))×" : ""
                print(pad(choice.name, -22) + pad("\(batch)", 8) + pad("\(threads)", 9)
                      + pad(String(rounded(speed)), 14) + pad(String(rounded(perCPUSecond)), 15)
                      + pad(String(rounded(peak)), 15) + pad(relative, 10))
            }
        }
    }

    /// Images per second over the timed steps of one model, by the wall clock and by the
    /// process's CPU time (user + system, all threads: steadier on a shared machine).
    private func measure(_ choice: ModelChoice) -> (wall: Double, cpu: Double) {
        var generator = SeededGenerator(seed: seed)
        let network = choice.build(generator: &generator)
        let parameters = network.parameters
        let optimizer = SGD(.default)
        let loss = SoftmaxCrossEntropy()
        let images = Tensor.randomNormal(shape: [batch, 1, 28, 28], generator: &generator)
        let labels = (0..<batch).map { _ in generator.nextInt(below: 10) }

        func step() {
            zeroGradients(parameters)
            let logits = network.forward(images, mode: .training)
            let output = loss(logits: logits, labels: labels)
            _ = network.backward(output.logitsGradient)
            optimizer.step(parameters, learningRate: 0.01)
        }

        for _ in 0..<warmup { step() }
        var timed = 0
        let startCPU = cpuSeconds()
        let start = now()
        // Without --steps: run until about 3 seconds have passed (at least 3 steps).
        while steps.map({ timed < $0 }) ?? (timed < 3 || now() - start < 3) {
            step()
            timed += 1
        }
        let wall = now() - start, cpu = cpuSeconds() - startCPU
        return (Double(timed * batch) / wall, Double(timed * batch) / cpu)
    }

    private func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)  // Glibc imports the constant as an enum
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    /// VmHWM from /proc/self/status in MiB (0 where unavailable).
    private func peakResidentMiB() -> Double {
        guard let file = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            if text.hasPrefix("VmHWM:") {
                let kibibytes = Double(text.filter(\.isNumber)) ?? 0  // "VmHWM:\t  12345 kB"
                return kibibytes / 1024
            }
        }
        return 0
    }

    func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// Right-aligns `text` in `width` columns (left-aligns for a negative width).
    func pad(_ text: String, _ width: Int) -> String {
        let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
        return width < 0 ? text + fill : fill + text
    }
}
