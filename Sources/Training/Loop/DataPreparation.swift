import RunStore

/// Loads the dataset a configuration names and cuts its splits.
public enum DataPreparation {
    /// Train (after the validation hold-out and `trainFraction`), validation and test sets,
    /// normalised with the training split's statistics. With `--classes`, every split holds
    /// those classes only, relabelled 0..<count in ascending class order.
    public static func load(_ configuration: TrainingConfiguration) throws -> DataSplits {
        try splits(configuration, of: LoadedDataset.load(DatasetLocation.resolve(explicit: configuration.dataDirectory),
                                                         label: configuration.label))
    }

    /// The splits of a dataset already loaded (every class of the files).
    public static func splits(_ configuration: TrainingConfiguration, of dataset: LoadedDataset) throws -> DataSplits {
        var loaded = dataset
        if let classes = configuration.classes {
            if let outside = classes.first(where: { $0 >= loaded.train.classCount }) {
                throw ConfigurationError("--classes names class \(outside), but \(loaded.train.name) has classes 0...\(loaded.train.classCount - 1)")
            }
            loaded = loaded.restricted(to: classes)
        }
        let split = DatasetSplit(labels: loaded.train.labels, classCount: loaded.train.classCount,
                                 validationCount: min(configuration.validationSize, loaded.train.count / 2),
                                 trainFraction: configuration.trainFraction, seed: configuration.seed)
        return DataSplits(loaded, split: split)
    }
}
