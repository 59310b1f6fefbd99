import TensorCore

/// A seeded, stratified split of a training set into a training part and a held-out
/// validation part, optionally keeping only a fraction of the training part.
///
/// Per class c with n_c examples, the validation set takes a share of `validationCount`
/// proportional to n_c (largest remainders make the total exact); the class's examples are
/// shuffled with the seed and the first ones go to validation. `trainFraction` then keeps a
/// stratified share of the rest (at least one per class when the class has any). Indices
/// are sorted and refer to the full training set.
public struct DatasetSplit: Equatable, Sendable {
    public let seed: UInt64
    public let trainIndices: [Int]
    public let validationIndices: [Int]
    /// Training examples left out by `trainFraction < 1`.
    public let unusedIndices: [Int]
    public let trainFraction: Double

    public init(labels: [Int], classCount: Int, validationCount: Int = 5000, trainFraction: Double = 1, seed: UInt64) {
        precondition(validationCount >= 0 && validationCount <= labels.count,
                     "validation count \(validationCount) must be in 0...\(labels.count)")
        precondition(trainFraction > 0 && trainFraction <= 1, "train fraction \(trainFraction) must be in (0, 1]")
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, label) in labels.enumerated() { byClass[label].append(i) }
        var generator = SeededGenerator(seed: seed)
        for c in 0..<classCount { DatasetSplit.shuffle(&byClass[c], &generator) }

        let validationShares = DatasetSplit.proportionalShares(total: validationCount, weights: byClass.map(\.count))
        var validation: [Int] = [], train: [Int] = [], unused: [Int] = []
        var remaining: [[Int]] = []
        for c in 0..<classCount {
            validation += byClass[c][0..<validationShares[c]]
            remaining.append(Array(byClass[c][validationShares[c]...]))
        }
        let remainingTotal = remaining.reduce(0) { $0 + $1.count }
        let trainTotal = Int((trainFraction * Double(remainingTotal)).rounded())
        var trainShares = DatasetSplit.proportionalShares(total: trainTotal, weights: remaining.map(\.count))
        for c in 0..<classCount where trainShares[c] == 0 && !remaining[c].isEmpty { trainShares[c] = 1 }
        for c in 0..<classCount {
            train += remaining[c][0..<trainShares[c]]
            unused += remaining[c][trainShares[c]...]
        }
        self.seed = seed
        self.trainFraction = trainFraction
        self.trainIndices = train.sorted()
        self.validationIndices = validation.sorted()
        self.unusedIndices = unused.sorted()
    }

    /// Splits `total` into integer parts proportional to `weights` (largest remainder method,
    /// ties to the lower index), never more than a weight.
    static func proportionalShares(total: Int, weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0, total > 0 else { return weights.map { _ in 0 } }
        var shares = weights.map { total * $0 / sum }
        let remainders = weights.enumerated().map { (index: $0.offset, value: total * $0.element % sum) }
        var missing = total - shares.reduce(0, +)
        for r in remainders.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.index < $1.index }) where missing > 0 {
            if shares[r.index] < weights[r.index] { shares[r.index] += 1; missing -= 1 }
        }
        return shares
    }

    /// Fisher–Yates with the seeded generator (same permutation on every machine).
    static func shuffle(_ values: inout [Int], _ generator: inout SeededGenerator) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, generator.nextInt(below: i + 1))
        }
    }
}

/// Training, validation and test sets ready for a run. Every split is normalised with
/// statistics of the training part only.
public struct DataSplits: Sendable {
    public let train: ImageDataset
    public let validation: ImageDataset
    public let test: ImageDataset
    public let split: DatasetSplit
    public let format: DatasetFormat

    /// The pad-and-crop padding for these images (`DatasetFormat.cropPadding`).
    public var cropPadding: Int { format.cropPadding(height: train.height, width: train.width) }

    public init(_ dataset: LoadedDataset, split: DatasetSplit) {
        var train = dataset.train.subset(split.trainIndices)
        var validation = dataset.train.subset(split.validationIndices)
        var test = dataset.test
        let statistics = train.computedNormalization()
        train.normalization = statistics
        validation.normalization = statistics
        test.normalization = statistics
        self.train = train
        self.validation = validation
        self.test = test
        self.split = split
        self.format = dataset.format
    }
}
