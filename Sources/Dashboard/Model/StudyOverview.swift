import RunStore

/// One study as the Studies screen shows it: its report (progress and statistics per cell)
/// and, per cell and metric, the mean over seeds at each epoch with its sample std.
public struct StudyOverview: Equatable, Sendable {
    /// The mean over the cell's runs at one epoch (std nil for a single run).
    public struct CurvePoint: Equatable, Sendable {
        public var epoch: Int
        public var mean: Double
        public var standardDeviation: Double?
        public var count: Int

        public init(epoch: Int, mean: Double, standardDeviation: Double?, count: Int) {
            self.epoch = epoch
            self.mean = mean
            self.standardDeviation = standardDeviation
            self.count = count
        }
    }

    public var report: StudyReport
    /// `curves[metric][cell index]`, epochs ascending.
    public var curves: [CompareMetric: [[CurvePoint]]]

    public init(report: StudyReport, curves: [CompareMetric: [[CurvePoint]]] = [:]) {
        self.report = report
        self.curves = curves
    }

    public var name: String { report.study.name }
    public var runCount: Int { report.groups.reduce(0) { $0 + $1.runs.count } }
    public var finishedCount: Int { report.groups.reduce(0) { $0 + $1.finished } }
    /// Runs the grid × seeds asks for (some may not be created yet).
    public var plannedCount: Int { report.study.cells.count * report.study.seeds.count }

    /// The per-epoch values of one run for every metric, from its epoch lines.
    public static func epochValues(_ records: [MetricRecord]) -> [CompareMetric: [Int: Double]] {
        var values: [CompareMetric: [Int: Double]] = [:]
        for record in records where record.isEpochSummary {
            switch record.split {
            case .train:
                if let v = record.loss { values[.trainLoss, default: [:]][record.epoch] = v }
                if let v = record.accuracy { values[.trainAccuracy, default: [:]][record.epoch] = v }
            case .val:
                if let v = record.loss { values[.valLoss, default: [:]][record.epoch] = v }
                if let v = record.accuracy { values[.valAccuracy, default: [:]][record.epoch] = v }
            case .test:
                if let v = record.accuracy { values[.testAccuracy, default: [:]][record.epoch] = v }
            default:
                break
            }
        }
        return values
    }

    /// Mean ± std over runs at each epoch, for each cell and metric (`runValues` by run id).
    public static func curves(_ study: StudyRecord, runValues: [String: [CompareMetric: [Int: Double]]]) -> [CompareMetric: [[CurvePoint]]] {
        var curves: [CompareMetric: [[CurvePoint]]] = [:]
        for metric in CompareMetric.allCases {
            curves[metric] = study.cells.map { cell in
                let series = study.runs(of: cell).compactMap { runValues[$0.run]?[metric] }
                let epochs = Set(series.flatMap(\.keys)).sorted()
                return epochs.compactMap { epoch in
                    Statistics.summary(series.compactMap { $0[epoch] }).map {
                        CurvePoint(epoch: epoch, mean: $0.mean, standardDeviation: $0.standardDeviation, count: $0.count)
                    }
                }
            }
        }
        return curves
    }
}
