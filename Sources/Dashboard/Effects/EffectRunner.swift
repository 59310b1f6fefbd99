import Foundation
import RunStore

/// Performs the dashboard's effects against the run folder and a `RunController`, and
/// answers each with messages.
///
/// It keeps the only I/O state: what the last listing read of each run with its files'
/// `stat` signature (so a run whose files did not change is not read again), a metrics tail
/// reader per run (so only appended bytes are read), a second one per run for the list's
/// best accuracies, and the log file sizes. A listing or a study list that is the same as
/// the one reported last is not reported again, so an idle dashboard draws nothing.
public final class EffectRunner {
    public let catalog: RunCatalog
    public let controller: RunController
    /// Lines of worker.log shown on the Run screen.
    public var logLineCount = 200
    /// The clock used for liveness (injectable for tests).
    public var clock: () -> Date = Date.init

    private var chartReaders: [String: ChartTailReader] = [:]
    /// metrics.jsonl's stamp when each chart reader last read it.
    private var tailedStamps: [String: FileStamp] = [:]
    private var listReaders: [String: MetricsHeadlineScanner] = [:]
    private var settingsCache: [String: (modified: Date, settings: [(key: String, value: String)])] = [:]
    private var logSizes: [String: UInt64] = [:]

    /// `liveness` judges each run's worker by its executor (the executable passes every
    /// registered executor's; the default knows local processes only).
    public init(runsDirectory: String, controller: RunController,
                liveness: any WorkerLiveness = LivenessByExecutor.localOnly) {
        catalog = RunCatalog(root: URL(fileURLWithPath: runsDirectory, isDirectory: true), liveness: liveness)
        self.controller = controller
    }

    /// Performs one effect; returns the messages it produced (`.quit` produces none).
    public func perform(_ effect: Effect) -> [DashboardMessage] {
        switch effect {
        case .listRuns:
            return listRuns().map { [$0] } ?? []
        case .tailMetrics(let ids):
            return ids.compactMap(tailMetrics)
        case .loadLog(let id):
            let directory = catalog.directory(for: RunID(id))
            let size = fileSize(directory.workerLogURL.path)
            if let known = logSizes[id], known == size { return [] }
            logSizes[id] = size
            return [.logLoaded(runID: id, lines: LogTail.lastLines(of: directory.workerLogURL, count: logLineCount))]
        case .loadKernels(let id, let epoch):
            return [loadKernels(id, epoch: epoch)]
        case .loadKNN(let id):
            return [loadKNN(id)]
        case .loadNeighbours(let id):
            return [loadNeighbours(id)]
        case .control(let action, let ids):
            var errors: [String] = []
            for id in ids {
                let path = catalog.directory(for: RunID(id)).url.path
                do {
                    switch action {
                    case .pause: try controller.pause(runDirectory: path)
                    case .resume, .resumeFromCheckpoint: try controller.resume(runDirectory: path)
                    case .stop: try controller.stop(runDirectory: path)
                    case .delete:
                        try controller.delete(runDirectory: path)
                        forget(id)
                    }
                } catch {
                    errors.append("\(id): \(error)")
                }
            }
            return [.controlFinished(action: action, runIDs: ids, errors: errors)]
        case .launch(let configuration, let name, let executor):
            do {
                let id = try controller.launch(configuration, name: name, executor: executor)
                return [.launched(runID: id, error: nil)]
            } catch {
                return [.launched(runID: nil, error: "\(error)")]
            }
        case .listStudies:
            return listStudies().map { [$0] } ?? []
        case .launchStudy(let study):
            do {
                return [.studyLaunched(name: study.name, runIDs: try controller.launchStudy(study), error: nil)]
            } catch {
                return [.studyLaunched(name: study.name, runIDs: [], error: "\(error)")]
            }
        case .quit:
            return []
        }
    }

    // MARK: studies

    /// What a study needs of one run's metrics, read again only when the file grew.
    private struct StudyRunMetrics {
        var size: UInt64
        var summary: MetricsSummary
        var secondsPerEpoch: Double?
        var values: [CompareMetric: [Int: Double]]
    }
    private var studyMetrics: [String: StudyRunMetrics] = [:]

    /// model.json's parameter count per run, read again only when the file changed.
    private var modelInfo: [String: (stamp: FileStamp, parameters: Int?)] = [:]
    /// The study list reported last (an unchanged one is not reported again).
    private var reportedStudies: (overviews: [StudyOverview], error: String?)?
    /// Each study's overview with what it was built from: rebuilt (statistics, curves) only
    /// when study.json, a member's facts or a member's metrics file changed.
    private var studyOverviews: [String: (study: StudyRecord, facts: [String: StudyRunFacts],
                                          metricsSizes: [String: UInt64], overview: StudyOverview)] = [:]

    func listStudies() -> DashboardMessage? {
        let (studies, problems) = StudyCatalog(runsRoot: catalog.root).studies()
        let now = clock()
        var overviews: [StudyOverview] = []
        for study in studies {
            var facts: [String: StudyRunFacts] = [:]
            var values: [String: [CompareMetric: [Int: Double]]] = [:]
            var metricsSizes: [String: UInt64] = [:]
            for run in study.runs where RunID(run.run).hasGeneratedShape {
                let directory = catalog.directory(for: RunID(run.run))
                guard let summary = currentSummary(directory, now: now) else {
                    facts[run.run] = StudyRunFacts(state: "missing")
                    continue
                }
                let size = fileSize(directory.metricsURL.path)
                metricsSizes[run.run] = size
                var metrics = studyMetrics[run.run]
                if metrics?.size != size {
                    let records = (try? MetricsTailReader(url: directory.metricsURL).readNew().records) ?? []
                    let seconds = records.filter { $0.split == .train && $0.interval == .epoch }.compactMap(\.epochSeconds)
                    metrics = StudyRunMetrics(size: size, summary: MetricsSummary(records),
                                              secondsPerEpoch: seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count),
                                              values: StudyOverview.epochValues(records))
                    studyMetrics[run.run] = metrics
                }
                facts[run.run] = StudyRunFacts(state: summary.condition.label,
                                               metrics: metrics!.summary, secondsPerEpoch: metrics!.secondsPerEpoch,
                                               parameters: parameterCount(run.run, directory))
                values[run.run] = metrics!.values
            }
            if let known = studyOverviews[study.name], known.study == study, known.facts == facts,
               known.metricsSizes == metricsSizes {
                overviews.append(known.overview)
                continue
            }
            studyOverviewBuilds += 1
            let overview = StudyOverview(report: StudyReport(study: study, facts: facts),
                                         curves: StudyOverview.curves(study, runValues: values))
            studyOverviews[study.name] = (study, facts, metricsSizes, overview)
            overviews.append(overview)
        }
        let listed = Set(studies.map(\.name))
        studyOverviews = studyOverviews.filter { listed.contains($0.key) }
        let error = problems.isEmpty ? nil : problems.map(\.shortDescription).joined(separator: "; ")
        if let last = reportedStudies, last.error == error, last.overviews == overviews { return nil }
        reportedStudies = (overviews, error)
        return .studiesListed(overviews, error: error)
    }

    /// A run's summary now: the listing's when its config.json and status.json are unchanged
    /// since (judged again at `now`), else read; nil when the run folder does not exist.
    private func currentSummary(_ directory: RunDirectory, now: Date) -> RunSummary? {
        let id = directory.id.rawValue
        if let known = listedRuns[id] {
            let signature = RunFileSignature(known.paths)
            if known.signature.sameSummaryFiles(as: signature) { return known.summary.rechecked(now: now, liveness: catalog.liveness) }
        }
        guard FileStamp(path: directory.url.path).isDirectory else { return nil }
        runFileReads += 1
        return RunSummary(directory: directory, now: now, liveness: catalog.liveness)
    }

    private func parameterCount(_ id: String, _ directory: RunDirectory) -> Int? {
        let stamp = FileStamp(path: directory.modelInfoURL.path)
        if let known = modelInfo[id], known.stamp == stamp { return known.parameters }
        let parameters = (try? directory.readModelInfo())?.parameterCount
        modelInfo[id] = (stamp, parameters)
        return parameters
    }

    private func forget(_ id: String) {
        listedRuns[id] = nil
        chartReaders[id] = nil
        tailedStamps[id] = nil
        listReaders[id] = nil
        settingsCache[id] = nil
        logSizes[id] = nil
    }

    // MARK: listing

    /// What the last listing read of one run, reused while its files are unchanged.
    private struct ListedRun {
        let paths: RunFileSignature.Paths
        var signature: RunFileSignature
        var summary: RunSummary
        var row: RunRow
    }
    private var listedRuns: [String: ListedRun] = [:]
    /// The run folders of the last scan of the root, with the root's stamp and the time then.
    private var scannedRoot: (stamp: FileStamp, time: Date, directories: [RunDirectory])?
    /// The last listing reported, so an unchanged one is not reported again (nor redrawn).
    private var reportedListing: (rows: [RunRow], error: String?)?
    /// How many times a listing read a run's config.json and status.json; a run whose files
    /// are unchanged is not read again (tests check it).
    public private(set) var runFileReads = 0
    /// How many times a study's overview (statistics, curves) was built; an unchanged study
    /// reuses the last one (tests check it).
    public private(set) var studyOverviewBuilds = 0
    /// Seconds after which the root is scanned again although its modification time is
    /// the same (a folder that gains a config.json becomes a run without touching it).
    public static let rescanInterval: TimeInterval = 10

    /// The run list, or nil when it is the same as the one reported last. Each run's four
    /// files are `stat`ed; only those that changed are read again, and the root is listed
    /// again only when its own modification time changed (or every `rescanInterval`).
    func listRuns() -> DashboardMessage? {
        let rootStamp = FileStamp(path: catalog.root.path)
        guard rootStamp.isDirectory else {
            return report([], error: "no run folder at \(catalog.root.path) yet: launch a run with n")
        }
        let now = clock()
        let directories: [RunDirectory]
        if let scanned = scannedRoot, scanned.stamp == rootStamp, abs(now.timeIntervalSince(scanned.time)) < Self.rescanInterval {
            directories = scanned.directories
        } else {
            directories = catalog.runDirectories()
            scannedRoot = (rootStamp, now, directories)
        }
        var current: [(paths: RunFileSignature.Paths, signature: RunFileSignature, summary: RunSummary)] = []
        current.reserveCapacity(directories.count)
        for directory in directories {
            let known = listedRuns[directory.id.rawValue]
            let paths = known?.paths ?? RunFileSignature.Paths(directory)
            let signature = RunFileSignature(paths)
            let summary: RunSummary
            if let known, known.signature.sameSummaryFiles(as: signature) {
                summary = known.summary.rechecked(now: now, liveness: catalog.liveness)
            } else {
                summary = RunSummary(directory: directory, now: now, liveness: catalog.liveness)
                runFileReads += 1
            }
            current.append((paths, signature, summary))
        }
        let queue = Dictionary(uniqueKeysWithValues: QueuePosition.startOrder(current.map(\.summary)).enumerated().map { ($1.id, $0 + 1) })
        var listed: [String: ListedRun] = [:]
        listed.reserveCapacity(current.count)
        var rows: [RunRow] = []
        rows.reserveCapacity(current.count)
        for (paths, signature, summary) in current {
            let id = summary.id.rawValue
            var row: RunRow
            if let known = listedRuns[id], known.signature == signature, known.summary.condition == summary.condition {
                row = known.row
                row.queuePosition = queue[summary.id]
            } else {
                row = self.row(summary, queuePosition: queue[summary.id])
            }
            listed[id] = ListedRun(paths: paths, signature: signature, summary: summary, row: row)
            rows.append(row)
        }
        for id in listedRuns.keys where listed[id] == nil {
            listReaders[id] = nil
            settingsCache[id] = nil
        }
        listedRuns = listed
        return report(rows, error: nil)
    }

    /// `.runsListed`, unless it is what was reported last.
    private func report(_ rows: [RunRow], error: String?) -> DashboardMessage? {
        if let last = reportedListing, last.error == error, last.rows == rows { return nil }
        reportedListing = (rows, error)
        return .runsListed(rows, error: error)
    }

    func row(_ summary: RunSummary, queuePosition: Int? = nil) -> RunRow {
        let id = summary.id.rawValue
        let directory = summary.directory
        let config = summary.config
        let status = summary.status
        let state: RunRow.DisplayState
        var problem: String?
        switch summary.condition {
        case .incomplete(let reason):
            state = .corrupt
            problem = reason
        case .recorded(let s):
            state = RunRow.DisplayState(rawValue: s.rawValue) ?? .corrupt
        case .lost(_, let reason):
            state = .failed
            problem = reason
        }
        if config == nil, let error = summary.problems.first(where: { $0.path == directory.configURL.path }) {
            problem = [problem, error.shortDescription].compactMap { $0 }.joined(separator: "; ")
        }
        let headline = headlineMetrics(id: id, directory: directory)
        // While a worker trains: the epoch in progress; otherwise the epochs completed.
        let training = state == .running || state == .paused || state == .stopping
        let created = config?.createdAt ?? summary.id.creationDate
        return RunRow(
            id: id, path: directory.url.path,
            name: config?.printableName ?? id,
            model: config?.model ?? "?", variant: config?.variant ?? "?",
            state: state,
            epoch: training ? status?.epoch ?? 0 : headline.epochsCompleted, epochs: config?.epochs ?? 0,
            step: status?.step ?? 0, totalSteps: status?.totalSteps ?? 0,
            bestValidationAccuracy: headline.bestValidationAccuracy,
            testAccuracy: headline.testAccuracyAtBestValidation ?? headline.lastTestAccuracy,
            imagesPerSecond: state == .running ? status?.imagesPerSecond : nil,
            etaSeconds: state == .running ? status?.etaSeconds : nil,
            createdAt: created?.timeIntervalSince1970 ?? 0,
            lastError: status?.lastError, problem: problem,
            hasCheckpoint: directory.latestCheckpoint() != nil, queuePosition: queuePosition,
            settings: settings(id: id, directory: directory), study: config?.study?.name)
    }

    /// The run's headline metrics so far, from the appended metrics only (step lines are
    /// skipped without parsing).
    func headlineMetrics(id: String, directory: RunDirectory) -> MetricsSummary {
        let scanner = listReaders[id] ?? MetricsHeadlineScanner(url: directory.metricsURL)
        scanner.update()
        listReaders[id] = scanner
        return scanner.summary
    }

    /// Every setting of config.json (top level and "settings"), flattened to text; cached by
    /// modification time.
    func settings(id: String, directory: RunDirectory) -> [(key: String, value: String)] {
        let modified = (try? FileManager.default.attributesOfItem(atPath: directory.configURL.path)[.modificationDate] as? Date) ?? nil
        guard let modified else { return [] }
        if let cached = settingsCache[id], cached.modified == modified { return cached.settings }
        var pairs: [(key: String, value: String)] = []
        var seen = Set<String>()
        func add(_ object: JSONObject) {
            for (key, value) in object {
                if case .object(let nested) = value { add(nested); continue }
                guard !["schemaVersion", "createdAt", "codeVersion"].contains(key), !seen.contains(key) else { continue }
                seen.insert(key)
                pairs.append((key, EffectRunner.text(value)))
            }
        }
        if let object = (try? directory.readJSON(from: directory.configURL))?.objectValue { add(object) }
        settingsCache[id] = (modified, pairs)
        return pairs
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n == n.rounded() && abs(n) <= 9_007_199_254_740_992 ? String(Int(n)) : String(n)
        case .string(let s): return s
        case .array(let items): return items.map(text).joined(separator: ",")
        case .object(let object): return "{" + object.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    // MARK: metrics

    func tailMetrics(_ id: String) -> DashboardMessage? {
        // Compare polls every marked run each second: a file whose stamp is as at the last
        // read has nothing new, and is not opened.
        let stamp = FileStamp(path: listedRuns[id]?.paths.metrics ?? catalog.directory(for: RunID(id)).metricsURL.path)
        if chartReaders[id] != nil, tailedStamps[id] == stamp { return nil }
        tailedStamps[id] = stamp
        let directory = catalog.directory(for: RunID(id))
        let reader = chartReaders[id] ?? ChartTailReader(url: directory.metricsURL)
        chartReaders[id] = reader
        guard let result = reader.readNew() else { return nil }
        guard !result.records.isEmpty || result.restarted else { return nil }
        let status = try? directory.readStatus()
        let epochs = (try? directory.readConfig())?.epochs ?? 0
        let stepsPerEpoch: Double? = {
            if let status, status.totalSteps > 0, epochs > 0 { return Double(status.totalSteps) / Double(epochs) }
            return nil
        }()
        let points = result.records.map { EffectRunner.point($0, stepsPerEpoch: stepsPerEpoch) }
        return .metricsAppended(runID: id, points: points, restarted: result.restarted)
    }

    /// A metrics record as a chart point (x in epochs).
    static func point(_ record: MetricRecord, stepsPerEpoch: Double?) -> MetricPoint {
        let isStep = record.interval == .steps
        let x: Double
        if isStep {
            if let stepsPerEpoch, stepsPerEpoch > 0 { x = Double(record.step) / stepsPerEpoch }
            else { x = Double(max(0, record.epoch - 1)) + 0.5 }
        } else {
            x = Double(record.epoch)
        }
        let split: MetricPoint.Split
        switch record.split {
        case .train: split = .train
        case .val: split = .val
        case .test: split = .test
        default: split = .other
        }
        return MetricPoint(x: x, epoch: record.epoch, split: split, isStepLine: isStep, loss: record.loss,
                           accuracy: record.accuracy, knnAccuracy: record.knnAccuracy,
                           blendedAccuracy: record.blendedAccuracy, imagesPerSecond: record.imagesPerSecond,
                           blendLambda: record.extra["blendLambda"])
    }

    // MARK: snapshots

    func loadKernels(_ id: String, epoch: Int?) -> DashboardMessage {
        let directory = catalog.directory(for: RunID(id))
        let epochs = directory.kernelSnapshotEpochs
        guard let chosen = epoch.flatMap({ epochs.contains($0) ? $0 : nil }) ?? epochs.last else {
            return .kernelsLoaded(runID: id, epochs: [], snapshot: nil, error: nil)
        }
        do {
            let snapshot = try directory.readKernelSnapshot(epoch: chosen)
            return .kernelsLoaded(runID: id, epochs: epochs, snapshot: snapshot, error: nil)
        } catch {
            return .kernelsLoaded(runID: id, epochs: epochs, snapshot: nil, error: EffectRunner.describe(error))
        }
    }

    func loadKNN(_ id: String) -> DashboardMessage {
        let directory = catalog.directory(for: RunID(id))
        var loaded: [KNNEpochStatistics] = []
        var errors: [String] = []
        for epoch in directory.knnStatisticsEpochs {
            do {
                if let statistics = try directory.readKNNStatistics(epoch: epoch) { loaded.append(statistics) }
            } catch {
                errors.append(EffectRunner.describe(error))
            }
        }
        var evaluation: NeighbourEvaluationSummary?
        do { evaluation = try directory.readEvaluation() } catch { errors.append(EffectRunner.describe(error)) }
        var fewShot: FewShotResults?
        do { fewShot = try directory.readFewShot() } catch { errors.append(EffectRunner.describe(error)) }
        return .knnLoaded(runID: id, epochs: loaded, evaluation: evaluation, fewShot: fewShot,
                          error: errors.isEmpty ? nil : errors.joined(separator: "; "))
    }

    func loadNeighbours(_ id: String) -> DashboardMessage {
        let directory = catalog.directory(for: RunID(id))
        do {
            guard let (data, missing) = try directory.readNeighbours() else {
                return .neighboursLoaded(runID: id, data: nil, error: nil)
            }
            let warning = missing > 0 ? "neighbours-images.bin is \(missing) bytes short: some images are missing" : nil
            return .neighboursLoaded(runID: id, data: data, error: warning)
        } catch {
            return .neighboursLoaded(runID: id, data: nil, error: EffectRunner.describe(error))
        }
    }

    /// A run-file error in the dashboard's short form ("kernels/epoch-003.json unreadable: …").
    static func describe(_ error: Error) -> String {
        if let store = error as? RunStoreError { return store.shortDescription }
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return "not JSON (\(context.debugDescription))"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
                return context.debugDescription
            @unknown default: return "\(decoding)"
            }
        }
        return "\(error)"
    }

    private func fileSize(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }
}
