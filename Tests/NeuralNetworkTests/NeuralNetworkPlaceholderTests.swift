import XCTest
@testable import NeuralNetwork

// Placeholder so the target builds; replaced by the module's real tests.
final class NeuralNetworkPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(Parameter.self as Any.Type?) }
}
