/// The value of one form field.
public enum FormValue: Hashable, Sendable {
    case text(String)
    /// An index into the field's options.
    case choice(Int)
    case toggle(Bool)
}

/// One labelled field of a form: text, a choice among options, or a toggle.
public struct FormField {
    public enum Kind: Hashable, Sendable {
        case text
        case choice([String])
        case toggle
    }

    public var label: String
    public var kind: Kind
    public var value: FormValue
    /// Returns an error message for an invalid value, nil when valid.
    public var validate: ((FormValue) -> String?)?
    /// Shown dimmed after the field (e.g. "epochs, 1…500").
    public var hint: String

    public static func text(_ label: String, _ value: String = "", hint: String = "",
                            validate: ((String) -> String?)? = nil) -> FormField {
        FormField(label: label, kind: .text, value: .text(value), hint: hint,
                  validate: validate.map { check in { if case .text(let s) = $0 { return check(s) } else { return nil } } })
    }

    public static func choice(_ label: String, options: [String], selected: Int = 0, hint: String = "") -> FormField {
        FormField(label: label, kind: .choice(options), value: .choice(selected), hint: hint, validate: nil)
    }

    public static func toggle(_ label: String, _ on: Bool = false, hint: String = "") -> FormField {
        FormField(label: label, kind: .toggle, value: .toggle(on), hint: hint, validate: nil)
    }

    public init(label: String, kind: Kind, value: FormValue, hint: String = "",
                validate: ((FormValue) -> String?)? = nil) {
        self.label = label
        self.kind = kind
        self.value = value
        self.hint = hint
        self.validate = validate
    }

    /// The text of a text field, the option of a choice, "on"/"off" for a toggle.
    public var text: String {
        switch (kind, value) {
        case (.choice(let options), .choice(let i)): return options.indices.contains(i) ? options[i] : ""
        case (_, .text(let s)): return s
        case (_, .toggle(let on)): return on ? "on" : "off"
        default: return ""
        }
    }

    /// The validation error of the current value, if any.
    public var error: String? { validate?(value) }
}

/// The editable state of a form: fields, the focused field and the text cursor.
/// All editing is pure value mutation so the dashboard can drive it from key messages.
public struct FormState {
    public var fields: [FormField]
    public var focus: Int
    /// Cursor position (in characters) within the focused text field.
    public var cursor: Int

    public init(fields: [FormField], focus: Int = 0) {
        self.fields = fields
        self.focus = fields.isEmpty ? 0 : min(max(focus, 0), fields.count - 1)
        self.cursor = 0
        cursor = focusedTextCount
    }

    var focusedTextCount: Int {
        guard fields.indices.contains(focus), case .text(let s) = fields[focus].value else { return 0 }
        return s.count
    }

    /// Errors by field index (only invalid fields).
    public var errors: [Int: String] {
        var result: [Int: String] = [:]
        for (i, field) in fields.enumerated() { if let e = field.error { result[i] = e } }
        return result
    }

    public var isValid: Bool { errors.isEmpty }

    /// The value of the field with this label.
    public func value(of label: String) -> FormValue? { fields.first { $0.label == label }?.value }
    public func text(of label: String) -> String? { fields.first { $0.label == label }?.text }

    // MARK: focus

    public mutating func nextField() { moveFocus(1) }
    public mutating func previousField() { moveFocus(-1) }

    mutating func moveFocus(_ delta: Int) {
        guard !fields.isEmpty else { return }
        focus = ((focus + delta) % fields.count + fields.count) % fields.count
        cursor = focusedTextCount
    }

    // MARK: text editing (ignored on non-text fields)

    private mutating func editText(_ edit: (inout [Character], inout Int) -> Void) {
        guard fields.indices.contains(focus), case .text(let s) = fields[focus].value else { return }
        var characters = Array(s)
        cursor = min(max(cursor, 0), characters.count)
        edit(&characters, &cursor)
        fields[focus].value = .text(String(characters))
    }

    public mutating func insert(_ character: Character) {
        editText { chars, cursor in chars.insert(character, at: cursor); cursor += 1 }
    }

    /// Deletes the character before the cursor.
    public mutating func backspace() {
        editText { chars, cursor in
            guard cursor > 0 else { return }
            chars.remove(at: cursor - 1)
            cursor -= 1
        }
    }

    /// Deletes the character under the cursor.
    public mutating func deleteForward() {
        editText { chars, cursor in if cursor < chars.count { chars.remove(at: cursor) } }
    }

    public mutating func moveCursorLeft() { editText { _, cursor in cursor = max(0, cursor - 1) } }
    public mutating func moveCursorRight() { editText { chars, cursor in cursor = min(chars.count, cursor + 1) } }
    public mutating func moveCursorHome() { editText { _, cursor in cursor = 0 } }
    public mutating func moveCursorEnd() { editText { chars, cursor in cursor = chars.count } }
    public mutating func clearText() { editText { chars, cursor in chars.removeAll(); cursor = 0 } }

    // MARK: choice and toggle

    /// Cycles a choice field by `delta` options (wrapping); flips a toggle.
    public mutating func cycle(_ delta: Int) {
        guard fields.indices.contains(focus) else { return }
        switch (fields[focus].kind, fields[focus].value) {
        case (.choice(let options), .choice(let i)) where !options.isEmpty:
            fields[focus].value = .choice(((i + delta) % options.count + options.count) % options.count)
        case (.toggle, .toggle(let on)):
            fields[focus].value = .toggle(!on)
        default: break
        }
    }

    /// Applies a key the usual way: Tab/↓ and S-Tab/↑ move focus; ←/→ move the cursor or
    /// cycle a choice; Space flips a toggle; printable characters are typed. Returns false
    /// for keys the form does not use (Enter, Esc, …), which the caller handles.
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        guard fields.indices.contains(focus) else { return false }
        let kind = fields[focus].kind
        switch key {
        case .tab, .down: nextField()
        case .backTab, .up: previousField()
        case .left: if kind == .text { moveCursorLeft() } else { cycle(-1) }
        case .right: if kind == .text { moveCursorRight() } else { cycle(1) }
        case .home: moveCursorHome()
        case .end: moveCursorEnd()
        case .backspace: backspace()
        case .delete: deleteForward()
        case .ctrl("u"): clearText()
        case .character(let c):
            switch kind {
            case .text: insert(c)
            case .toggle where c == " ": cycle(1)
            case .choice where c == " ": cycle(1)
            default: return false
            }
        default: return false
        }
        return true
    }
}
