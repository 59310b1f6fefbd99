import ArgumentParser
import Dashboard
import Foundation
import RunStore
import TerminalUI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `simlab bench dashboard`: time to render and diff a frame of the busiest screen,
/// (with `--metrics-lines N`) time to open a run whose metrics.jsonl has N lines, and (with
/// `--many-runs N`) the dashboard on a folder of N runs: list refresh, redraws with every
/// run marked, and the idle CPU of the real main loop.
///
/// The frame timing builds its synthetic state (the Run screen of a 15-epoch run with 800
/// step points, six runs listed) before the clock starts; each timed frame renders into a
/// new buffer and diffs it against the previous frame, alternating between two states one
/// metric point apart so the diff has real changes.
struct BenchDashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Measure dashboard frame time and the time to open a run with a long metrics file.")

    @Option(help: "Terminal width in cells.")
    var width = 200

    @Option(help: "Terminal height in cells.")
    var height = 60

    @Option(help: "Timed frames (after 10 warm-up frames).")
    var frames = 500

    @Option(name: .customLong("metrics-lines"),
            help: "Also write a synthetic metrics.jsonl of this many lines and time opening the run.")
    var metricsLines: Int?

    @Option(name: .customLong("many-runs"),
            help: "Also write a folder of this many realistic runs and time refreshes, redraws and idle CPU on it.")
    var manyRuns: Int?

    @Option(name: .customLong("runs-folder"),
            help: "With --many-runs: write the runs here (must not exist) and keep them, e.g. to open `simlab dashboard` on them.")
    var runsFolder: String?

    @Option(name: .customLong("idle-seconds"), help: "With --many-runs: seconds of idle main loop measured per screen.")
    var idleSeconds = 30.0

    @Flag(help: "One JSON object per measurement instead of text.")
    var json = false

    func validate() throws {
        guard width >= 1, height >= 1 else { throw ValidationError("--width and --height must be positive") }
        guard frames >= 1 else { throw ValidationError("--frames must be at least 1") }
        if let lines = metricsLines, lines < 1 { throw ValidationError("--metrics-lines must be positive") }
        if let count = manyRuns, !(1...100_000).contains(count) { throw ValidationError("--many-runs must be 1…100000") }
        guard idleSeconds > 0, idleSeconds <= 3600 else { throw ValidationError("--idle-seconds must be in (0, 3600]") }
        if runsFolder != nil && manyRuns == nil { throw ValidationError("--runs-folder needs --many-runs") }
        if let folder = runsFolder, FileManager.default.fileExists(atPath: folder) {
            throw ValidationError("--runs-folder \(folder) exists: give a new path")
        }
    }

    func run() throws {
        benchFrames()
        if let lines = metricsLines { try benchOpen(lines: lines) }
        if let count = manyRuns { try benchManyRuns(count: count) }
    }

    private func benchManyRuns(count: Int) throws {
        let root = runsFolder.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent("simlab-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        defer { if runsFolder == nil { try? FileManager.default.removeItem(at: root) } }
        let writeStart = BenchDashboardCommand.now()
        let folder = try ManyRunsBenchmark.makeFolder(at: root, count: count)
        let writeSeconds = BenchDashboardCommand.now() - writeStart
        // Timings below are CPU time of this thread, so other load on the machine does not count.
        var results: [(name: String, milliseconds: Double)] = []
        func record(_ name: String, _ seconds: Double) { results.append((name, ms(seconds))) }

        // The list: the first refresh reads every run; later ones find nothing changed.
        let runner = EffectRunner(runsDirectory: root.path, controller: DashboardBenchmark.NoController())
        record("firstRefresh", BenchDashboardCommand.cpuTime { _ = runner.perform(.listRuns) })
        var refreshes: [Double] = []
        for _ in 0..<10 { refreshes.append(BenchDashboardCommand.cpuTime { _ = runner.perform(.listRuns) }) }
        record("refresh", refreshes.sorted()[refreshes.count / 2])
        record("studiesRefresh", BenchDashboardCommand.cpuTime { _ = runner.perform(.listStudies) })
        record("studiesRefreshAgain", BenchDashboardCommand.cpuTime { _ = runner.perform(.listStudies) })

        // Redraws with every run marked (Compare draws every run's metrics).
        var state = ManyRunsBenchmark.markedState(runner: EffectRunner(runsDirectory: root.path,
                                                                       controller: DashboardBenchmark.NoController()),
                                                  width: width, height: height)
        let frames = min(self.frames, 20)
        record("runsRedraw", ManyRunsBenchmark.redrawSeconds(state, frames: frames, clock: BenchDashboardCommand.threadCPU))
        record("runsKeyDown", ManyRunsBenchmark.keySeconds(state, key: .down, frames: frames, clock: BenchDashboardCommand.threadCPU))
        _ = state.show(CompareScreen.self)
        record("compareRedraw", ManyRunsBenchmark.redrawSeconds(state, frames: frames, clock: BenchDashboardCommand.threadCPU))
        _ = state.show(StudiesScreen.self)
        record("studiesRedraw", ManyRunsBenchmark.redrawSeconds(state, frames: frames, clock: BenchDashboardCommand.threadCPU))

        // Idle: the real main loop with nobody typing, on each screen, everything marked.
        let screens: [(String, [Key])] = [
            ("runs", [.character("a")]),
            ("compare", [.character("a"), .character(Character(String(ScreenModel.index(of: CompareScreen.self) + 1)))]),
            ("studies", [.character(Character(String(ScreenModel.index(of: StudiesScreen.self) + 1)))]),
        ]
        var idle: [(name: String, percent: Double, frames: Int)] = []
        for (name, keys) in screens {
            let result = ManyRunsBenchmark.idle(runsDirectory: root.path, keys: keys, seconds: idleSeconds,
                                                width: width, height: height)
            idle.append((name, (result.cpuPercent * 100).rounded() / 100, result.frames))
        }

        if json {
            let timings = results.map { "\"\($0.name)Milliseconds\":\($0.milliseconds)" }.joined(separator: ",")
            let idleJSON = idle.map { "\"\($0.name)\":{\"cpuPercent\":\($0.percent),\"frames\":\($0.frames)}" }.joined(separator: ",")
            print("{\"benchmark\":\"dashboard-many-runs\",\"runs\":\(count),\"bytes\":\(folder.bytes),"
                  + "\"writeSeconds\":\(round3(writeSeconds)),\(timings),\"idleSeconds\":\(idleSeconds),\"idle\":{\(idleJSON)}}")
        } else {
            print("\(count) runs (\(folder.finished) finished, \(folder.long) with long metrics, \(folder.running) running, "
                  + "\(folder.queued) queued, \(folder.paused) paused, \(folder.failed) failed, \(folder.corrupt) corrupt; "
                  + "\(folder.studyRuns) in a study; \(folder.bytes / 1_000_000) MB of metrics, written in \(round3(writeSeconds)) s):")
            for (name, milliseconds) in results { print("  \(name): \(milliseconds) ms") }
            for entry in idle {
                print("  idle on \(entry.name), all marked: \(entry.percent) % of a core over \(idleSeconds) s, \(entry.frames) frames drawn")
            }
            print("  (CPU time; targets: redraw < 50 ms, idle < 2 % of a core)")
            if let runsFolder { print("  runs kept in \(runsFolder)") }
        }
    }

    private func benchFrames() {
        let states = [DashboardBenchmark.syntheticState(width: width, height: height, frame: 0),
                      DashboardBenchmark.syntheticState(width: width, height: height, frame: 1)]
        var previous: CellBuffer?
        for i in 0..<10 { previous = DashboardBenchmark.renderAndDiff(states[i % 2], previous: previous).buffer }
        var times: [Double] = []
        var changed = 0
        times.reserveCapacity(frames)
        for i in 0..<frames {
            var result: (buffer: CellBuffer, changedCells: Int)?
            let seconds = BenchDashboardCommand.time {
                result = DashboardBenchmark.renderAndDiff(states[i % 2], previous: previous)
            }
            previous = result!.buffer
            changed += result!.changedCells
            times.append(seconds)
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        let median = times[times.count / 2]
        let p95 = times[min(times.count - 1, Int(Double(times.count) * 0.95))]
        let cells = changed / frames
        if json {
            print("{\"benchmark\":\"dashboard-frame\",\"width\":\(width),\"height\":\(height),\"frames\":\(frames),"
                  + "\"meanMilliseconds\":\(ms(mean)),\"medianMilliseconds\":\(ms(median)),"
                  + "\"p95Milliseconds\":\(ms(p95)),\"maxMilliseconds\":\(ms(times.last!)),\"changedCellsPerFrame\":\(cells)}")
        } else {
            print("frame (Run screen, \(width)×\(height), render + diff) over \(frames) frames:")
            print("  mean \(ms(mean)) ms  median \(ms(median)) ms  p95 \(ms(p95)) ms  max \(ms(times.last!)) ms"
                  + "  (\(cells) cells changed per frame; target ≤ 2 ms)")
        }
    }

    private func benchOpen(lines: Int) throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("simlab-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let epochs = 15
        let config = RunConfig(name: "bench", model: "nsn-lite", variant: "static-diag", dataDirectory: "/data", seed: 0,
                               threads: 1, epochs: epochs, createdAt: Date(), codeVersion: "bench", settings: [:])
        let stepsPerEpoch = max(1, lines / epochs)
        var status = RunStatus(state: .finished, epoch: epochs, step: stepsPerEpoch * epochs,
                               totalSteps: stepsPerEpoch * epochs)
        status.finishedAt = Date()
        let run = try RunCatalog(root: root).createRun(config: config, status: status)

        // Write the lines: "train every step" lines, and train/val/test lines per epoch.
        let writeStart = BenchDashboardCommand.now()
        FileManager.default.createFile(atPath: run.metricsURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: run.metricsURL)
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 22)
        let time = Date()
        var written = 0, step = 0
        while written < lines {
            step += 1
            let epoch = min(epochs, (step - 1) / stepsPerEpoch + 1)
            let x = Double(step) / Double(stepsPerEpoch)
            var records = [MetricRecord(time: time, epoch: epoch, step: step, split: .train, loss: 2.3 / (1 + x),
                                        accuracy: 1 - 0.9 / (1 + x), lr: 0.1, imagesPerSecond: 850, interval: .steps)]
            if step % stepsPerEpoch == 0 {
                records += [MetricRecord(time: time, epoch: epoch, step: step, split: .train, loss: 2 / (1 + x),
                                         accuracy: 1 - 0.8 / (1 + x), interval: .epoch),
                            MetricRecord(time: time, epoch: epoch, step: step, split: .val, loss: 1.8 / (1 + x),
                                         accuracy: 1 - 0.85 / (1 + x), interval: .epoch),
                            MetricRecord(time: time, epoch: epoch, step: step, split: .test, loss: 1.9 / (1 + x),
                                         accuracy: 1 - 0.86 / (1 + x), interval: .epoch)]
            }
            for record in records where written < lines {
                chunk += record.jsonLine()
                written += 1
            }
            if chunk.count > 1 << 22 { try handle.write(contentsOf: chunk); chunk.removeAll(keepingCapacity: true) }
        }
        try handle.write(contentsOf: chunk)
        try handle.close()
        let writeSeconds = BenchDashboardCommand.now() - writeStart
        let bytes = (try? FileManager.default.attributesOfItem(atPath: run.metricsURL.path)[.size] as? Int) ?? 0

        var points = 0
        var phases: [(name: String, seconds: Double)] = []
        let seconds = BenchDashboardCommand.time {
            let result = DashboardBenchmark.openRun(runsDirectory: root.path, runID: run.id.rawValue,
                                                    width: width, height: height, clock: BenchDashboardCommand.now)
            points = result.points
            phases = result.phases
        }
        let phaseText = phases.map { "\($0.name) \(round3($0.seconds)) s" }.joined(separator: ", ")
        let phaseJSON = phases.map { "\"\($0.name)\":\(round3($0.seconds))" }.joined(separator: ",")
        if json {
            print("{\"benchmark\":\"dashboard-open\",\"lines\":\(lines),\"bytes\":\(bytes),\"points\":\(points),"
                  + "\"seconds\":\(round3(seconds)),\"phases\":{\(phaseJSON)},\"writeSeconds\":\(round3(writeSeconds))}")
        } else {
            print("open a run with \(lines) metrics lines (\(bytes / 1_000_000) MB, written in \(round3(writeSeconds)) s):")
            print("  \(round3(seconds)) s to list, scan every line, and render its Run screen (\(points) points; target < 1 s)")
            print("  phases: \(phaseText)")
        }
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// CPU seconds of the calling thread: timings that other load on a shared machine does not inflate.
    static func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func cpuTime(_ body: () -> Void) -> Double {
        let start = threadCPU()
        body()
        return threadCPU() - start
    }

    static func time(_ body: () -> Void) -> Double {
        let start = now()
        body()
        return now() - start
    }

    private func ms(_ seconds: Double) -> Double { (seconds * 1e5).rounded() / 100 }
    private func round3(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
