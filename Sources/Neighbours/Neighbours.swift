/// k-nearest-neighbour feature banks, exact search and voting.
public enum NeighboursModule {}
