import TensorCore

/// 2-D convolution, zero padding: y[n, o] = Σ_c w[o, c] ⋆ x[n, c] + b[o].
///
/// Legend: `N` batch, `C` input channels, `O` output channels, `k` kernel size, `K = k²`,
/// `H`,`W` input size, `H_out = ⌊(H + 2p − k)/s⌋ + 1` (same for W_out).
/// Shapes: x [N, C, H, W], W [O, C, k, k], b [O], y [N, O, H_out, W_out].
/// Computed per image as Y[O, L] = W[O, C·K] · im2col(x)[C·K, L] (see `Im2col`).
public final class Conv2D: Layer {
    public let weight: Parameter
    /// nil when built with `bias: false` (e.g. before a BatchNorm).
    public let bias: Parameter?
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// When false, `backward` still accumulates dW and db but returns zeros for dx without
    /// computing it (for a first layer, whose input gradient nobody uses).
    public var computesInputGradient = true
    /// Kept by a training forward for backward: the input (the columns are recomputed).
    private var cachedInput: Tensor?

    /// Kaiming-normal weights, std √(2/(C·k²)); zero bias. `padding` defaults to k/2 ("same" at stride 1).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, stride: Int = 1,
                padding: Int? = nil, bias: Bool = true, name: String = "conv",
                generator: inout SeededGenerator) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0,
                     "Conv2D needs positive sizes, got \(inputChannels)→\(outputChannels) k=\(kernelSize) s=\(stride)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding ?? kernelSize / 2
        precondition(self.padding >= 0, "Conv2D padding must be ≥ 0, got \(self.padding)")
        let std = (2 / Float(inputChannels * kernelSize * kernelSize)).squareRoot()
        weight = Parameter(name: "\(name).weight",
                           value: .randomNormal(shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                                                standardDeviation: std, generator: &generator))
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(shape: [outputChannels]), decays: false) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// Output spatial size for an input of height × width.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - kernelSize) / stride + 1, (width + 2 * padding - kernelSize) / stride + 1)
    }

    func geometry(for input: Tensor) -> ConvolutionGeometry {
        ConvolutionEngine.geometry(for: input, channels: inputChannels, kernel: kernelSize, stride: stride,
                                   padding: padding, layer: "Conv2D(\(inputChannels)→\(outputChannels), k=\(kernelSize))")
    }

    public func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        let g = geometry(for: input)
        cachedInput = mode == .training ? input : nil
        return ConvolutionEngine.forward(input: input, weight: weight.value, bias: bias?.value,
                                         outputChannels: outputChannels, geometry: g, mixing: nil)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput else {
            preconditionFailure("Conv2D.backward called without a training forward")
        }
        let g = geometry(for: input)
        // forward: Y = W · P + b  →  dW += dY · Pᵀ, db += Σ dY, dx = col2im(Wᵀ · dY)
        if let bias {
            return bias.gradient.withUnsafeMutableBufferPointer { db in
                ConvolutionEngine.backward(input: input, outputGradient: outputGradient, weight: weight.value,
                                           outputChannels: outputChannels, geometry: g, mixing: nil,
                                           weightGradient: &weight.gradient, biasGradient: db.baseAddress!,
                                           mixingGradient: nil, computesInputGradient: computesInputGradient)
            }
        }
        return ConvolutionEngine.backward(input: input, outputGradient: outputGradient, weight: weight.value,
                                          outputChannels: outputChannels, geometry: g, mixing: nil,
                                          weightGradient: &weight.gradient, biasGradient: nil, mixingGradient: nil,
                                          computesInputGradient: computesInputGradient)
    }
}
