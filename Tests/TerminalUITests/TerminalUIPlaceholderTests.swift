import XCTest
@testable import TerminalUI

// Placeholder so the target builds; replaced by the module's real tests.
final class TerminalUIPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(TerminalUIModule.self as Any.Type?) }
}
