/// A similarity variant as users name it, with the shape of its mixing matrix M in
/// y_o(i,j) = Σ_c w_{o,c}ᵀ · M · x_c(i,j).
///
/// Declared once, in `all`: the command line's and the launch form's choices, validation
/// and the help text derive from it, and readers of kernel snapshots can ask `named(_:)`
/// for a layer's shape instead of matching on the name. NeuralNetwork implements each
/// shape (`SimilarityVariant`); a test checks that the two agree name for name.
public struct SimilarityVariantSpec: Equatable, Sendable {
    /// What M is.
    public enum Mixing: String, Equatable, Sendable {
        /// M = I: the plain inner product.
        case identity
        /// M = diag(m): a weight per kernel tap (the learned kernel shape).
        case diagonal
        /// A full K×K matrix mixing the taps.
        case full
    }

    /// The name in `--variant`, config.json and kernel snapshots ("static-diag").
    public let name: String
    public let mixing: Mixing
    /// Whether M is generated per input and position by a meta-network (dynamic) rather
    /// than one learned matrix per layer (static).
    public let isDynamic: Bool
    /// One line for help texts.
    public let summary: String

    public var isDiagonal: Bool { mixing == .diagonal }
    public var isFull: Bool { mixing == .full }

    /// Every variant, in the order the command line and the form list them.
    public static let all: [SimilarityVariantSpec] = [
        SimilarityVariantSpec(name: "conv", mixing: .identity, isDynamic: false,
                              summary: "M = I, a plain convolution"),
        SimilarityVariantSpec(name: "static-full", mixing: .full, isDynamic: false,
                              summary: "a learned K×K matrix per layer"),
        SimilarityVariantSpec(name: "static-diag", mixing: .diagonal, isDynamic: false,
                              summary: "a learned diagonal per layer: the kernel shape"),
        SimilarityVariantSpec(name: "dynamic-full", mixing: .full, isDynamic: true,
                              summary: "M = I + g(x) per input and position"),
        SimilarityVariantSpec(name: "dynamic-diag", mixing: .diagonal, isDynamic: true,
                              summary: "M = diag(1 + g(x)) per input and position"),
    ]

    /// Every variant's name.
    public static var names: [String] { all.map(\.name) }

    /// The variant with this name, nil for an unknown one.
    public static func named(_ name: String) -> SimilarityVariantSpec? {
        all.first { $0.name == name }
    }
}
