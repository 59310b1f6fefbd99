import Foundation

/// `kernels/epoch-NNN.json`: the learned kernel shapes of every similarity layer after an
/// epoch (K = k², the size of the similarity matrix M).
///
///     {"schemaVersion":2,"epoch":3,"classNames":["T-shirt",…],"layers":[{"name":"stage1.block0",
///       "variant":"static-diag","kernelSize":3,
///       "diagonal":[k²] | null, "matrix":[K²] | null, "diagonalSpread":[k²] | null,
///       "perClassDiagonal":[[k²] per class] | null,
///       "effectiveKernels":{"shape":[O,C,k,k],"values":[…]} | null,
///       "kernelShape":"learned:5" | null, "tapMask":[k² of 0/1] | null, "tapFlips":[k²] | null}]}
///
/// Per layer: static-diag `diagonal` = m; static-full `matrix` = M and `diagonal` its
/// diagonal; dynamic `diagonal` = mean of the per-sample M's diagonal over probe images,
/// `diagonalSpread` its standard deviation, `perClassDiagonal` the mean per true class (and
/// dynamic-full the mean `matrix`); conv the diagonal of I. The first layer also carries
/// `effectiveKernels` W·M [O, C, k, k]. With `--kernel-shape` other than full (schema 2):
/// `kernelShape` as given, `tapMask` the Boolean shape d after the epoch (1 = tap on) and
/// `tapFlips` how often each tap's d changed between training steps during the epoch; the
/// maps above are then of the shaped M·D. Schema 1 files (no shape fields) still read.
/// Every field may be missing or null when read.
public struct KernelSnapshot: RunRecord, Equatable {
    public static let schemaVersion = 2

    public struct Tensor4: Codable, Equatable, Sendable {
        public var shape: [Int]
        public var values: [Double]
        public init(shape: [Int], values: [Double]) {
            self.shape = shape
            self.values = values
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            shape = ((try? c.decodeIfPresent([Int].self, forKey: .shape)) ?? nil) ?? []
            values = c.lenientDoubles(.values) ?? []
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(shape, forKey: .shape)
            try c.encode(values.map(LenientDouble.init), forKey: .values)
        }
        enum CodingKeys: String, CodingKey { case shape, values }
        /// Whether shape and values agree (4 dimensions, each ≥ 1, product = count), checked
        /// without overflow however large the recorded dimensions.
        public var isConsistent: Bool {
            shape.count == 4 && RecordLimits.elementCount(shape) == values.count
        }
    }

    public struct Layer: Codable, Equatable, Sendable {
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
        /// The layer's `--kernel-shape` ("cross", "learned:5"); nil for full (no mask).
        public var kernelShape: String?
        /// [k²] the Boolean kernel shape d after the epoch: 1 = tap on, 0 = off.
        public var tapMask: [Int]?
        /// [k²] how often each tap switched on or off between training steps in the epoch.
        public var tapFlips: [Int]?

        /// Largest kernel side a snapshot may describe (k² taps, k⁴ matrix entries).
        public static let maximumKernelSize = 31

        public init(name: String, variant: String, kernelSize: Int, diagonal: [Double]? = nil,
                    matrix: [Double]? = nil, diagonalSpread: [Double]? = nil,
                    perClassDiagonal: [[Double]]? = nil, effectiveKernels: Tensor4? = nil,
                    kernelShape: String? = nil, tapMask: [Int]? = nil, tapFlips: [Int]? = nil) {
            self.name = name
            self.variant = variant
            self.kernelSize = kernelSize
            self.diagonal = diagonal
            self.matrix = matrix
            self.diagonalSpread = diagonalSpread
            self.perClassDiagonal = perClassDiagonal
            self.effectiveKernels = effectiveKernels
            self.kernelShape = kernelShape
            self.tapMask = tapMask
            self.tapFlips = tapFlips
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = ((try? c.decodeIfPresent(String.self, forKey: .name)) ?? nil) ?? "layer"
            variant = ((try? c.decodeIfPresent(String.self, forKey: .variant)) ?? nil) ?? "?"
            let size = ((try? c.decodeIfPresent(Int.self, forKey: .kernelSize)) ?? nil) ?? 3
            // An absurd size would overflow k²; such a layer keeps its name but has no map.
            kernelSize = (1...Self.maximumKernelSize).contains(size) ? size : 0
            diagonal = c.lenientDoubles(.diagonal)
            matrix = c.lenientDoubles(.matrix)
            diagonalSpread = c.lenientDoubles(.diagonalSpread)
            perClassDiagonal = ((try? c.decodeIfPresent([[LenientDouble]].self, forKey: .perClassDiagonal)) ?? nil)?
                .map { $0.map(\.value) }
            effectiveKernels = (try? c.decodeIfPresent(Tensor4.self, forKey: .effectiveKernels)) ?? nil
            kernelShape = (try? c.decodeIfPresent(String.self, forKey: .kernelShape)) ?? nil
            tapMask = (try? c.decodeIfPresent([Int].self, forKey: .tapMask)) ?? nil
            tapFlips = (try? c.decodeIfPresent([Int].self, forKey: .tapFlips)) ?? nil
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(variant, forKey: .variant)
            try c.encode(kernelSize, forKey: .kernelSize)
            try c.encodeIfPresent(diagonal?.map(LenientDouble.init), forKey: .diagonal)
            try c.encodeIfPresent(matrix?.map(LenientDouble.init), forKey: .matrix)
            try c.encodeIfPresent(diagonalSpread?.map(LenientDouble.init), forKey: .diagonalSpread)
            try c.encodeIfPresent(perClassDiagonal?.map { $0.map(LenientDouble.init) }, forKey: .perClassDiagonal)
            try c.encodeIfPresent(effectiveKernels, forKey: .effectiveKernels)
            try c.encodeIfPresent(kernelShape, forKey: .kernelShape)
            try c.encodeIfPresent(tapMask, forKey: .tapMask)
            try c.encodeIfPresent(tapFlips, forKey: .tapFlips)
        }

        enum CodingKeys: String, CodingKey {
            case name, variant, kernelSize, diagonal, matrix, diagonalSpread, perClassDiagonal, effectiveKernels
            case kernelShape, tapMask, tapFlips
        }

        /// The Boolean shape as k² flags when recorded with the right size, else nil.
        public var activeTaps: [Bool]? {
            guard kernelSize >= 1, let tapMask, tapMask.count == kernelSize * kernelSize else { return nil }
            return tapMask.map { $0 != 0 }
        }

        /// The k×k map to show for the layer: the diagonal, or diag(M) for a full matrix.
        public var shapeMap: [Double]? {
            guard kernelSize >= 1 else { return nil }
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
        try Self.checkSchemaVersion(decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = c.count(.epoch) ?? 0
        classNames = ((try? c.decodeIfPresent([String].self, forKey: .classNames)) ?? nil) ?? []
        layers = ((try? c.decodeIfPresent([Layer].self, forKey: .layers)) ?? nil) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(classNames, forKey: .classNames)
        try c.encode(layers, forKey: .layers)
    }

    enum CodingKeys: String, CodingKey { case schemaVersion, epoch, classNames, layers }

    /// The name of class `index` ("class 7" when unnamed).
    public func className(_ index: Int) -> String {
        index >= 0 && index < classNames.count ? classNames[index] : "class \(index)"
    }
}
