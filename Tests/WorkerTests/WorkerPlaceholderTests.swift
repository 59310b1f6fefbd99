import XCTest
@testable import Worker

// Placeholder so the target builds; replaced by the module's real tests.
final class WorkerPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(WorkerModule.self as Any.Type?) }
}
