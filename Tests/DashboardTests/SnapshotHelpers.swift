import Dashboard
import Foundation
import TerminalUI
import XCTest

/// Compares a rendered screen with the text snapshot `Snapshots/<name>.txt`, a resource of
/// the test target (read through `Bundle.module`). With SIMLAB_RECORD_SNAPSHOTS=1 the
/// snapshot is (re-)recorded into the source folder next to the tests and the test fails,
/// so a recording run never passes silently: run again without it to check. A missing
/// snapshot fails.
///
/// The tab row lists every screen, so a screen's snapshot leaves it out (`tabs: false`):
/// adding a screen changes only the snapshots that show the tabs and the help.
func assertSnapshot(_ state: DashboardState, named name: String, tabs: Bool = false,
                    file: StaticString = #filePath, line: UInt = #line) {
    var buffer = CellBuffer(width: state.width, height: state.height)
    state.render(into: &buffer)
    let text = buffer.lines().dropFirst(tabs ? 0 : 1).map { line -> String in
        var l = line
        while l.last == " " { l.removeLast() }
        return l
    }.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["SIMLAB_RECORD_SNAPSHOTS"] == "1" {
        let directory = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Snapshots")
        let url = directory.appendingPathComponent(name + ".txt")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            XCTFail("recorded snapshot \(url.path): check it, then run again without SIMLAB_RECORD_SNAPSHOTS", file: file, line: line)
        } catch {
            XCTFail("could not record snapshot \(url.path): \(error)", file: file, line: line)
        }
        return
    }
    guard let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Snapshots"),
          let expected = try? String(contentsOf: url, encoding: .utf8) else {
        XCTFail("no snapshot \(name).txt in the test resources; record with SIMLAB_RECORD_SNAPSHOTS=1\n\(text)", file: file, line: line)
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
