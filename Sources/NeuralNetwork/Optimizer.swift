import TensorCore

/// Updates a flat list of parameters from their accumulated gradients.
///
/// Optimizers know nothing about layers: they see `[Parameter]` and keep their per-parameter
/// state (momentum, moment estimates) keyed by the parameter object. The state exports as
/// named arrays for checkpoints:
///
///     "step"                 [Float(stepCount)]   (exact up to 2^24 steps)
///     "<parameter>/<slot>"   one Float per scalar of the parameter, e.g.
///                            "stage1.conv.weight/momentum", "linear.bias/m"
///
/// The learning rate is an argument of `step`, so schedules stay outside the optimizer.
public protocol Optimizer: AnyObject {
    /// Number of `step` calls so far (Adam's bias correction uses it).
    var stepCount: Int { get }
    /// Applies one update to every parameter from `parameter.gradient`; gradients are
    /// read, not reset (call `zeroGradients` before the next backward).
    func step(_ parameters: [Parameter], learningRate: Float)
    /// The state as named arrays (see the type's documentation for the keys).
    func state() -> [String: [Float]]
    /// Replaces the state by an exported one, matched to `parameters` by name. Throws for
    /// a missing or unexpected key or a size mismatch, leaving the current state untouched.
    func load(state: [String: [Float]], parameters: [Parameter]) throws
}

/// Resets the accumulated gradient of every parameter to zero.
public func zeroGradients(_ parameters: [Parameter]) {
    for parameter in parameters { parameter.zeroGradient() }
}

/// Why an optimizer state could not be loaded.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    case missingKey(String)
    case sizeMismatch(key: String, expected: Int, found: Int)
    case unexpectedKeys([String])
    case duplicateParameterName(String)
    case invalidStepCount([Float])

    public var description: String {
        switch self {
        case .missingKey(let key):
            return "optimizer state has no entry \"\(key)\""
        case .sizeMismatch(let key, let expected, let found):
            return "optimizer state \"\(key)\" has \(found) values, the parameter has \(expected)"
        case .unexpectedKeys(let keys):
            return "optimizer state has entries for no known parameter: \(keys.sorted().joined(separator: ", "))"
        case .duplicateParameterName(let name):
            return "two parameters are named \"\(name)\"; optimizer state is matched by name"
        case .invalidStepCount(let values):
            return "optimizer state \"step\" must be one non-negative whole number, got \(values)"
        }
    }
}

/// A fixed-size zero-initialised Float array owned by a class, so that several of them can
/// be written in one loop without overlapping Swift accesses.
final class StateBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    deinit { pointer.deallocate() }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// Per-parameter optimizer state: a fixed list of named slots ("momentum"; "m", "v"), each
/// a buffer the size of the parameter, created (zeroed) on the parameter's first step.
final class OptimizerSlots {
    final class Entry {
        let parameter: Parameter
        let buffers: [StateBuffer]
        init(parameter: Parameter, buffers: [StateBuffer]) {
            self.parameter = parameter
            self.buffers = buffers
        }
    }

    let slotNames: [String]
    private var entries: [ObjectIdentifier: Entry] = [:]

    init(slotNames: [String]) { self.slotNames = slotNames }

    /// The state of `parameter`, created zeroed on first use.
    func entry(for parameter: Parameter) -> Entry {
        let id = ObjectIdentifier(parameter)
        if let entry = entries[id] {
            precondition(entry.buffers.allSatisfy { $0.count == parameter.value.count },
                         "optimizer state of \(parameter.name) has \(entry.buffers.first?.count ?? 0) values, the parameter now has shape \(parameter.value.shape)")
            return entry
        }
        let entry = Entry(parameter: parameter,
                          buffers: slotNames.map { _ in StateBuffer(count: parameter.value.count) })
        entries[id] = entry
        return entry
    }

    func export(stepCount: Int, into state: inout [String: [Float]]) {
        state["step"] = [Float(stepCount)]
        for entry in entries.values {
            for (slot, buffer) in zip(slotNames, entry.buffers) {
                state["\(entry.parameter.name)/\(slot)"] = buffer.array
            }
        }
    }

    /// Validates `state` against `parameters` and, only if all is well, replaces the
    /// entries. Returns the step count. A state saved before any step (step 0) may lack
    /// the parameter slots: those start from zero.
    func load(state: [String: [Float]], parameters: [Parameter]) throws -> Int {
        guard let stepValues = state["step"] else { throw OptimizerStateError.missingKey("step") }
        guard stepValues.count == 1, stepValues[0] >= 0, stepValues[0].rounded() == stepValues[0] else {
            throw OptimizerStateError.invalidStepCount(stepValues)
        }
        let stepCount = Int(stepValues[0])

        var names = Set<String>()
        var expectedKeys: Set<String> = ["step"]
        var newEntries: [ObjectIdentifier: Entry] = [:]
        for parameter in parameters {
            guard names.insert(parameter.name).inserted else {
                throw OptimizerStateError.duplicateParameterName(parameter.name)
            }
            var buffers: [StateBuffer] = []
            for slot in slotNames {
                let key = "\(parameter.name)/\(slot)"
                expectedKeys.insert(key)
                if let values = state[key] {
                    guard values.count == parameter.value.count else {
                        throw OptimizerStateError.sizeMismatch(key: key, expected: parameter.value.count,
                                                               found: values.count)
                    }
                    buffers.append(StateBuffer(values))
                } else if stepCount == 0 {
                    buffers.append(StateBuffer(count: parameter.value.count))
                } else {
                    throw OptimizerStateError.missingKey(key)
                }
            }
            if !slotNames.isEmpty {
                newEntries[ObjectIdentifier(parameter)] = Entry(parameter: parameter, buffers: buffers)
            }
        }
        let unexpected = state.keys.filter { !expectedKeys.contains($0) }
        guard unexpected.isEmpty else { throw OptimizerStateError.unexpectedKeys(unexpected) }
        entries = newEntries
        return stepCount
    }
}
