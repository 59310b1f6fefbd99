/// Dashboard state, messages, effects and screens.
public enum DashboardModule {}
