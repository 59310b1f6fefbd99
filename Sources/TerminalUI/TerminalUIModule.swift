/// Cells, buffers, layout and widgets; never touches the terminal.
public enum TerminalUIModule {}
