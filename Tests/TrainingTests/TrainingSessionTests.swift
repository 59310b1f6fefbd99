import Foundation
import RunStore
@testable import Training
import XCTest

/// A session host that records what the session reports and pauses or stops on cue.
final class RecordingHost: TrainingSessionHost {
    var lines: [String] = []
    var states: [RunState] = []
    var progress: [TrainingSession.Progress] = []
    var heartbeats = 0
    var isStopRequested = false
    var isPaused = false
    /// The test's script, run after every log line and heartbeat.
    var onEvent: (RecordingHost) -> Void = { _ in }

    func log(_ message: String) { lines.append(message); onEvent(self) }
    func stateChanged(_ state: RunState) { states.append(state) }
    func progressed(_ progress: TrainingSession.Progress) { self.progress.append(progress) }
    func heartbeat() { heartbeats += 1; onEvent(self) }
}

/// The training loop as a session against a run directory, with a host in the test.
final class TrainingSessionTests: XCTestCase {
    /// A run directory with this configuration's config.json.
    func makeRun(_ configuration: TrainingConfiguration) throws -> RunDirectory {
        let root = try makeDataTemporaryDirectory(self)
        let config = configuration.runConfig(name: nil, dataDirectory: configuration.dataDirectory ?? "", codeVersion: "test")
        return try RunCatalog(root: root).createRun(config: config, status: RunStatus(state: .running))
    }

    func testASessionTrainsEveryEpochAndReportsEveryStep() throws {
        let data = try writeTextureDataset(self)
        let run = try makeRun(tinyConfiguration(dataDirectory: data, epochs: 2))
        let host = RecordingHost()
        XCTAssertEqual(try TrainingSession(run: run, host: host).train(resume: false), .finished)
        XCTAssertEqual(host.progress.map(\.step), Array(0...16), "once before the first step, then after each")
        XCTAssertEqual(host.progress.last?.epoch, 2)
        XCTAssertEqual(host.progress.last?.totalSteps, 16)
        XCTAssertNil(host.progress.first?.etaSeconds, "no ETA before a step was timed")
        // The ETA is the images still to train (16 steps of batch 32 in all) at the measured rate.
        for report in host.progress.dropFirst() {
            let remaining = Double((16 - report.step) * 32)
            XCTAssertGreaterThan(report.imagesPerSecond, 0, "step \(report.step) was timed")
            XCTAssertEqual(report.etaSeconds ?? -1, remaining / report.imagesPerSecond,
                           accuracy: 1e-9 * max(1, remaining / report.imagesPerSecond), "step \(report.step)")
        }
        XCTAssertEqual(host.progress.last?.etaSeconds, 0, "nothing left after the last step")
        XCTAssertEqual(host.states, [], "no pause or stop asked for")
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, run.checkpointURL(epoch: 2).lastPathComponent)
        XCTAssertEqual(host.lines.filter { $0.contains("/2: train loss") }.count, 2, "\(host.lines)")
    }

    func testEvaluationTimesAreRecordedApartFromTheTrainingSeconds() throws {
        let data = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: data, epochs: 1)
        configuration.knnEvaluate = true
        let run = try makeRun(configuration)
        let host = RecordingHost()
        XCTAssertEqual(try TrainingSession(run: run, host: host).train(resume: false), .finished)
        let records = try MetricsTailReader(url: run.metricsURL).readNew().records
        let epochLines = records.filter(\.isEpochSummary)
        XCTAssertEqual(epochLines.map(\.split), [.train, .val, .test])
        XCTAssertNotNil(epochLines[0].epochSeconds, "the train line keeps the training seconds")
        XCTAssertNil(epochLines[0].extra[MetricRecord.evaluationSecondsKey], "training is not evaluation")
        for line in epochLines.dropFirst() {
            let seconds = try XCTUnwrap(line.extra[MetricRecord.evaluationSecondsKey], "\(line.split) line: no evaluation time")
            XCTAssertGreaterThan(seconds, 0, "\(line.split): an evaluation pass takes time")
        }
        let final = try XCTUnwrap(records.first(where: \.isFinalEvaluation))
        let total = try XCTUnwrap(final.extra[MetricRecord.evaluationSecondsKey])
        let features = try XCTUnwrap(final.extra[MetricRecord.featureSecondsKey])
        XCTAssertGreaterThan(features, 0)
        XCTAssertLessThanOrEqual(features, total, "the feature passes are part of the final evaluation")
        XCTAssertEqual(host.lines.filter { $0.contains("(evaluation: val ") }.count, 1, "\(host.lines)")
    }

    /// A learning rate that jumps to 5·10¹⁸ at the start of epoch 2 (step 9) blows the
    /// weights up within a few steps of that epoch.
    func testADivergedLossThrowsWhereItDivergedAndKeepsTheCheckpointBefore() throws {
        let data = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: data, epochs: 3)
        configuration.schedule = "step:0.34;factor=100000000000000000000"
        let run = try makeRun(configuration)
        let host = RecordingHost()
        XCTAssertThrowsError(try TrainingSession(run: run, host: host).train(resume: false)) { error in
            guard let diverged = error as? TrainingDiverged else { return XCTFail("not a divergence: \(error)") }
            XCTAssertEqual(diverged.epoch, 2)
            XCTAssertTrue((10...16).contains(diverged.step), "in epoch 2, after the jump: \(diverged.step)")
            XCTAssertEqual(host.progress.last?.step, diverged.step - 1, "every step before it was finite and reported")
            XCTAssertTrue("\(error)".hasPrefix("diverged at epoch 2, step \(diverged.step): "), "\(error)")
        }
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, run.checkpointURL(epoch: 1).lastPathComponent)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.checkpointURL(epoch: 2).path))
        let checkpoint = try CheckpointFile.read(from: run.checkpointURL(epoch: 1))
        XCTAssertTrue(checkpoint.arrays.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }, "the kept checkpoint is finite")
    }

    /// A pause asked for during the final kNN evaluation holds it between batches (with
    /// heartbeats and nothing written), then the evaluation completes.
    func testAPauseDuringTheFinalEvaluationWaitsBetweenBatches() throws {
        let data = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: data, epochs: 1)
        configuration.knnEvaluate = true
        let run = try makeRun(configuration)
        let host = RecordingHost()
        var pausedHeartbeats = 0
        var writtenWhilePaused = false
        host.onEvent = { host in
            if host.lines.last?.hasPrefix("kNN evaluation") == true, host.states.isEmpty { host.isPaused = true }
            if host.states.last == .paused {
                pausedHeartbeats += 1
                writtenWhilePaused = writtenWhilePaused || FileManager.default.fileExists(atPath: run.evaluationURL.path)
                if pausedHeartbeats >= 3 { host.isPaused = false }
            }
        }
        XCTAssertEqual(try TrainingSession(run: run, host: host).train(resume: false), .finished)
        XCTAssertEqual(host.states, [.paused, .running])
        XCTAssertGreaterThanOrEqual(pausedHeartbeats, 3, "heartbeats while paused")
        XCTAssertFalse(writtenWhilePaused, "the evaluation waits: nothing written while paused")
        XCTAssertTrue(host.lines.contains("paused during the final kNN evaluation"), "\(host.lines)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.evaluationURL.path))
    }

    /// A stop while paused in the final evaluation ends the session stopped, with nothing written.
    func testAStopWhilePausedInTheFinalEvaluationEndsStopped() throws {
        let data = try writeTextureDataset(self)
        var configuration = tinyConfiguration(dataDirectory: data, epochs: 1)
        configuration.knnEvaluate = true
        let run = try makeRun(configuration)
        let host = RecordingHost()
        host.onEvent = { host in
            if host.lines.last?.hasPrefix("kNN evaluation") == true { host.isPaused = true }
            if host.states.last == .paused { host.isStopRequested = true }
        }
        XCTAssertEqual(try TrainingSession(run: run, host: host).train(resume: false), .stopped)
        XCTAssertEqual(host.states, [.paused])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.evaluationURL.path))
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, run.checkpointURL(epoch: 1).lastPathComponent,
                       "no stop checkpoint after training ended: resume evaluates from the last epoch's")
    }
}
