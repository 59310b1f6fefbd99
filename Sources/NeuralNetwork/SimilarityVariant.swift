/// Which matrix M a similarity convolution uses in y_o(i,j) = Σ_c w_{o,c}ᵀ · M · x_c(i,j).
/// Raw values are the names the CLI, the run configs and the dashboard use.
public enum SimilarityVariant: String, CaseIterable, Codable, Sendable {
    /// M = I: a plain convolution.
    case conv
    /// A learned K×K matrix per layer, initialised to I.
    case staticFull = "static-full"
    /// diag(m), m ∈ R^K learned, initialised to ones (the learned kernel shape).
    case staticDiag = "static-diag"
    /// M(n, i, j) = I + reshape(g(x)(n, :, i, j), K×K), g a meta-network.
    case dynamicFull = "dynamic-full"
    /// M(n, i, j) = diag(1 + g(x)(n, :, i, j)).
    case dynamicDiag = "dynamic-diag"

    public var isDynamic: Bool { self == .dynamicFull || self == .dynamicDiag }
    public var isDiagonal: Bool { self == .staticDiag || self == .dynamicDiag }
    /// Whether M is a learned parameter of the layer (static-full, static-diag).
    public var hasStaticMixing: Bool { self == .staticFull || self == .staticDiag }
}
