import TensorCore

/// A classifier split into a feature extractor and a linear head.
///
/// Shapes: images [N, C, H, W] → body → features [N, F] → head → logits [N, classes].
/// The features are what the kNN feature bank indexes in the `model` feature space.
public final class ImageClassifier: Layer {
    public let body: Sequential
    public let head: Linear
    /// Short description for logs ("nsn-lite/static-diag, 47,882 parameters").
    public let label: String

    public init(body: Sequential, head: Linear, label: String) {
        self.body = body
        self.head = head
        self.label = label
    }

    public var parameters: [Parameter] { body.parameters + head.parameters }
    public var buffers: [Parameter] { body.buffers + head.buffers }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
    public var featureCount: Int { head.inputFeatures }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        head.forward(body.forward(input, mode: mode), mode: mode)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        body.backward(head.backward(outputGradient))
    }

    /// Logits and penultimate features in one inference pass: ([N, classes], [N, F]).
    public func inferenceWithFeatures(_ input: Tensor) -> (logits: Tensor, features: Tensor) {
        let features = body.forward(input, mode: .inference)
        return (head.forward(features, mode: .inference), features)
    }

    /// Every layer, depth first (sub-layers of composite layers included where exposed).
    public var allLayers: [Layer] { body.layers + [head] }
}
