import XCTest
@testable import Neighbours

// Placeholder so the target builds; replaced by the module's real tests.
final class NeighboursPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(NeighboursModule.self as Any.Type?) }
}
