import ArgumentParser

/// `simlab bench …`: performance measurements (never part of the tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of the numeric core.",
        subcommands: [BenchGEMMCommand.self, BenchKNNCommand.self, BenchTrainCommand.self]
    )
}
