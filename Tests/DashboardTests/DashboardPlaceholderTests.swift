import XCTest
@testable import Dashboard

// Placeholder so the target builds; replaced by the module's real tests.
final class DashboardPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(DashboardModule.self as Any.Type?) }
}
