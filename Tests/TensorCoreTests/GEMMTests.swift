import XCTest
@testable import TensorCore

final class GEMMTests: XCTestCase {
    func testNaiveMatchesHandComputedProduct() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        XCTAssertEqual(GEMM.matmul(a, b).scalars, [19, 22, 43, 50])
        XCTAssertEqual(GEMM.matmul(a, b, transposeA: true).scalars, [26, 30, 38, 44])
    }
}
