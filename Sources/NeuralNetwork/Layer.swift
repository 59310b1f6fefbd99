import TensorCore

/// Training uses batch statistics and keeps what backward needs; inference uses running
/// statistics and keeps nothing.
public enum ForwardMode: Sendable {
    case training
    case inference
}

/// One differentiable step of a network, working on whole batches.
///
/// `forward` (in `.training` mode) keeps what `backward` needs; `backward` takes
/// dL/d(output), *adds* dL/d(parameter) into each parameter's gradient and returns
/// dL/d(input).
public protocol Layer: AnyObject {
    /// Trainable parameters, including those of sub-layers.
    var parameters: [Parameter] { get }
    /// Non-trained state saved with the model (BatchNorm running statistics).
    var buffers: [Parameter] { get }
    func forward(_ input: Tensor, mode: ForwardMode) -> Tensor
    func backward(_ outputGradient: Tensor) -> Tensor
}

extension Layer {
    public var buffers: [Parameter] { [] }
}
