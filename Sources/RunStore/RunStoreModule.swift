/// The on-disk contract between training workers and the dashboard.
public enum RunStoreModule {}
