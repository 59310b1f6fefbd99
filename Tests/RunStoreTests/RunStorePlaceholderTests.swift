import XCTest
@testable import RunStore

// Placeholder so the target builds; replaced by the module's real tests.
final class RunStorePlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(RunStoreModule.self as Any.Type?) }
}
