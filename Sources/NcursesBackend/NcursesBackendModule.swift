/// The only code that calls ncurses.
import CNcursesw
public enum NcursesBackendModule {}
