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

/// The test's own oracle, computed from the raw rows in Double and sharing no code with the
/// bank: for cosine, rows and queries are centred by the Double mean of the raw bank rows and
/// divided by their norm (a centred row that is zero up to rounding scores 0 with everything);
/// for euclidean, the score is −Σ(q − x)² on the raw values.
struct RawOracle {
    let rows: [Float], count: Int, dimension: Int, metric: SimilarityMetric

    init(rows: [Float], count: Int, dimension: Int, metric: SimilarityMetric) {
        self.rows = rows; self.count = count; self.dimension = dimension; self.metric = metric
    }

    var mean: [Double] {
        (0..<dimension).map { p in
            count == 0 ? 0 : (0..<count).reduce(0.0) { $0 + Double(rows[$1 * dimension + p]) } / Double(count)
        }
    }

    /// A raw row centred and normalised (cosine), or as it is (euclidean), in Double.
    func prepared(_ raw: ArraySlice<Float>, mean: [Double]) -> [Double] {
        let x = raw.map { Double($0) }
        guard metric == .cosine else { return x }
        let centred = zip(x, mean).map { $0 - $1 }
        let norm2 = centred.reduce(0) { $0 + $1 * $1 }
        let reference = x.reduce(0) { $0 + $1 * $1 } + mean.reduce(0) { $0 + $1 * $1 }
        guard norm2 > 1e-9 * max(reference, 1e-20) else { return [Double](repeating: 0, count: x.count) }
        return centred.map { $0 / norm2.squareRoot() }
    }

    /// Score of raw query `q` [D] against bank row `j`.
    func score(_ q: ArraySlice<Float>, row j: Int) -> Double {
        let m = metric == .cosine ? mean : []
        return score(prepared(q, mean: m), prepared(rows[(j * dimension)..<((j + 1) * dimension)], mean: m))
    }

    func score(_ q: [Double], _ x: [Double]) -> Double {
        switch metric {
        case .cosine: return zip(q, x).reduce(0) { $0 + $1.0 * $1.1 }
        case .euclidean: return -zip(q, x).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
    }

    /// The k best rows of each raw query (similarity descending, index ascending on ties).
    func search(_ queries: [Float], k: Int, excluding: [Int]? = nil) -> NeighbourResult {
        let d = dimension, n = dimension == 0 ? 0 : queries.count / dimension
        let m = metric == .cosine ? mean : []
        let bankRows = (0..<count).flatMap { prepared(rows[($0 * d)..<(($0 + 1) * d)], mean: m) }
        let cosine = metric == .cosine
        var indices = [Int32](repeating: -1, count: n * k)
        var similarities = [Float](repeating: -.infinity, count: n * k)
        var counts = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let q = prepared(queries[(i * d)..<((i + 1) * d)], mean: m)
            var best: [(similarity: Double, index: Int)] = []   // sorted, at most k
            for j in 0..<count where j != (excluding?[i] ?? -1) {
                var s = 0.0
                for p in 0..<d {
                    let x = bankRows[j * d + p]
                    if cosine { s += q[p] * x } else { s -= (q[p] - x) * (q[p] - x) }
                }
                if best.count == k, let last = best.last, !(s > last.similarity) { continue }
                var at = best.count
                while at > 0 && s > best[at - 1].similarity { at -= 1 }
                best.insert((s, j), at: at)
                if best.count > k { best.removeLast() }
            }
            counts[i] = Int32(best.count)
            for (r, entry) in best.enumerated() {
                indices[i * k + r] = Int32(entry.index)
                similarities[i * k + r] = Float(entry.similarity)
            }
        }
        return NeighbourResult(queryCount: n, k: k, indices: indices, similarities: similarities, counts: counts)
    }
}

extension RawOracle {
    init(_ bankRows: [Float], of bank: FeatureBank) {
        self.init(rows: bankRows, count: bank.count, dimension: bank.dimension, metric: bank.metric)
    }
}

/// Checks `fast` against the oracle's `naive`: same counts; similarities equal within
/// `tolerance`; indices equal, except where a swap between near-equal scores is allowed
/// (then the returned row's true score must equal the naive similarity at that rank).
/// With `exact`, indices and similarities must match exactly.
func assertMatchesNaive(_ fast: NeighbourResult, _ naive: NeighbourResult, oracle: RawOracle,
                        queries: [Float], excluding: [Int]?, exact: Bool = false,
                        tolerance: Double = 2e-5, _ label: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(fast.queryCount, naive.queryCount, "\(label): n", file: file, line: line)
    XCTAssertEqual(fast.k, naive.k, "\(label): k", file: file, line: line)
    XCTAssertEqual(fast.counts, naive.counts, "\(label): counts", file: file, line: line)
    guard fast.counts == naive.counts else { return }
    let d = oracle.dimension
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
                let trueScore = oracle.score(queries[(i * d)..<((i + 1) * d)], row: Int(ia))
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
