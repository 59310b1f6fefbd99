/// Detached worker processes, slots and the queue.
public enum WorkerModule {}
