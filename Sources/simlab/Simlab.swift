import ArgumentParser
import Foundation

/// `simlab` with no arguments opens the dashboard; subcommands run everything headless.
@main
struct Simlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simlab",
        abstract: "A terminal laboratory for similarity learning in image classification.",
        subcommands: [
            DashboardCommand.self, TrainCommand.self, RunsCommand.self, ShowCommand.self, ExportCommand.self,
            PauseCommand.self, ResumeCommand.self, StopCommand.self, RemoveCommand.self, QueueCommand.self,
            StudyCommand.self, BenchCommand.self, WorkerCommand.self, KNNCommand.self, FewShotCommand.self,
            ExportModelCommand.self, PredictCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )

    static func main() {
        if let word = singleDashWord(in: Array(CommandLine.arguments.dropFirst())) {
            exit(withError: ValidationError("unknown option '\(word)': options start with two dashes (e.g. --\(word.dropFirst()))"))
        }
        main(nil)
    }

    /// The first word like `-dash` before a `--`: one dash and several letters. The parser
    /// would read it as the short flags -d -a -s -h and, finding -h, print help and exit 0.
    /// simlab's only short options are single letters (-h, -y); negative numbers
    /// (`--lr -0.5`, `-inf`) are values, not options.
    static func singleDashWord(in arguments: [String]) -> String? {
        for word in arguments {
            if word == "--" { return nil }
            let characters = Array(word)
            guard characters.count >= 3, characters[0] == "-", characters[1].isLetter, Double(word) == nil else { continue }
            return word
        }
        return nil
    }
}
