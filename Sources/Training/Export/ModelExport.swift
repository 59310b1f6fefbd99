import NeuralNetwork
import RunStore
import TensorCore

/// A trained classifier as PyTorch would hold it: named float32 tensors in PyTorch's layouts
/// and a layer list from which a loader rebuilds the network (`scripts/load-in-pytorch.py`).
///
/// Walks `ImageClassifier.body` then `head`, layer by layer, so any network built from the
/// known layer types exports without model-specific code. Tensor names are the layer's
/// parameter names with PyTorch's BatchNorm names:
///
///     Conv2D               NAME.weight [O, C, k, k], NAME.bias [O] (if any)
///     Linear               NAME.weight [O, F], NAME.bias [O] (input flattened in C, H, W order)
///     BatchNorm2D          NAME.weight (γ), NAME.bias (β), NAME.running_mean, NAME.running_var  [C]
///     SimilarityConv2D     NAME.weight [O, C, k, k], NAME.bias [O] (if any), and
///       static-full        NAME.mixing [K, K]: y_o = Σ_c Σ_{t,p} W[o, c, t]·M[t, p]·x_c[p]
///                          (t, p the k×k taps in row-major order, K = k²)
///       static-diag        NAME.mixing [K]: M = diag(m)
///       dynamic-*          NAME.meta.patchNormConv.weight [h, C, k, k], NAME.meta.hiddenNorm.*,
///                          NAME.meta.projection.weight [G, h, 3, 3], NAME.meta.outputNorm.*
///                          (G = K diag, K² full; M = I + g at each position, entry t·K + p)
///       shaped (any)       NAME.shape_mask [K]: the kernel shape's tap mask d ∈ {0, 1}^K (cross, or a
///                          learned shape's current top-N, the mask its forward uses); the layer
///                          computes with M·D, D = diag(d), and its spec names the shape
///                          ("kernel_shape": "cross" | "learned:N"). Full shapes write neither.
///
/// With `fold`, conv and static similarity layers become plain convolutions with
/// W_eff[o, c, p] = Σ_t W[o, c, t]·M[t, p]·d_p; dynamic variants cannot fold (M depends on the input).
public struct ModelExport {
    /// The tensors in the order the walk met them.
    public private(set) var tensors: [SafetensorsFile.Tensor] = []
    /// One JSON object per layer of the body, in order (see `layerSpecification`).
    public private(set) var body: [JSONValue] = []
    /// The head's layer object.
    public private(set) var head: JSONValue = .null
    public let folded: Bool

    public init(_ model: ImageClassifier, fold: Bool) throws {
        folded = fold
        for layer in Self.flatten(model.body.layers) { body.append(try add(layer)) }
        head = try add(model.head)
    }

    /// The architecture as one JSON object: input, classes, body, head.
    public func architecture(inputChannels: Int, height: Int, width: Int, classCount: Int) -> JSONValue {
        [
            "input": ["channels": .number(Double(inputChannels)), "height": .number(Double(height)),
                      "width": .number(Double(width))],
            "classes": .number(Double(classCount)),
            "body": .array(body),
            "head": head,
        ]
    }

    private static func flatten(_ layers: [Layer]) -> [Layer] {
        layers.flatMap { ($0 as? Sequential).map { flatten($0.layers) } ?? [$0] }
    }

    // MARK: - Layers

    private mutating func add(_ layer: Layer) throws -> JSONValue {
        switch layer {
        case let conv as Conv2D:
            return addConvolution(name: prefix(conv.weight, "weight"), weight: conv.weight.value, bias: conv.bias?.value,
                                  stride: conv.stride, padding: conv.padding)
        case let similarity as SimilarityConv2D:
            return try addSimilarity(similarity)
        case let norm as BatchNorm2D:
            return addBatchNorm(norm)
        case let linear as Linear:
            let name = prefix(linear.weight, "weight")
            addTensor(name + ".weight", linear.weight.value)
            addTensor(name + ".bias", linear.bias.value)
            return ["type": "linear", "name": .string(name), "in_features": .number(Double(linear.inputFeatures)),
                    "out_features": .number(Double(linear.outputFeatures))]
        case let pool as MaxPool2D:
            return ["type": "maxpool2d", "kernel_size": .number(Double(pool.kernelSize)),
                    "stride": .number(Double(pool.stride)), "relu_before": .bool(pool.rectifiesInput)]
        case is GlobalAveragePool:
            return ["type": "global_average_pool"]
        case is ReLU:
            return ["type": "relu"]
        default:
            throw ModelExportError.unsupportedLayer(String(describing: type(of: layer)))
        }
    }

    private mutating func addConvolution(name: String, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> JSONValue {
        addTensor(name + ".weight", weight)
        if let bias { addTensor(name + ".bias", bias) }
        return ["type": "conv2d", "name": .string(name),
                "in_channels": .number(Double(weight.shape[1])), "out_channels": .number(Double(weight.shape[0])),
                "kernel_size": .number(Double(weight.shape[2])), "stride": .number(Double(stride)),
                "padding": .number(Double(padding)), "bias": .bool(bias != nil)]
    }

    private mutating func addSimilarity(_ layer: SimilarityConv2D) throws -> JSONValue {
        let name = prefix(layer.weight, "weight")
        if folded {
            guard !layer.variant.isDynamic else {
                throw ModelExportError.cannotFold(layer: name, variant: layer.variant.rawValue)
            }
            let conv = layer.folded()   // W·M·D: the mask is part of the folded kernel
            let specification = addConvolution(name: name, weight: conv.weight.value, bias: conv.bias?.value,
                                               stride: layer.stride, padding: layer.padding)
            guard layer.tapShape != .full, var object = specification.objectValue else { return specification }
            object["kernel_shape"] = .string(layer.tapShape.description)   // recorded; the loader needs nothing
            return .object(object)
        }
        addTensor(name + ".weight", layer.weight.value)
        if let bias = layer.bias { addTensor(name + ".bias", bias.value) }
        if let mixing = layer.mixing { addTensor(name + ".mixing", mixing.value) }
        if layer.tapShape != .full {
            addTensor(name + ".shape_mask", Tensor(shape: [layer.taps], scalars: layer.tapMask))
        }
        var specification: JSONObject = [
            "type": "similarity_conv2d", "name": .string(name), "variant": .string(layer.variant.rawValue),
            "in_channels": .number(Double(layer.inputChannels)), "out_channels": .number(Double(layer.outputChannels)),
            "kernel_size": .number(Double(layer.kernelSize)), "stride": .number(Double(layer.stride)),
            "padding": .number(Double(layer.padding)), "bias": .bool(layer.bias != nil),
        ]
        if layer.tapShape != .full { specification["kernel_shape"] = .string(layer.tapShape.description) }
        if let meta = layer.metaNetwork {
            let patchNorm = meta.patchNormConv
            addTensor(prefix(patchNorm.weight, "weight") + ".weight", patchNorm.weight.value)
            let hidden = addBatchNorm(meta.hiddenNorm)
            addTensor(prefix(meta.projection.weight, "weight") + ".weight", meta.projection.weight.value)
            let output = addBatchNorm(meta.outputNorm)
            specification["meta"] = [
                "patch_norm_conv": ["name": .string(prefix(patchNorm.weight, "weight")),
                                    "in_channels": .number(Double(patchNorm.inputChannels)),
                                    "out_channels": .number(Double(patchNorm.outputChannels)),
                                    "kernel_size": .number(Double(patchNorm.kernelSize)),
                                    "stride": .number(Double(patchNorm.stride)),
                                    "padding": .number(Double(patchNorm.padding)),
                                    "epsilon": .number(Double(patchNorm.epsilon))],
                "hidden_norm": hidden,
                "projection": ["name": .string(prefix(meta.projection.weight, "weight")),
                               "in_channels": .number(Double(meta.projection.inputChannels)),
                               "out_channels": .number(Double(meta.projection.outputChannels)),
                               "kernel_size": .number(Double(meta.projection.kernelSize)),
                               "stride": .number(Double(meta.projection.stride)),
                               "padding": .number(Double(meta.projection.padding)),
                               "bias": .bool(meta.projection.bias != nil)],
                "output_norm": output,
            ]
            if let bias = meta.projection.bias { addTensor(prefix(meta.projection.weight, "weight") + ".bias", bias.value) }
        }
        return .object(specification)
    }

    private mutating func addBatchNorm(_ norm: BatchNorm2D) -> JSONValue {
        let name = prefix(norm.gamma, "gamma")
        addTensor(name + ".weight", norm.gamma.value)
        addTensor(name + ".bias", norm.beta.value)
        addTensor(name + ".running_mean", norm.runningMean.value)
        addTensor(name + ".running_var", norm.runningVariance.value)
        return ["type": "batchnorm2d", "name": .string(name), "channels": .number(Double(norm.channels)),
                "epsilon": .number(Double(norm.epsilon)), "relu": .bool(norm.rectifiesOutput)]
    }

    private mutating func addTensor(_ name: String, _ value: Tensor) {
        tensors.append(SafetensorsFile.Tensor(name: name, shape: value.shape, float32: value.scalars))
    }

    /// "stage1.block1.bn" from the parameter "stage1.block1.bn.gamma".
    private func prefix(_ parameter: Parameter, _ suffix: String) -> String {
        parameter.name.hasSuffix("." + suffix) ? String(parameter.name.dropLast(suffix.count + 1)) : parameter.name
    }
}

/// Why a model cannot be exported.
public enum ModelExportError: Error, Equatable, CustomStringConvertible {
    case unsupportedLayer(String)
    case cannotFold(layer: String, variant: String)

    public var description: String {
        switch self {
        case .unsupportedLayer(let type):
            return "export-model does not know the layer type \(type) (known: Conv2D, SimilarityConv2D, BatchNorm2D, "
                + "MaxPool2D, GlobalAveragePool, ReLU, Linear)"
        case .cannotFold(let layer, let variant):
            return "--fold: \(layer) is \(variant), whose M is computed per image and position by its meta-network, "
                + "so it cannot fold into one fixed kernel; export without --fold"
        }
    }
}
