import ArgumentParser

/// `simlab bench …`: performance measurements (never part of the tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed: GEMM, training, kNN search, dashboard rendering, metrics parsing.",
        subcommands: [BenchGEMMCommand.self, BenchTrainCommand.self, BenchKNNCommand.self, BenchDashboardCommand.self,
                      BenchMetricsCommand.self]
    )
}
