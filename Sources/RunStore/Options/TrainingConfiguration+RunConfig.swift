import Foundation

extension TrainingConfiguration {
    /// Every setting as a JSON object (the `settings` member of config.json), in the
    /// order the options are declared.
    public var settingsObject: JSONObject {
        guard let data = try? JSONEncoder().encode(self),
              let value = try? JSONDecoder().decode(JSONValue.self, from: data),
              let unordered = value.objectValue else { return [:] }
        var ordered = JSONObject()
        for case let (label?, _) in Mirror(reflecting: self).children {
            ordered[label] = unordered[label] ?? .null
        }
        return ordered
    }

    /// Reads settings written by any version: missing keys keep their defaults, so a
    /// config.json from before an option existed still loads.
    public init(settings: JSONObject) throws {
        var merged = TrainingConfiguration().settingsObject
        for (key, value) in settings { merged[key] = value }
        let data = try JSONEncoder().encode(JSONValue.object(merged))
        self = try JSONDecoder().decode(TrainingConfiguration.self, from: data)
    }

    /// The config.json of a new run with these settings.
    public func runConfig(name: String?, dataDirectory: String, codeVersion: String,
                          createdAt: Date = Date()) -> RunConfig {
        RunConfig(name: name ?? modelLabel, model: model, variant: model == "nsn-lite" ? variant : "conv",
                  dataDirectory: dataDirectory, seed: seed, threads: threads, epochs: epochs,
                  createdAt: createdAt, codeVersion: codeVersion, settings: settingsObject)
    }
}

extension RunConfig {
    /// The training settings stored in this config.
    public func trainingConfiguration() throws -> TrainingConfiguration {
        try TrainingConfiguration(settings: settings)
    }
}
