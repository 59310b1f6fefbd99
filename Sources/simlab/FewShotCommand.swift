import ArgumentParser
import Foundation
import Neighbours
import RunStore
import TensorCore
import Training

/// `simlab fewshot RUN`: N-way K-shot accuracy on classes the run did not train on, with a
/// 95 % confidence interval over episodes; the results go into the run's fewshot.json.
struct FewShotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fewshot",
        abstract: "Few-shot accuracy of a run's features on held-out classes (N-way K-shot episodes).",
        discussion: """
            Episodes are drawn from the test images of the classes the run did not train on \
            (simlab train --classes 0,1,2,3,4,5 leaves 6,7,8,9), or of --classes. Each episode \
            takes --ways classes, --shots support and --queries query images of each; queries \
            are classified from the support set on the run's penultimate features (latest \
            checkpoint, L2-normalised): prototype (nearest class mean, cosine) or knn. The \
            accuracy is the mean over episodes ± the half-width of its 95 % confidence interval \
            (1.96 · sd / √episodes). Episodes depend only on --seed. Results are recorded in \
            the run's fewshot.json (one entry per setting; the dashboard's kNN screen shows them).
            """
    )

    @Argument(help: "Run id (or a unique prefix).") var id: String
    @Option(help: "Classes per episode (N).")
    var ways = 4
    @Option(help: "Support images per class (K), one or more, comma-separated.")
    var shots = "1,5"
    @Option(help: "Query images per class in each episode.")
    var queries = 15
    @Option(help: "Episodes per shot count.")
    var episodes = 600
    @Option(help: "Classes to draw episodes from, comma-separated (default: those the run did not train on).")
    var classes: String?
    @Option(help: "prototype or knn.")
    var classifier = "prototype"
    @Option(help: "Neighbours of the knn classifier.")
    var k = 1
    @Option(help: "Seed of the episodes.")
    var seed: UInt64 = 0
    @Option(help: "Dataset directory (default: the run's).")
    var data: String?
    @Option(help: "Threads for the feature pass.")
    var threads = 2
    @OptionGroup var runs: RunsLocation
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard FewShotClassifier(rawValue: classifier) != nil else {
            throw ValidationError("--classifier must be prototype or knn, got '\(classifier)'")
        }
        _ = try shotCounts()
        _ = try classList()
        guard ways >= 2 else { throw ValidationError("--ways must be at least 2 (one way is no choice), got \(ways)") }
        for (name, value) in [("--queries", queries), ("--episodes", episodes), ("--k", k), ("--threads", threads)] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
    }

    func shotCounts() throws -> [Int] {
        let parts = shots.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--shots must be positive whole numbers separated by commas like 1,5, got '\(shots)'")
        }
        return parts.compactMap { $0 }
    }

    func classList() throws -> [Int]? {
        guard let classes else { return nil }
        let parts = classes.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--classes must be comma-separated class numbers like 6,7,8,9, got '\(classes)'")
        }
        return parts.compactMap { $0 }
    }

    func run() throws {
        Parallel.threadCount = threads
        let directory = try runs.run(id)
        let classifier = FewShotClassifier(rawValue: self.classifier)!
        do {
            let evaluator = try FewShotEvaluator(run: directory, classes: classList(), dataDirectory: data)
            var results: [FewShotResults.Evaluation] = []
            for shotCount in try shotCounts() {
                let evaluation = try evaluator.evaluate(classifier: classifier, k: k, ways: ways, shots: shotCount,
                                                        queries: queries, episodes: episodes, seed: seed)
                try directory.recordFewShot(evaluation)
                results.append(evaluation)
            }
            if json {
                print(try Self.json(run: directory.id.rawValue, model: evaluator.modelLabel,
                                    trainedClasses: evaluator.trainedClasses, results: results))
            } else {
                print(Self.text(run: directory.id.rawValue, evaluator: evaluator, results: results))
            }
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(describing: error)
        }
    }

    static func text(run: String, evaluator: FewShotEvaluator, results: [FewShotResults.Evaluation]) -> String {
        let list = { (classes: [Int]) in classes.map(String.init).joined(separator: ",") }
        var lines = ["run \(run) (\(evaluator.modelLabel), trained on classes \(list(evaluator.trainedClasses))), "
                     + "checkpoint \(evaluator.checkpoint)"]
        if let first = results.first {
            let classifier = first.classifier + (first.k.map { " k=\($0)" } ?? "")
            lines.append("episodes on classes \(list(first.classes))"
                         + (first.heldOut ? " (held out)" : " (seen in training: an upper reference, not few-shot)")
                         + ", \(classifier), \(first.queries) queries per class, \(first.episodes) episodes, seed \(first.seed)")
        }
        for r in results {
            lines.append(String(format: "  %d-way %d-shot: %.2f %% ± %.2f (95 %% CI), sd %.2f", r.ways, r.shots,
                                r.accuracy * 100, r.ci95 * 100, r.standardDeviation * 100))
        }
        lines.append("recorded in the run's fewshot.json")
        return lines.joined(separator: "\n")
    }

    static func json(run: String, model: String, trainedClasses: [Int], results: [FewShotResults.Evaluation]) throws -> String {
        struct Output: Encodable {
            var run: String
            var model: String
            var trainedClasses: [Int]
            var results: [FewShotResults.Evaluation]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Output(run: run, model: model, trainedClasses: trainedClasses,
                                                          results: results)), as: UTF8.self)
    }
}
