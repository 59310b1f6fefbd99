/// A dense Float32 tensor in row-major order (images are NCHW).
///
/// Value semantics (copy on write through the backing array). Hot loops reach the
/// scalars through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        self.shape = shape
        self.scalars = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        precondition(shape.reduce(1, *) == scalars.count,
                     "Tensor shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor whose scalars `body` writes, every one of them (the memory starts
    /// uninitialized: no zero-fill pass over large activations).
    public init(shape: [Int], initializingWith body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer)
            initialized = count
        }
    }

    /// Number of scalars.
    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same scalars under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    public mutating func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == scalars.count,
                     "cannot reshape \(shape) (\(scalars.count) scalars) to \(newShape)")
        shape = newShape
    }

    /// Sets every scalar to zero, keeping the shape.
    public mutating func zero() {
        scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    public subscript(flat index: Int) -> Float {
        get { scalars[index] }
        set { scalars[index] = newValue }
    }

    /// Element at a full multi-index (slow: for tests and small bookkeeping only).
    public subscript(index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var flat = 0
        for (i, dimension) in zip(index, shape) {
            precondition(i >= 0 && i < dimension, "index \(index) out of bounds for shape \(shape)")
            flat = flat * dimension + i
        }
        return flat
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }
}

extension Tensor {
    /// Scalars drawn from N(0, std²).
    public static func randomNormal(shape: [Int], standardDeviation: Float = 1,
                                    generator: inout SeededGenerator) -> Tensor {
        var tensor = Tensor(shape: shape)
        for i in 0..<tensor.count { tensor.scalars[i] = generator.nextNormal() * standardDeviation }
        return tensor
    }

    /// Scalars drawn uniformly from [low, high).
    public static func randomUniform(shape: [Int], low: Float, high: Float,
                                     generator: inout SeededGenerator) -> Tensor {
        var tensor = Tensor(shape: shape)
        for i in 0..<tensor.count { tensor.scalars[i] = generator.nextFloat(in: low..<high) }
        return tensor
    }
}
