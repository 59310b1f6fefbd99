import Foundation
import RunStore
import TerminalUI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The dashboard on a big runs folder (`simlab bench dashboard --many-runs N`): a folder of
/// realistic runs, and the costs that grow with it — a refresh of the run list, a redraw
/// of the Runs, Compare and Studies screens with every run marked, and the CPU the real
/// main loop takes while nobody types.
public enum ManyRunsBenchmark {
    /// What the folder holds, by kind of run.
    public struct Folder: Sendable {
        public var runIDs: [String] = []
        public var finished = 0, long = 0, running = 0, queued = 0, paused = 0, failed = 0, corrupt = 0
        public var studyRuns = 0
        public var bytes = 0
    }

    /// Writes `count` runs into `root` (created): most finished with 15 epochs of metrics
    /// (every 20th with a long metrics.jsonl of `longLines` lines), some running (this
    /// process is their worker, heartbeat now), queued, paused, failed, and some corrupt
    /// (status.json not JSON, config.json missing, a torn metrics line). The first 24
    /// finished runs form a study (2 × 3 grid, 4 seeds).
    public static func makeFolder(at root: URL, count: Int, longLines: Int = 20_000, now: Date = Date()) throws -> Folder {
        let catalog = RunCatalog(root: root)
        var folder = Folder()
        let epochs = 15
        var studyRuns: [StudyRun] = []
        let axes = [StudyAxis(flag: "lr", values: [.number(0.05), .number(0.1)]),
                    StudyAxis(flag: "knn-alpha", values: [.number(0), .number(0.01), .number(0.1)])]
        let study = StudyRecord(name: "many", createdAt: now, grid: axes, seeds: [0, 1, 2, 3], options: [])
        let cells = study.cells
        for i in 0..<count {
            let created = now.addingTimeInterval(Double(i - count) * 60)
            let kind = i % 20
            var membership: StudyMembership?
            var seed: UInt64 = UInt64(i)
            if studyRuns.count < cells.count * 4 && kind < 10 {
                let cell = cells[studyRuns.count % cells.count]
                seed = UInt64(studyRuns.count / cells.count)
                membership = StudyMembership(name: study.name, cell: cell)
            }
            let learningRate = Double(5 + i % 7) / 100   // 0.05 … 0.11, printed without float noise
            let config = RunConfig(name: "run \(i) lr \(learningRate)", model: "nsn-lite",
                                   variant: TrainingConfiguration.variants[i % TrainingConfiguration.variants.count],
                                   dataDirectory: "/data/mnist", seed: seed, threads: 1, epochs: epochs, createdAt: created,
                                   codeVersion: "bench",
                                   settings: ["lr": .number(learningRate), "batchSize": .number(128),
                                              "knnAlpha": .number(Double(i % 3) * 0.01), "weightDecay": .number(5e-4)],
                                   study: membership)
            let stepsPerEpoch = 469
            var status = RunStatus(state: .finished, epoch: epochs, step: stepsPerEpoch * epochs,
                                   totalSteps: stepsPerEpoch * epochs, heartbeat: now)
            var doneEpochs = epochs
            var lines: Int? = nil
            switch kind {
            case 0..<12:
                status.finishedAt = created.addingTimeInterval(50)
                if kind == 0 { lines = longLines; folder.long += 1 } else { folder.finished += 1 }
            case 12, 13:
                status.state = .running
                status.claimForCurrentProcess()
                doneEpochs = 1 + i % 14
                status.epoch = doneEpochs + 1
                status.step = doneEpochs * stepsPerEpoch + 100
                status.imagesPerSecond = 850
                status.etaSeconds = 600
                folder.running += 1
            case 14:
                status.state = .queued
                status.epoch = 0
                status.step = 0
                doneEpochs = 0
                folder.queued += 1
            case 15:
                status.state = .paused
                status.claimForCurrentProcess()
                doneEpochs = 4
                status.epoch = 5
                folder.paused += 1
            case 16, 17:
                status.state = .failed
                status.lastError = "diverged at epoch 3, step 1200"
                doneEpochs = 2
                status.finishedAt = created.addingTimeInterval(20)
                folder.failed += 1
            default:
                doneEpochs = 6
                folder.corrupt += 1
            }
            let run = try catalog.createRun(config: config, status: status, at: created)
            folder.runIDs.append(run.id.rawValue)
            if let membership { studyRuns.append(StudyRun(cell: membership.cell, seed: seed, run: run.id.rawValue)) }
            folder.bytes += try writeMetrics(to: run.metricsURL, epochs: doneEpochs, stepsPerEpoch: stepsPerEpoch,
                                             lines: lines, time: created, tornEnd: kind == 19)
            switch kind {
            case 18: try Data("{\"schemaVersion\": 1, \"state\": ".utf8).write(to: run.statusURL)
            case 19: try FileManager.default.removeItem(at: run.configURL)
            default: break
            }
            if doneEpochs > 0 && kind != 19 {
                try FileManager.default.createDirectory(at: run.checkpointsURL, withIntermediateDirectories: true)
                try Data(count: 64).write(to: run.checkpointURL(epoch: doneEpochs))
            }
        }
        var record = study
        record.runs = studyRuns
        try StudyCatalog(runsRoot: root).write(record)
        folder.studyRuns = studyRuns.count
        return folder
    }

    /// Writes a metrics.jsonl: a train line every 25 steps and train/val/test lines per epoch
    /// (or exactly `lines` lines of that pattern); returns its size in bytes.
    static func writeMetrics(to url: URL, epochs: Int, stepsPerEpoch: Int, lines: Int?, time: Date, tornEnd: Bool) throws -> Int {
        var bytes: [UInt8] = []
        var written = 0
        let every = lines.map { max(1, epochs * stepsPerEpoch * 4 / ($0 * 3)) } ?? 25
        var step = 0
        outer: for epoch in 1...max(1, epochs) where epochs > 0 {
            for _ in 0..<stepsPerEpoch {
                step += 1
                let x = Double(step) / Double(stepsPerEpoch)
                if step % every == 0 {
                    bytes += MetricRecord(time: time, epoch: epoch, step: step, split: .train, loss: 2.3 / (1 + x),
                                          accuracy: 1 - 0.9 / (1 + x), lr: 0.1, imagesPerSecond: 850, interval: .steps).jsonLine()
                    written += 1
                    if let lines, written >= lines { break outer }
                }
            }
            let e = Double(epoch)
            for record in [MetricRecord(time: time, epoch: epoch, step: step, split: .train, loss: 2 / (1 + e),
                                        accuracy: 1 - 0.8 / (1 + e), epochSeconds: 50, interval: .epoch),
                           MetricRecord(time: time, epoch: epoch, step: step, split: .val, loss: 1.8 / (1 + e),
                                        accuracy: 1 - 0.85 / (1 + e), interval: .epoch),
                           MetricRecord(time: time, epoch: epoch, step: step, split: .test, loss: 1.9 / (1 + e),
                                        accuracy: 1 - 0.86 / (1 + e), interval: .epoch)] {
                bytes += record.jsonLine()
                written += 1
            }
            if let lines, written >= lines { break }
        }
        if tornEnd { bytes += Array("{\"time\":\"2026-12-06T10:00:00Z\",\"epoch\":7,\"st".utf8) }
        try Data(bytes).write(to: url)
        return bytes.count
    }

    /// A dashboard state with the folder listed by `runner`, every run marked, and the
    /// metrics of every run read (Compare draws them), showing screen `shown`.
    public static func markedState(runner: EffectRunner, width: Int, height: Int) -> DashboardState {
        var state = DashboardState(width: width, height: height, theme: .colour)
        var pending: [Effect] = [.listRuns, .listStudies]
        while !pending.isEmpty { for message in runner.perform(pending.removeFirst()) { pending += state.update(message) } }
        _ = state.update(.key(.character("a")))
        let ids = state.context.runs.rows.map(\.id)
        for message in runner.perform(.tailMetrics(runIDs: ids)) { _ = state.update(message) }
        return state
    }

    /// Median seconds of `frames` render + diff passes of `state` (after 3 warm-up frames).
    public static func redrawSeconds(_ state: DashboardState, frames: Int, clock: () -> Double) -> Double {
        var previous: CellBuffer?
        for _ in 0..<3 { previous = DashboardBenchmark.renderAndDiff(state, previous: previous).buffer }
        var times: [Double] = []
        for _ in 0..<frames {
            let start = clock()
            previous = DashboardBenchmark.renderAndDiff(state, previous: previous).buffer
            times.append(clock() - start)
        }
        return times.sorted()[times.count / 2]
    }

    /// Median seconds of a key press on a state (its update, then a render + diff): what a
    /// user waits for between pressing ↓ and seeing the selection move.
    public static func keySeconds(_ state: DashboardState, key: Key, frames: Int, clock: () -> Double) -> Double {
        var state = state
        var previous: CellBuffer?
        var times: [Double] = []
        for _ in 0..<frames {
            let start = clock()
            _ = state.update(.key(key))
            previous = DashboardBenchmark.renderAndDiff(state, previous: previous).buffer
            times.append(clock() - start)
        }
        return times.sorted()[times.count / 2]
    }

    /// CPU seconds this process used (user + system).
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }

    /// The idle cost of the real main loop (`DashboardProgram`): it starts on the folder,
    /// the scripted `keys` are pressed (e.g. mark all, show a screen), then nobody types for
    /// `seconds`; returns the CPU share of one core used while idle and the frames drawn.
    public static func idle(runsDirectory: String, keys: [Key], seconds: Double, width: Int, height: Int)
        -> (cpuPercent: Double, frames: Int) {
        let terminal = IdleTerminal(width: width, height: height, keys: keys, seconds: seconds)
        let program = DashboardProgram(runner: EffectRunner(runsDirectory: runsDirectory, controller: DashboardBenchmark.NoController()))
        program.run(on: terminal)
        let cpu = terminal.idleEndCPU - terminal.idleStartCPU
        let wall = terminal.idleEndWall - terminal.idleStartWall
        return (wall > 0 ? 100 * cpu / wall : 0, terminal.idleFrames)
    }

    /// A terminal that types the scripted keys, then waits like a real one (sleeping for
    /// the key timeout) until the idle time is over, then types q.
    final class IdleTerminal: DashboardTerminal {
        let width: Int, height: Int
        var keys: [Key]
        let seconds: Double
        var idleStartCPU = 0.0, idleEndCPU = 0.0, idleStartWall = 0.0, idleEndWall = 0.0
        var idleFrames = 0
        private var idling = false
        private var settleWaits = 4

        init(width: Int, height: Int, keys: [Key], seconds: Double) {
            self.width = width
            self.height = height
            self.keys = keys
            self.seconds = seconds
        }

        var size: (width: Int, height: Int) { (width, height) }
        var theme: Theme { .colour }

        func draw(_ buffer: CellBuffer) -> Int {
            if idling { idleFrames += 1 }
            return 0
        }

        func readKey(timeoutMilliseconds: Int) -> Key? {
            if !keys.isEmpty { return keys.removeFirst() }
            let now = ProcessInfo.processInfo.systemUptime
            // A few waits after the last key let its effects (first metrics reads) settle.
            if settleWaits > 0 {
                settleWaits -= 1
                if settleWaits == 0 {
                    idling = true
                    idleStartWall = now
                    idleStartCPU = ManyRunsBenchmark.processCPUSeconds()
                }
            } else if now - idleStartWall >= seconds {
                idleEndWall = now
                idleEndCPU = ManyRunsBenchmark.processCPUSeconds()
                idling = false
                return .character("q")
            }
            usleep(useconds_t(max(0, timeoutMilliseconds) * 1000))
            return nil
        }
    }
}
