import RunStore

/// Loads the dataset a configuration names and cuts its splits.
public enum DataPreparation {
    /// Train (after the validation hold-out and `trainFraction`), validation and test sets,
    /// normalised with the training split's statistics.
    public static func load(_ configuration: TrainingConfiguration) throws -> DataSplits {
        let location = DatasetLocation.resolve(explicit: configuration.dataDirectory)
        let loaded = try LoadedDataset.load(location, label: configuration.label)
        let split = DatasetSplit(labels: loaded.train.labels, classCount: loaded.train.classCount,
                                 validationCount: min(configuration.validationSize, loaded.train.count / 2),
                                 trainFraction: configuration.trainFraction, seed: configuration.seed)
        return DataSplits(loaded, split: split)
    }
}
