import XCTest
import Foundation
@testable import Worker

final class SlotQueueTests: XCTestCase {
    private func temporaryRunsDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "simlab-slots-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testOneSlotByDefaultAndReleaseFreesIt() throws {
        let queue = SlotQueue(runsDirectory: try temporaryRunsDirectory())
        XCTAssertEqual(queue.slotCount, 1)
        let first = try XCTUnwrap(try queue.tryAcquire())
        XCTAssertNil(try queue.tryAcquire(), "a second lease while the only slot is held")
        XCTAssertEqual(queue.busySlots(), 1)
        first.release()
        XCTAssertEqual(queue.busySlots(), 0)
        XCTAssertNotNil(try queue.tryAcquire())
    }

    func testConfiguredSlotCount() throws {
        let queue = SlotQueue(runsDirectory: try temporaryRunsDirectory())
        try queue.setSlotCount(2)
        XCTAssertEqual(queue.slotCount, 2)
        let a = try queue.tryAcquire(), b = try queue.tryAcquire()
        XCTAssertEqual([a?.slot, b?.slot], [0, 1])
        XCTAssertNil(try queue.tryAcquire())
    }

    func testWaitGivesUpAndWaitsForItsTurn() throws {
        let queue = SlotQueue(runsDirectory: try temporaryRunsDirectory())
        var polls = 0
        let lease = try queue.waitForSlot(pollInterval: 0.001, isNextInLine: { polls += 1; return polls > 3 },
                                          shouldGiveUp: { false })
        XCTAssertNotNil(lease)
        XCTAssertEqual(polls, 4, "the slot is taken only once the run is next in line")
        let none = try queue.waitForSlot(pollInterval: 0.001, isNextInLine: { true }, shouldGiveUp: { true })
        XCTAssertNil(none)
    }

    func testControlSignalsSetFlags() throws {
        let receiver = ControlSignalReceiver()
        receiver.reset()
        XCTAssertTrue(ControlSignal.pause.send(to: getpid()))
        try waitUntil { receiver.isPaused }
        ControlSignal.resume.send(to: getpid())
        try waitUntil { !receiver.isPaused }
        ControlSignal.stop.send(to: getpid())
        try waitUntil { receiver.isStopRequested }
        XCTAssertFalse(ControlSignal.stop.send(to: 0))
    }

    private func waitUntil(_ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        for _ in 0..<500 where !condition() { usleep(10_000) }
        XCTAssertTrue(condition(), "condition not reached within 5 s", file: file, line: line)
    }
}
