import TensorCore

/// Layers applied in order; backward runs them in reverse.
public final class Sequential: Layer {
    public private(set) var layers: [Layer]

    public init(_ layers: [Layer]) { self.layers = layers }

    public func append(_ layer: Layer) { layers.append(layer) }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var buffers: [Parameter] { layers.flatMap(\.buffers) }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        layers.reduce(input) { $1.forward($0, mode: mode) }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        layers.reversed().reduce(outputGradient) { $1.backward($0) }
    }
}
