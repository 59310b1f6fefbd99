import XCTest
import TensorCore
@testable import Neighbours

/// Random rows [N×D]: uniform floats, or small integers (exact arithmetic, many exact ties).
func randomRows(_ count: Int, _ dimension: Int, seed: UInt64, integers: Bool = false) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<(count * dimension)).map { _ in
        integers ? Float(generator.nextInt(below: 7) - 3) : generator.nextFloat(in: -1..<1)
    }
}

func randomLabels(_ count: Int, classCount: Int, seed: UInt64) -> [Int] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.nextInt(below: classCount) }
}

/// The exact score of prepared query `q` against bank row `j`, in Double.
func oracleScore(_ bank: FeatureBank, prepared q: ArraySlice<Float>, row j: Int) -> Double {
    var s = 0.0
    for (p, value) in q.enumerated() {
        let x = Double(bank.features[j * bank.dimension + p])
        switch bank.metric {
        case .cosine: s += Double(value) * x
        case .euclidean: s -= (Double(value) - x) * (Double(value) - x)
        }
    }
    return s
}

/// Checks `fast` against the naive twin's `naive`: same counts; similarities equal within
/// `tolerance`; indices equal, except where a swap between near-equal scores is allowed
/// (then the returned row's true score must equal the naive similarity at that rank).
/// With `exact`, indices and similarities must match exactly.
func assertMatchesNaive(_ fast: NeighbourResult, _ naive: NeighbourResult, bank: FeatureBank,
                        queries: [Float], excluding: [Int]?, exact: Bool = false,
                        tolerance: Double = 2e-5, _ label: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(fast.queryCount, naive.queryCount, "\(label): n", file: file, line: line)
    XCTAssertEqual(fast.k, naive.k, "\(label): k", file: file, line: line)
    XCTAssertEqual(fast.counts, naive.counts, "\(label): counts", file: file, line: line)
    guard fast.counts == naive.counts else { return }
    let prepared = bank.preparedQueries(queries)
    let d = bank.dimension
    for i in 0..<fast.queryCount {
        let rowFast = Array(fast.neighbours(of: i))
        XCTAssertEqual(Set(rowFast).count, rowFast.count, "\(label): query \(i) repeats a neighbour",
                       file: file, line: line)
        if let excluding, excluding[i] >= 0 {
            XCTAssertFalse(rowFast.contains(Int32(excluding[i])), "\(label): query \(i) returned its excluded row",
                           file: file, line: line)
        }
        for r in 0..<Int(fast.counts[i]) {
            let a = fast.similarities[i * fast.k + r], b = naive.similarities[i * naive.k + r]
            let ia = fast.indices[i * fast.k + r], ib = naive.indices[i * naive.k + r]
            let scale = 1 + abs(Double(b))
            if exact {
                XCTAssertEqual(ia, ib, "\(label): query \(i) rank \(r) index", file: file, line: line)
                XCTAssertEqual(a, b, "\(label): query \(i) rank \(r) similarity", file: file, line: line)
                continue
            }
            XCTAssertEqual(Double(a), Double(b), accuracy: tolerance * scale,
                           "\(label): query \(i) rank \(r) similarity", file: file, line: line)
            if r > 0 {
                XCTAssertLessThanOrEqual(a, fast.similarities[i * fast.k + r - 1],
                                         "\(label): query \(i) not sorted at rank \(r)", file: file, line: line)
            }
            if ia != ib {
                let trueScore = oracleScore(bank, prepared: prepared[(i * d)..<((i + 1) * d)], row: Int(ia))
                XCTAssertEqual(trueScore, Double(b), accuracy: tolerance * scale,
                               "\(label): query \(i) rank \(r) returned row \(ia) instead of \(ib), not a near tie",
                               file: file, line: line)
            }
        }
        for r in Int(fast.counts[i])..<fast.k {
            XCTAssertEqual(fast.indices[i * fast.k + r], -1, "\(label): query \(i) padding index", file: file, line: line)
        }
    }
}
