import Foundation

/// The learned kernel shapes of one epoch (`kernels/epoch-NNN.json`), decoded tolerantly:
/// every field may be missing or null.
///
///     {"schemaVersion":1,"epoch":3,"classNames":["T-shirt",…],"layers":[{"name":"stage1.block0","variant":"static-diag","kernelSize":3,
///       "diagonal":[k²] | null, "matrix":[K²] | null, "diagonalSpread":[k²] | null,
///       "perClassDiagonal":[[k²] per class] | null,
///       "effectiveKernels":{"shape":[O,C,k,k],"values":[…]} | null}]}
///
/// (K = k², the size of the similarity matrix M.)
public struct KernelSnapshot: Decodable, Equatable, Sendable {
    public struct Tensor4: Decodable, Equatable, Sendable {
        public var shape: [Int]
        public var values: [Double]
        public init(shape: [Int], values: [Double]) {
            self.shape = shape
            self.values = values
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            shape = (try? c.decodeIfPresent([Int].self, forKey: .shape)) ?? []
            values = (try? c.decodeIfPresent([LenientDouble].self, forKey: .values))?.map(\.value) ?? []
        }
        enum CodingKeys: String, CodingKey { case shape, values }
        /// Whether shape and values agree (4 dimensions, product = count).
        public var isConsistent: Bool { shape.count == 4 && shape.allSatisfy { $0 > 0 } && shape.reduce(1, *) == values.count }
    }

    public struct Layer: Decodable, Equatable, Sendable {
        public var name: String
        public var variant: String
        public var kernelSize: Int
        /// [k²] the diagonal m (static-diag), the mean of 1+g (dynamic-diag) or diag(M) (full).
        public var diagonal: [Double]?
        /// [K·K] the similarity matrix M (full variants), row-major.
        public var matrix: [Double]?
        /// [k²] the spread (standard deviation) of 1+g over the test set (dynamic).
        public var diagonalSpread: [Double]?
        /// [classes][k²] the mean diagonal per true class (dynamic).
        public var perClassDiagonal: [[Double]]?
        /// W·M of the first layer, [O, C, k, k].
        public var effectiveKernels: Tensor4?

        public init(name: String, variant: String, kernelSize: Int, diagonal: [Double]? = nil,
                    matrix: [Double]? = nil, diagonalSpread: [Double]? = nil,
                    perClassDiagonal: [[Double]]? = nil, effectiveKernels: Tensor4? = nil) {
            self.name = name
            self.variant = variant
            self.kernelSize = kernelSize
            self.diagonal = diagonal
            self.matrix = matrix
            self.diagonalSpread = diagonalSpread
            self.perClassDiagonal = perClassDiagonal
            self.effectiveKernels = effectiveKernels
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = (try? c.decodeIfPresent(String.self, forKey: .name)) ?? "layer"
            variant = (try? c.decodeIfPresent(String.self, forKey: .variant)) ?? "?"
            kernelSize = (try? c.decodeIfPresent(Int.self, forKey: .kernelSize)) ?? 3
            func doubles(_ key: CodingKeys) -> [Double]? {
                (try? c.decodeIfPresent([LenientDouble].self, forKey: key))?.map(\.value)
            }
            diagonal = doubles(.diagonal)
            matrix = doubles(.matrix)
            diagonalSpread = doubles(.diagonalSpread)
            perClassDiagonal = (try? c.decodeIfPresent([[LenientDouble]].self, forKey: .perClassDiagonal))?
                .map { $0.map(\.value) }
            effectiveKernels = try? c.decodeIfPresent(Tensor4.self, forKey: .effectiveKernels)
        }

        enum CodingKeys: String, CodingKey {
            case name, variant, kernelSize, diagonal, matrix, diagonalSpread, perClassDiagonal, effectiveKernels
        }

        /// The k×k map to show for the layer: the diagonal, or diag(M) for a full matrix.
        public var shapeMap: [Double]? {
            let taps = kernelSize * kernelSize
            if let diagonal, diagonal.count == taps { return diagonal }
            if let matrix, matrix.count == taps * taps { return (0..<taps).map { matrix[$0 * taps + $0] } }
            return nil
        }
    }

    public var epoch: Int
    /// Names of the classes of the per-class maps (empty when not recorded).
    public var classNames: [String]
    public var layers: [Layer]

    public init(epoch: Int, classNames: [String] = [], layers: [Layer]) {
        self.epoch = epoch
        self.classNames = classNames
        self.layers = layers
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = (try? c.decodeIfPresent(Int.self, forKey: .epoch)) ?? 0
        classNames = (try? c.decodeIfPresent([String].self, forKey: .classNames)) ?? []
        layers = (try? c.decodeIfPresent([Layer].self, forKey: .layers)) ?? []
    }

    enum CodingKeys: String, CodingKey { case epoch, classNames, layers }

    /// The name of class `index` ("class 7" when unnamed).
    public func className(_ index: Int) -> String {
        index >= 0 && index < classNames.count ? classNames[index] : "class \(index)"
    }
}

/// A number that also accepts the strings "NaN", "Infinity", "-Infinity" and null (as NaN).
struct LenientDouble: Decodable, Equatable, Sendable {
    var value: Double
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .nan; return }
        if let v = try? c.decode(Double.self) { value = v; return }
        let text = (try? c.decode(String.self)) ?? ""
        switch text {
        case "Infinity", "inf": value = .infinity
        case "-Infinity", "-inf": value = -.infinity
        default: value = Double(text) ?? .nan
        }
    }
}
