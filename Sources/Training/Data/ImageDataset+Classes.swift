/// Class subsets: `simlab train --classes` trains on some classes and `simlab fewshot`
/// evaluates on the others.
extension ImageDataset {
    /// The images of `classes` only (in their order in this set), relabelled 0..<classes.count:
    /// new label i is old class `classes[i]`; class names follow. `sourceIndices` point into
    /// the original file. `classes` must be distinct and in 0..<classCount.
    public func restricted(to classes: [Int]) -> ImageDataset {
        precondition(Set(classes).count == classes.count && classes.allSatisfy { (0..<classCount).contains($0) },
                     "restricted(to:) needs distinct classes in 0..<\(classCount), got \(classes)")
        var newLabel = [Int](repeating: -1, count: classCount)
        for (i, c) in classes.enumerated() { newLabel[c] = i }
        let kept = labels.indices.filter { newLabel[labels[$0]] >= 0 }
        var newPixels: [UInt8] = []
        newPixels.reserveCapacity(kept.count * imageSize)
        for index in kept { newPixels += pixels[index * imageSize..<(index + 1) * imageSize] }
        return ImageDataset(name: name, pixels: newPixels, labels: kept.map { newLabel[labels[$0]] },
                            channels: channels, height: height, width: width, classCount: classes.count,
                            classNames: classes.map { classNames[$0] }, normalization: normalization,
                            sourceIndices: kept.map { sourceIndices?[$0] ?? $0 })
    }
}

extension LoadedDataset {
    /// Training and test sets restricted to `classes` (see `ImageDataset.restricted(to:)`).
    public func restricted(to classes: [Int]) -> LoadedDataset {
        LoadedDataset(location: location, train: train.restricted(to: classes), test: test.restricted(to: classes),
                      format: format)
    }
}
