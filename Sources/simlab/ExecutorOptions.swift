import ArgumentParser
import Foundation
import RunStore
import Worker

/// `--executor NAME` and its options (`simlab train`, `simlab study create`): where workers
/// run, as config.json records it (`ExecutorChoice`).
struct ExecutorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where the worker runs: \(Executors.names.joined(separator: ", ")) (another executor than local implies --detach).",
                               valueName: "executor"))
    var executor = LocalExecutor.name
    @Option(help: ArgumentHelp("Slurm: the partition to submit to (default: the cluster's).", valueName: "partition"))
    var partition: String?
    @Option(help: ArgumentHelp("Slurm: the job's time limit (HH:MM:SS, D-HH:MM, …; rounded up to whole minutes). "
                               + "Near it the run checkpoints and continues in a new job.", valueName: "time"))
    var time: String?
    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Slurm: one more sbatch option, as --name=value (repeatable; e.g. --sbatch-arg --account=lab). "
                               + "--cpus-per-task follows --threads.", valueName: "arg"))
    var sbatchArg: [String] = []

    /// The executor and its options, as config.json records them.
    var choice: ExecutorChoice {
        var options: [String: String] = [:]
        if let partition { options[SlurmExecutor.Option.partition] = partition }
        if let time { options[SlurmExecutor.Option.time] = time }
        return ExecutorChoice(name: executor, options: options, passThrough: sbatchArg)
    }

    /// Refuses an unknown executor, and Slurm options given to the local one.
    func check(runs: URL) throws {
        do { _ = try Executors.named(executor) } catch { throw ValidationError("--executor: \(error)") }
        if executor == LocalExecutor.name {
            do { try LocalExecutor(runsDirectory: runs, executable: "").validate(choice) } catch {
                throw ValidationError("\(error)")
            }
        }
    }
}
