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
        XCTAssertNotNil(host.progress.last?.etaSeconds)
        XCTAssertEqual(host.states, [], "no pause or stop asked for")
        XCTAssertEqual(run.latestCheckpoint()?.lastPathComponent, run.checkpointURL(epoch: 2).lastPathComponent)
        XCTAssertEqual(host.lines.filter { $0.contains("/2: train loss") }.count, 2, "\(host.lines)")
    }
}
