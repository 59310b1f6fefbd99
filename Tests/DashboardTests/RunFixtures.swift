import Dashboard
import Foundation
import RunStore

/// Writes run folders the way a worker would, for the effect runner tests, and generates
/// kernel, kNN and neighbour snapshot files in the agreed formats.
struct RunFixtures {
    let root: URL

    init() throws {
        root = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("dashboard-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    var catalog: RunCatalog { RunCatalog(root: root) }

    /// A run folder with config and status; `id` fixed so tests can name it.
    @discardableResult
    func makeRun(id: String, name: String = "run", variant: String = "static-diag", state: RunState = .running,
                 pid: Int32? = nil, epoch: Int = 2, epochs: Int = 4, step: Int = 20, totalSteps: Int = 40,
                 settings: JSONObject = ["learningRate": 0.1, "batchSize": 128]) throws -> RunDirectory {
        let run = catalog.directory(for: RunID(id))
        try FileManager.default.createDirectory(at: run.url, withIntermediateDirectories: true)
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        try run.writeConfig(RunConfig(name: name, model: "nsn-lite", variant: variant, dataDirectory: "/data", seed: 1,
                                      threads: 1, epochs: epochs, createdAt: created, codeVersion: "test", settings: settings))
        try run.writeStatus(RunStatus(state: state, pid: pid ?? (state.isActive ? getpid() : nil), epoch: epoch,
                                      step: step, totalSteps: totalSteps, heartbeat: Date()))
        return run
    }

    /// Appends epoch lines for train/val/test (accuracy rising with the epoch).
    func appendMetrics(_ run: RunDirectory, epochs: ClosedRange<Int>, base: Double = 0.5) throws {
        let writer = try MetricsWriter(url: run.metricsURL)
        for e in epochs {
            for (split, offset) in [(MetricSplit.train, 0.02), (.val, 0.0), (.test, -0.01)] {
                try writer.append(MetricRecord(epoch: e, step: e * 10, split: split, loss: 2.0 / Double(e + 1),
                                               accuracy: base + Double(e) * 0.1 + offset, interval: .epoch))
            }
        }
        try writer.close()
    }

    static func kernelJSON(epoch: Int, diagonal: [Double]) -> String {
        let diag = diagonal.map { String($0) }.joined(separator: ",")
        return """
        {"classNames":["T-shirt","Trouser","Pullover"],"epoch":\(epoch),"schemaVersion":1,"layers":[{"name":"stage1.block0","variant":"static-diag","kernelSize":3,"diagonal":[\(diag)],\
        "matrix":null,"diagonalSpread":null,"perClassDiagonal":null,\
        "effectiveKernels":{"shape":[2,1,3,3],"values":[1,0,-1,1,0,-1,1,0,-1,0,1,0,1,-1,1,0,1,0]}},\
        {"name":"stage2.block0","variant":"static-diag","kernelSize":3,"diagonal":[\(diag)]}]}
        """
    }

    /// kernels/epoch-NNN.json of a dynamic-diag run with `--kernel-shape learned:5` (schema 2):
    /// three layers, each with its Boolean shape and the epoch's flips.
    static func shapedKernelJSON(epoch: Int) -> String {
        func layer(_ name: String, _ mask: [Int], _ flips: [Int]) -> String {
            let diagonal = mask.enumerated().map { $1 == 0 ? "0" : String(1 + Double($0) / 20) }.joined(separator: ",")
            return #"{"name":"\#(name)","variant":"dynamic-diag","kernelSize":3,"diagonal":[\#(diagonal)],"#
                + #""diagonalSpread":[0,0.1,0,0.1,0.2,0.1,0,0.1,0],"kernelShape":"learned:5","#
                + #""tapMask":\#(mask),"tapFlips":\#(flips)}"#
        }
        return #"{"classNames":["T-shirt","Trouser"],"epoch":\#(epoch),"schemaVersion":2,"layers":["#
            + layer("stage1.block1", [0, 1, 0, 1, 1, 1, 0, 1, 0], [0, 0, 2, 0, 0, 0, 2, 0, 0]) + ","
            + layer("stage1.block2", [1, 1, 0, 0, 1, 1, 0, 1, 0], [4, 0, 1, 3, 0, 0, 0, 0, 0]) + ","
            + layer("stage2.block1", [0, 0, 0, 1, 1, 1, 1, 0, 1], [0, 0, 0, 0, 0, 0, 1, 0, 1]) + "]}"
    }

    /// knn/epoch-NNN.json as the trainer writes it: {"blendCurve":[…],"statistics":{…}}
    /// (keys sorted, as its encoder writes them).
    static func knnJSON(epoch: Int, knnAccuracy: Double) -> String {
        """
        {"blendCurve":[{"accuracy":0.85,"lambda":0},{"accuracy":0.87,"lambda":0.5},{"accuracy":0.75,"lambda":1}],
         "statistics":{"classCount":3,"classCounts":[30,40,30],"epoch":\(epoch),"exampleCount":100,"featureSpace":"pixels",
         "knnAccuracy":\(knnAccuracy),"knnErrorRate":\(1 - knnAccuracy),"knnErrorRateByClass":[0.1,0.5,0.25],
         "lossWeights":{"alpha":0.01,"gamma":2,"maxFocalWeight":0.9,"maxNegativeLogLikelihood":4.6,"maxWeight":1.046,
                        "meanFocalWeight":0.2,"meanNegativeLogLikelihood":0.7,"meanWeight":1.007},
         "network":{"agreement":0.8,"blendLambda":0.5,"blendedAccuracy":0.87,"bothRight":0.7,"bothWrong":0.1,
                    "networkAccuracy":0.85,"networkRightKNNWrong":0.15,"networkWrongKNNRight":0.05},
         "serializationVersion":1,"trueClassProbabilityHistogram":[5,10,5,20,60]}}
        """
    }

    /// evaluation.json as the trainer writes it.
    static let evaluationJSON = """
        {"blendedAccuracy":0.9,"choice":{"accuracyByLambda":[{"accuracy":0.86,"lambda":0},{"accuracy":0.9,"lambda":0.3},\
        {"accuracy":0.8,"lambda":1}],"k":20,"lambda":0.30000001192092896,"serializationVersion":1,\
        "temperature":0.07000000029802322,"validationAccuracy":0.9,"validationCount":50},"featureSpace":"model",\
        "knnAccuracy":0.82,"networkAccuracy":0.86,"testCount":100}
        """

    /// neighbours.json with `queries` queries of `k` neighbours over 3 classes, and the
    /// image file (each image filled with one grey level so tests can tell them apart).
    static func neighbourFiles(queries: Int, k: Int) -> (json: String, images: [UInt8]) {
        var queryTexts: [String] = []
        var trainOrder: [Int] = []
        for q in 0..<queries {
            let label = q % 3
            let prediction = q % 2 == 0 ? label : (label + 1) % 3
            var neighbours: [String] = []
            for n in 0..<k {
                let trainIndex = 1000 + q * k + n
                trainOrder.append(trainIndex)
                neighbours.append("{\"trainIndex\":\(trainIndex),\"label\":\((label + n % 2) % 3),\"similarity\":\(0.9 - Double(n) * 0.01)}")
            }
            queryTexts.append("""
            {"testIndex":\(q * 7),"label":\(label),"networkPrediction":\(prediction),"knnPrediction":\(label),\
            "blendedPrediction":\(prediction),"misclassified":\(prediction != label),"hard":\(q == 1),\
            "neighbours":[\(neighbours.joined(separator: ","))]}
            """)
        }
        let json = """
        {"k":\(k),"classNames":["T-shirt","Trouser","Pullover"],"imageHeight":28,"imageWidth":28,"trainImageOrder":[\(trainOrder.map(String.init).joined(separator: ","))],\
        "queries":[\(queryTexts.joined(separator: ","))]}
        """
        var images: [UInt8] = []
        for i in 0..<(queries + trainOrder.count) {
            // A diagonal stripe, brighter for later images.
            for y in 0..<28 { for x in 0..<28 { images.append(abs(x - y) < 4 ? UInt8(100 + i % 155) : 0) } }
        }
        return (json, images)
    }

    func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// A controller that records what it was asked and writes run folders like a worker would.
final class FakeRunController: RunController {
    let fixtures: RunFixtures
    var calls: [String] = []
    var failNext: String?
    private var launched = 0

    init(fixtures: RunFixtures) { self.fixtures = fixtures }

    private func check() throws {
        if let message = failNext { failNext = nil; throw NSError(domain: "fake", code: 1, userInfo: [NSLocalizedDescriptionKey: message]) }
    }

    func launch(_ configuration: TrainingConfiguration, name: String?, executor: ExecutorChoice) throws -> String {
        try check()
        launched += 1
        let id = "20270101-00000\(launched)-beef"
        try fixtures.makeRun(id: id, name: name ?? configuration.modelLabel, variant: configuration.variant,
                             state: .queued, epochs: configuration.epochs)
        calls.append("launch \(id) epochs=\(configuration.epochs)")
        return id
    }

    func launchStudy(_ study: StudyRecord) throws -> [String] {
        try check()
        calls.append("study \(study.name) \(study.grid.map { StudySetting(flag: $0.flag, value: .array($0.values)).flag }) seeds=\(study.seeds)")
        return try study.cells.flatMap { cell in
            try study.seeds.map { seed in try launch(StudyGrid.configuration(options: study.options, cell: cell, seed: seed), name: nil, executor: .local) }
        }
    }

    func pause(runDirectory: String) throws { try check(); calls.append("pause \(URL(fileURLWithPath: runDirectory).lastPathComponent)") }
    func resume(runDirectory: String) throws { try check(); calls.append("resume \(URL(fileURLWithPath: runDirectory).lastPathComponent)") }
    func stop(runDirectory: String) throws { try check(); calls.append("stop \(URL(fileURLWithPath: runDirectory).lastPathComponent)") }
    func delete(runDirectory: String) throws {
        try check()
        try FileManager.default.removeItem(atPath: runDirectory)
        calls.append("delete \(URL(fileURLWithPath: runDirectory).lastPathComponent)")
    }
}
