import Dashboard
import Foundation
import TerminalUI
import XCTest

/// Compares a rendered screen with the text snapshot `Snapshots/<name>.txt` next to the
/// tests. Set SIMLAB_RECORD_SNAPSHOTS=1 to (re-)record them; a missing snapshot fails.
func assertSnapshot(_ state: DashboardState, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    var buffer = CellBuffer(width: state.width, height: state.height)
    state.render(into: &buffer)
    let text = buffer.lines().map { line -> String in
        var l = line
        while l.last == " " { l.removeLast() }
        return l
    }.joined(separator: "\n") + "\n"
    let directory = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = directory.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["SIMLAB_RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: url)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        XCTFail("no snapshot \(url.path); record with SIMLAB_RECORD_SNAPSHOTS=1\n\(text)", file: file, line: line)
        return
    }
    if expected != text {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        XCTFail("snapshot \(name) differs from line \(first + 1):\nexpected: \(first < e.count ? String(e[first]) : "<end>")\nactual:   \(first < a.count ? String(a[first]) : "<end>")\n--- actual screen ---\n\(text)",
                file: file, line: line)
    }
}

/// The text of a rendered state (for `contains` checks).
func screenText(_ state: DashboardState) -> String {
    var buffer = CellBuffer(width: state.width, height: state.height)
    state.render(into: &buffer)
    return buffer.lines().joined(separator: "\n")
}
