/// Short labels for runs shown side by side: the part of their names that differs.
///
/// "variants-conv-e15-s0" and "variants-static-diag-e15-s0" become "conv" and
/// "static-diag": the prefix and suffix every name shares are dropped, cut at a separator
/// (- _ . / space; not a decimal point) so that no word or number is split. When a label would be empty or two would be
/// the same (one run, runs with the same name), the names stay whole.
enum RunLabels {
    static let separators: Set<Character> = ["-", "_", ".", "/", " "]

    static func distinguishing(_ names: [String]) -> [String] {
        guard names.count > 1 else { return names }
        let characters = names.map(Array.init)
        let prefix = sharedPrefixLength(characters)
        let rests = characters.map { Array($0[prefix...]) }
        let suffix = sharedPrefixLength(rests.map { Array($0.reversed()) })
        let labels = rests.map { String($0[..<($0.count - suffix)]) }
        return labels.contains(where: \.isEmpty) || Set(labels).count < labels.count ? names : labels
    }

    /// The length of the prefix all `words` share, shortened to end just after a separator
    /// (or 0), so the cut never falls inside a word.
    private static func sharedPrefixLength(_ words: [[Character]]) -> Int {
        guard let first = words.first else { return 0 }
        var length = 0
        while length < first.count, words.allSatisfy({ length < $0.count && $0[length] == first[length] }) {
            length += 1
        }
        while length > 0, !isSeparator(first, at: length - 1) { length -= 1 }
        return length
    }

    /// A separator character, except a "." between two digits (0.05 is one word).
    private static func isSeparator(_ word: [Character], at index: Int) -> Bool {
        guard separators.contains(word[index]) else { return false }
        guard word[index] == ".", index > 0, index + 1 < word.count else { return true }
        return !(word[index - 1].isNumber && word[index + 1].isNumber)
    }
}
