import ArgumentParser

/// `simlab` with no arguments opens the dashboard; subcommands run everything headless.
@main
struct Simlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simlab",
        abstract: "A terminal laboratory for similarity learning in image classification.",
        subcommands: [
            DashboardCommand.self, TrainCommand.self, RunsCommand.self, ShowCommand.self, ExportCommand.self,
            PauseCommand.self, ResumeCommand.self, StopCommand.self, RemoveCommand.self, QueueCommand.self,
            BenchCommand.self, WorkerCommand.self, KNNCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )
}
