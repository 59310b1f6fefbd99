import TensorCore

/// All parameters and buffers of a model as named, shaped Float arrays, in the model's
/// order: what a checkpoint stores. No file I/O here; the checkpoint format lives with
/// training.
public struct ParameterArchive: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count,
                         "archive entry \(name): shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Snapshot of `layer.parameters` followed by `layer.buffers`.
    public init(_ layer: Layer) {
        entries = (layer.parameters + layer.buffers).map {
            Entry(name: $0.name, shape: $0.value.shape, values: $0.value.scalars)
        }
    }

    public var names: [String] { entries.map(\.name) }

    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }

    /// Copies every entry into the parameter or buffer of the same name in `layer`.
    ///
    /// Every tensor of the model must be found with the same shape, and (unless
    /// `allowUnused`) every entry must be used. All checks run before anything is
    /// written, so a failed load leaves the model unchanged. Gradients are not touched.
    public func load(into layer: Layer, allowUnused: Bool = false) throws {
        var byName: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            guard byName.updateValue(index, forKey: entry.name) == nil else {
                throw ParameterArchiveError.duplicateName(entry.name, inArchive: true)
            }
        }
        let targets = layer.parameters + layer.buffers
        var seen = Set<String>()
        var plan: [(Parameter, Int)] = []
        for target in targets {
            guard seen.insert(target.name).inserted else {
                throw ParameterArchiveError.duplicateName(target.name, inArchive: false)
            }
            guard let index = byName[target.name] else {
                throw ParameterArchiveError.missing(name: target.name, shape: target.value.shape)
            }
            guard entries[index].shape == target.value.shape else {
                throw ParameterArchiveError.shapeMismatch(name: target.name, model: target.value.shape,
                                                          archive: entries[index].shape)
            }
            plan.append((target, index))
        }
        if !allowUnused {
            let unused = entries.map(\.name).filter { !seen.contains($0) }
            guard unused.isEmpty else { throw ParameterArchiveError.unused(names: unused) }
        }
        for (target, index) in plan {
            target.value = Tensor(shape: entries[index].shape, scalars: entries[index].values)
        }
    }
}

/// Why a parameter archive could not be loaded into a model.
public enum ParameterArchiveError: Error, Equatable, CustomStringConvertible {
    case missing(name: String, shape: [Int])
    case shapeMismatch(name: String, model: [Int], archive: [Int])
    case unused(names: [String])
    case duplicateName(String, inArchive: Bool)

    public var description: String {
        switch self {
        case .missing(let name, let shape):
            return "parameter \"\(name)\" \(shape) of the model is not in the archive"
        case .shapeMismatch(let name, let model, let archive):
            return "parameter \"\(name)\" has shape \(model) in the model but \(archive) in the archive"
        case .unused(let names):
            return "the archive has entries the model does not: \(names.joined(separator: ", "))"
        case .duplicateName(let name, let inArchive):
            return "the name \"\(name)\" appears twice in the \(inArchive ? "archive" : "model")"
        }
    }
}
