import Foundation

extension TrainingConfiguration {
    /// Every setting as a JSON object (the `settings` member of config.json), in the
    /// order of the option table; an unset optional is `null`.
    public var settingsObject: JSONObject {
        var object = JSONObject()
        for option in Self.options { object[option.key] = option.jsonValue(in: self) }
        return object
    }

    /// Reads settings written by any version: missing keys keep their defaults, so a
    /// config.json from before an option existed still loads; keys no option knows are
    /// ignored. A value of the wrong type is an error naming the key.
    public init(settings: JSONObject) throws {
        self.init()
        for option in Self.options {
            guard let value = settings[option.key] else { continue }
            guard option.decode(&self, value) else {
                throw TrainingOptionError("settings.\(option.key) has the wrong type for --\(option.flag): \(value)")
            }
        }
    }

    /// The config.json of a new run with these settings.
    public func runConfig(name: String?, dataDirectory: String, codeVersion: String,
                          createdAt: Date = Date()) -> RunConfig {
        RunConfig(name: name ?? modelLabel, model: model, variant: Self.similarityModels.contains(model) ? variant : "conv",
                  dataDirectory: dataDirectory, seed: seed, threads: threads, epochs: epochs,
                  createdAt: createdAt, codeVersion: codeVersion, settings: settingsObject, study: study)
    }
}

extension RunConfig {
    /// The training settings stored in this config.
    public func trainingConfiguration() throws -> TrainingConfiguration {
        var configuration = try TrainingConfiguration(settings: settings)
        configuration.study = study
        return configuration
    }
}
