import ArgumentParser
import Foundation
import Worker

/// `simlab worker RUN_DIR`: the detached training process (started by train --detach,
/// resume and the dashboard; not meant to be typed).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a training worker for a run directory.", shouldDisplay: false)

    @Argument(help: "The run directory.")
    var runDirectory: String
    @Flag(help: "Continue from the run's last checkpoint.")
    var resume = false

    func run() throws {
        let code = WorkerProcess.run(runDirectory: URL(fileURLWithPath: runDirectory), resume: resume)
        if code != 0 { throw ExitCode(code) }
    }
}
