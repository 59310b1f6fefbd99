import TensorCore

/// A trainable tensor and its accumulated gradient.
///
/// Layers own their parameters; models expose them as one flat list, which is all an
/// optimizer sees. Gradients accumulate (`+=`) in backward; `zeroGradient()` is the one
/// place that resets them.
public final class Parameter {
    /// Stable, path-like name ("stage1.block0.similarity.weight"), used by checkpoints.
    public var name: String
    public var value: Tensor
    public var gradient: Tensor
    /// Whether weight decay applies (false for biases, BatchNorm scales and shifts).
    public var decays: Bool

    public init(name: String, value: Tensor, decays: Bool = true) {
        self.name = name
        self.value = value
        self.gradient = Tensor(shape: value.shape)
        self.decays = decays
    }

    public func zeroGradient() { gradient.zero() }
}
