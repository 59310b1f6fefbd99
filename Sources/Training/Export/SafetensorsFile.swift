import RunStore

/// A safetensors file, written by hand: what PyTorch, NumPy and the `safetensors` package read.
///
///     [8 bytes]  N, the header's length, unsigned little-endian
///     [N bytes]  JSON: {"__metadata__": {string: string}, NAME: {"dtype", "shape", "data_offsets": [begin, end]}, …}
///                padded with spaces to a multiple of 8 (so the data starts 8-byte aligned)
///     [rest]     the tensors' bytes, little-endian, C order, back to back without holes
///
/// Tensors are laid out as the reference implementation does: by element alignment, largest
/// first, then by name. Every offset is then a multiple of its element size. Offsets count from
/// the first byte after the header. No file I/O here.
public struct SafetensorsFile: Sendable {
    /// The element types simlab writes.
    public enum ElementType: String, Sendable {
        case float32 = "F32"
        case int64 = "I64"

        public var byteCount: Int { self == .float32 ? 4 : 8 }
    }

    public struct Tensor: Sendable {
        public var name: String
        public var elementType: ElementType
        public var shape: [Int]
        /// Little-endian element bytes, `shape.product × elementType.byteCount` of them.
        public var bytes: [UInt8]

        public init(name: String, shape: [Int], float32 values: [Float]) {
            precondition(shape.reduce(1, *) == values.count,
                         "safetensors tensor \(name): shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
            self.name = name
            self.elementType = .float32
            self.shape = shape
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count * 4)
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            self.bytes = bytes
        }

        public init(name: String, shape: [Int], int64 values: [Int]) {
            precondition(shape.reduce(1, *) == values.count,
                         "safetensors tensor \(name): shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
            self.name = name
            self.elementType = .int64
            self.shape = shape
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count * 8)
            for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) } }
            self.bytes = bytes
        }
    }

    public private(set) var tensors: [Tensor] = []
    /// The `__metadata__` map (string to string, as the format requires).
    public var metadata: [String: String] = [:]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds a tensor; a name used twice (or the reserved `__metadata__`) is a programming error.
    public mutating func append(_ tensor: Tensor) {
        precondition(tensor.name != "__metadata__" && !tensor.name.isEmpty, "safetensors: invalid tensor name '\(tensor.name)'")
        precondition(!tensors.contains { $0.name == tensor.name }, "safetensors: tensor '\(tensor.name)' added twice")
        tensors.append(tensor)
    }

    /// The tensors in file order: larger elements first, then by name.
    public var tensorsInFileOrder: [Tensor] {
        tensors.sorted {
            $0.elementType.byteCount != $1.elementType.byteCount ? $0.elementType.byteCount > $1.elementType.byteCount
                                                                   : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
        }
    }

    /// The whole file.
    public func encoded() -> [UInt8] {
        var header = JSONObject()
        if !metadata.isEmpty {
            header["__metadata__"] = .object(JSONObject(metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        }
        var offset = 0
        let ordered = tensorsInFileOrder
        for tensor in ordered {
            header[tensor.name] = .object([
                "dtype": .string(tensor.elementType.rawValue),
                "shape": .array(tensor.shape.map { .number(Double($0)) }),
                "data_offsets": [.number(Double(offset)), .number(Double(offset + tensor.bytes.count))],
            ])
            offset += tensor.bytes.count
        }
        var headerBytes = JSONWriter.bytes(.object(header))
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))
        var file = [UInt8]()
        file.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: headerBytes)
        for tensor in ordered { file.append(contentsOf: tensor.bytes) }
        return file
    }
}
