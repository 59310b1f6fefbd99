/// Datasets, the training loop, evaluation and checkpoints.
public enum TrainingModule {}
