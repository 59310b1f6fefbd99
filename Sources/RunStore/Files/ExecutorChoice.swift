import Foundation

/// Where a run's workers are to run, chosen when the run is created (config.json's
/// `executor`; absent for the local executor, as in runs written before there was a choice).
///
///     "executor": {"name": "slurm", "options": {"partition": "debug", "time": "00:30:00"},
///                  "passThrough": ["--qos=short"]}
public struct ExecutorChoice: Equatable, Sendable {
    /// The executor's registered name (`WorkerHandle.executor`).
    public var name: String
    /// The executor's own settings as the user gave them (for Slurm: partition, time).
    public var options: [String: String]
    /// Arguments handed to the executor unchanged (for Slurm: extra sbatch arguments).
    public var passThrough: [String]

    public init(name: String, options: [String: String] = [:], passThrough: [String] = []) {
        self.name = name
        self.options = options
        self.passThrough = passThrough
    }

    /// Worker processes on this machine.
    public static let local = ExecutorChoice(name: WorkerHandle.localExecutor)

    var json: JSONValue {
        var object: JSONObject = ["name": .string(name)]
        if !options.isEmpty {
            var values = JSONObject()
            for key in options.keys.sorted() { values[key] = .string(options[key]!) }
            object["options"] = .object(values)
        }
        if !passThrough.isEmpty { object["passThrough"] = .array(passThrough.map(JSONValue.string)) }
        return .object(object)
    }

    init(json object: JSONObject, path: String) throws {
        let r = FieldReader(object: object, path: path)
        name = try r.string("name")
        options = [:]
        if case .object(let values)? = object["options"] {
            for (key, value) in values {
                guard let text = value.stringValue else { throw r.fail("options", "an object of strings") }
                options[key] = text
            }
        }
        passThrough = []
        if case .array(let items)? = object["passThrough"] {
            passThrough = try items.map { item in
                guard let text = item.stringValue else { throw r.fail("passThrough", "an array of strings") }
                return text
            }
        }
    }
}
