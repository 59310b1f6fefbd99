extension String {
    /// The text with every control character (ESC, newline, tab, C1 controls) replaced by
    /// "?": what the command line and the dashboard print of names they did not choose
    /// (run folders, run names), so none can move the cursor or split a table row.
    public var printable: String {
        String(map { character in
            character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "?" : character
        })
    }
}
