import ArgumentParser

/// `simlab` with no arguments opens the dashboard; subcommands run everything headless.
@main
struct Simlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simlab",
        abstract: "A terminal laboratory for similarity learning in image classification.",
        subcommands: [DashboardCommand.self, BenchCommand.self],
        defaultSubcommand: DashboardCommand.self
    )
}
