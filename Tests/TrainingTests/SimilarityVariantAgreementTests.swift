import NeuralNetwork
import RunStore
import XCTest

/// RunStore declares the variants users can name (with their mixing shape); NeuralNetwork
/// implements each shape. They must agree name for name and shape for shape.
final class SimilarityVariantAgreementTests: XCTestCase {
    func testEveryDeclaredVariantIsImplementedWithItsShape() throws {
        XCTAssertEqual(SimilarityVariantSpec.names, SimilarityVariant.allCases.map(\.rawValue),
                       "the same variants, in the same order")
        for spec in SimilarityVariantSpec.all {
            let variant = try XCTUnwrap(SimilarityVariant(rawValue: spec.name), spec.name)
            XCTAssertEqual(variant.isDynamic, spec.isDynamic, spec.name)
            XCTAssertEqual(variant.isDiagonal, spec.isDiagonal, spec.name)
            XCTAssertEqual(variant.hasStaticMixing, !spec.isDynamic && spec.mixing != .identity, spec.name)
            XCTAssertEqual(variant == .conv, spec.mixing == .identity, spec.name)
        }
    }
}
