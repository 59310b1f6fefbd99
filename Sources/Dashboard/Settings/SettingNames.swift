import RunStore

/// Settings as the user types them on the command line (`--similarity-penalty`, `--no-augment`)
/// rather than as config.json keys (`similarityPenalty`), for the screens that list them.
enum SettingNames {
    /// A run's flattened config.json settings, named by the option table; keys no option
    /// knows stay as they are.
    static func typed(_ settings: [(key: String, value: String)]) -> [(key: String, value: String)] {
        TrainingConfiguration.typedSettings(settings)
    }

    /// A config.json settings key as its command-line flag (`similarityPenalty` →
    /// `--similarity-penalty`); keys no option knows stay as they are.
    static func flag(_ key: String) -> String {
        TrainingConfiguration.option(key: key).map { "--" + $0.flag } ?? key
    }
}
