import Foundation
import RunStore
@testable import Worker
import XCTest

final class SlurmBatchScriptTests: XCTestCase {
    func testOneRunAgainstLiteralText() throws {
        let run = RunDirectory(url: URL(fileURLWithPath: "/cluster/runs/20260101-120000-abcd"))
        let script = SlurmBatchScript.forRun(run, executable: "/opt/simlab/bin/simlab", threads: 2, partition: "cpu",
                                             timeLimit: "01:00:00", extraArguments: ["--account=lab", "--mem=4G"])
        XCTAssertEqual(try script.render(), """
            #!/bin/bash
            #SBATCH --job-name=simlab-20260101-120000-abcd
            #SBATCH --output=/cluster/runs/20260101-120000-abcd/worker.log
            #SBATCH --open-mode=append
            #SBATCH --chdir=/cluster/runs/20260101-120000-abcd
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=2
            #SBATCH --partition=cpu
            #SBATCH --time=01:00:00
            #SBATCH --signal=B:URG@90
            #SBATCH --requeue
            #SBATCH --account=lab
            #SBATCH --mem=4G
            # Written by simlab: the worker of one run. Slurm's output and the worker's log share the log file;
            # a requeued job (SLURM_RESTART_COUNT > 0) resumes from the run's checkpoint.
            set -eu
            export SIMLAB_SLURM_JOB="${SLURM_JOB_ID:-}"
            run_directory=/cluster/runs/20260101-120000-abcd
            if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then
                exec /opt/simlab/bin/simlab worker "$run_directory" --resume
            fi
            exec /opt/simlab/bin/simlab worker "$run_directory"

            """)
    }

    func testResumedRunWithoutPartitionOrTimeAndAwkwardPaths() throws {
        let run = RunDirectory(url: URL(fileURLWithPath: "/home/o'neil/my runs/r1"))
        var script = SlurmBatchScript.forRun(run, executable: "/home/o'neil/bin dir/simlab", threads: 1, resume: true)
        script.requeue = false
        script.warning = SlurmBatchScript.Warning(signal: "USR2", secondsBeforeEnd: 120)
        XCTAssertEqual(try script.render(), """
            #!/bin/bash
            #SBATCH --job-name=simlab-r1
            #SBATCH --output="/home/o'neil/my runs/r1/worker.log"
            #SBATCH --open-mode=append
            #SBATCH --chdir="/home/o'neil/my runs/r1"
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=1
            #SBATCH --signal=B:USR2@120
            # Written by simlab: the worker of one run. Slurm's output and the worker's log share the log file;
            # a requeued job (SLURM_RESTART_COUNT > 0) resumes from the run's checkpoint.
            set -eu
            export SIMLAB_SLURM_JOB="${SLURM_JOB_ID:-}"
            run_directory='/home/o'\\''neil/my runs/r1'
            exec '/home/o'\\''neil/bin dir/simlab' worker "$run_directory" --resume

            """)
    }

    func testStudyAsJobArray() throws {
        let study = URL(fileURLWithPath: "/cluster/runs/studies/lr-grid")
        let script = SlurmBatchScript.forStudy(name: "lr-grid", directory: study,
                                               runList: study.appendingPathComponent("runs.txt"), runCount: 4,
                                               maxParallel: 2, executable: "/opt/simlab/bin/simlab", threads: 4,
                                               timeLimit: "2-00:00:00")
        XCTAssertEqual(try script.render(), """
            #!/bin/bash
            #SBATCH --job-name=simlab-lr-grid
            #SBATCH --array=0-3%2
            #SBATCH --output=/cluster/runs/studies/lr-grid/slurm-%A_%a.out
            #SBATCH --open-mode=append
            #SBATCH --chdir=/cluster/runs/studies/lr-grid
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=4
            #SBATCH --time=2-00:00:00
            #SBATCH --signal=B:URG@90
            #SBATCH --requeue
            # Written by simlab: a job array, one task per run of the 4 in the list file. Slurm's output and the worker's log share the log file;
            # a requeued job (SLURM_RESTART_COUNT > 0) resumes from the run's checkpoint.
            set -eu
            export SIMLAB_SLURM_JOB="${SLURM_JOB_ID:-}"
            run_list=/cluster/runs/studies/lr-grid/runs.txt
            run_directory=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$run_list")
            if [ -z "$run_directory" ]; then
                echo "simlab: no run directory on line $((SLURM_ARRAY_TASK_ID + 1)) of $run_list" >&2
                exit 1
            fi
            exec >>"$run_directory/worker.log" 2>&1
            if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then
                exec /opt/simlab/bin/simlab worker "$run_directory" --resume
            fi
            exec /opt/simlab/bin/simlab worker "$run_directory"

            """)
        let runs = ["a", "b"].map { RunDirectory(url: study.appendingPathComponent($0)) }
        XCTAssertEqual(try SlurmBatchScript.runListText(runs),
                       "/cluster/runs/studies/lr-grid/a\n/cluster/runs/studies/lr-grid/b\n")
    }

    func testSbatchQuotingKeepsTheOptionName() {
        XCTAssertEqual(SlurmBatchScript.sbatchQuoted("--mem=4G"), "--mem=4G")
        XCTAssertEqual(SlurmBatchScript.sbatchQuoted("--comment=a \"b\" \\ #c"), "--comment=\"a \\\"b\\\" \\\\ #c\"")
        XCTAssertEqual(SlurmBatchScript.shellQuoted("it's"), "'it'\\''s'")
        XCTAssertEqual(SlurmBatchScript.shellQuoted(""), "''")
    }

    func testRejectsWhatSbatchWouldMisread() {
        let run = RunDirectory(url: URL(fileURLWithPath: "/runs/r1"))
        func problem(_ change: (inout SlurmBatchScript) -> Void) -> String? {
            var script = SlurmBatchScript.forRun(run, executable: "/bin/simlab", threads: 1)
            change(&script)
            do { _ = try script.render(); return nil } catch { return "\(error)" }
        }
        XCTAssertNil(problem { _ in })
        for good in ["30", "30:00", "01:30:00", "2-00", "2-12:00", "2-12:00:00"] {
            XCTAssertNil(problem { $0.timeLimit = good }, good)
        }
        for bad in ["1h", "", "1:2:3:4", "-1", "1-", "1-2:3:4:5"] {
            XCTAssertNotNil(problem { $0.timeLimit = bad }, bad)
        }
        XCTAssertEqual(problem { $0.cpusPerTask = 0 }, "cannot write the Slurm batch script: --cpus-per-task must be at least 1, not 0")
        XCTAssertNotNil(problem { $0.executable = "simlab" })
        XCTAssertNotNil(problem { $0.partition = "two words" })
        XCTAssertNotNil(problem { $0.extraArguments = ["--qos=normal\n#SBATCH --x"] })
        XCTAssertEqual(problem { $0.extraArguments = ["mem=4G"] },
                       "cannot write the Slurm batch script: extra sbatch argument \"mem=4G\" is not an option (write it as --name=value)")
        XCTAssertNotNil(problem { $0.work = .array(runList: URL(fileURLWithPath: "/l"), count: 0, maxParallel: nil) })
        XCTAssertNotNil(problem { $0.work = .array(runList: URL(fileURLWithPath: "/l"), count: 2, maxParallel: 0) })
        XCTAssertThrowsError(try SlurmBatchScript.runListText([RunDirectory(url: URL(fileURLWithPath: "/a\nb"))]))
    }

    /// The rendered script run by bash (as slurmstepd would) with a stand-in binary that
    /// prints its arguments: the quoting holds and the right directory and flags arrive.
    func testRenderedScriptRunsTheWorkerOnTheRunDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("simlab-slurm-script-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let runs = root.appendingPathComponent("runs with 'quotes' & $dollars")
        let first = RunDirectory(url: runs.appendingPathComponent("r1")), second = RunDirectory(url: runs.appendingPathComponent("r2"))
        for run in [first, second] { try FileManager.default.createDirectory(at: run.url, withIntermediateDirectories: true) }
        let fake = root.appendingPathComponent("bin dir/simlab")
        try FileManager.default.createDirectory(at: fake.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done; echo\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)

        func runBash(_ text: String, environment: [String: String]) throws -> String {
            let scriptURL = root.appendingPathComponent("job-\(UUID().uuidString).sh")
            try text.write(to: scriptURL, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [scriptURL.path]
            process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            return String(decoding: data, as: UTF8.self)
        }

        let single = try SlurmBatchScript.forRun(first, executable: fake.path, threads: 1).render()
        XCTAssertEqual(try runBash(single, environment: [:]), "[worker][\(first.url.path)]\n")
        XCTAssertEqual(try runBash(single, environment: ["SLURM_RESTART_COUNT": "1"]), "[worker][\(first.url.path)][--resume]\n")

        let list = root.appendingPathComponent("runs.txt")
        try SlurmBatchScript.runListText([first, second]).write(to: list, atomically: true, encoding: .utf8)
        let array = try SlurmBatchScript.forStudy(name: "s", directory: root, runList: list, runCount: 2, maxParallel: nil,
                                                  executable: fake.path, threads: 1).render()
        XCTAssertEqual(try runBash(array, environment: ["SLURM_ARRAY_TASK_ID": "1"]), "")
        XCTAssertEqual(try String(contentsOf: second.workerLogURL, encoding: .utf8), "[worker][\(second.url.path)]\n")
    }
}
