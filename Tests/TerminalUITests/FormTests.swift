import XCTest
@testable import TerminalUI

final class FormTests: XCTestCase {
    func makeForm() -> FormState {
        FormState(fields: [
            .text("Name", "ab"),
            .choice("Model", options: ["conv", "static-diag", "dynamic-diag"]),
            .toggle("kNN"),
            .text("Epochs", "15", validate: { Int($0).map { (1...500).contains($0) } == true ? nil : "1…500" }),
        ])
    }

    func testTextEditing() {
        var form = makeForm()
        XCTAssertEqual(form.cursor, 2, "cursor starts at the end")
        form.insert("c")
        XCTAssertEqual(form.text(of: "Name"), "abc")
        form.moveCursorLeft()
        form.moveCursorLeft()
        form.insert("X")
        XCTAssertEqual(form.text(of: "Name"), "aXbc")
        XCTAssertEqual(form.cursor, 2)
        form.backspace()
        XCTAssertEqual(form.text(of: "Name"), "abc")
        XCTAssertEqual(form.cursor, 1)
        form.deleteForward()
        XCTAssertEqual(form.text(of: "Name"), "ac")
        form.moveCursorHome()
        form.backspace()
        XCTAssertEqual(form.text(of: "Name"), "ac", "backspace at the start does nothing")
        form.moveCursorEnd()
        form.moveCursorRight()
        XCTAssertEqual(form.cursor, 2)
        form.clearText()
        XCTAssertEqual(form.text(of: "Name"), "")
    }

    func testFocusChoiceAndToggle() {
        var form = makeForm()
        form.previousField()
        XCTAssertEqual(form.focus, 3, "wraps backwards")
        XCTAssertEqual(form.cursor, 2, "cursor at the end of the newly focused text")
        form.nextField()
        form.nextField()
        XCTAssertEqual(form.focus, 1)
        form.cycle(-1)
        XCTAssertEqual(form.text(of: "Model"), "dynamic-diag")
        form.cycle(1)
        XCTAssertEqual(form.value(of: "Model"), .choice(0))
        form.insert("z")
        XCTAssertEqual(form.text(of: "Model"), "conv", "typing into a choice does nothing")
        form.nextField()
        form.cycle(1)
        XCTAssertEqual(form.value(of: "kNN"), .toggle(true))
    }

    func testKeyHandling() {
        var form = makeForm()
        XCTAssertTrue(form.handle(.character("d")))
        XCTAssertTrue(form.handle(.left))
        XCTAssertTrue(form.handle(.backspace))
        XCTAssertEqual(form.text(of: "Name"), "ad")
        XCTAssertTrue(form.handle(.tab))
        XCTAssertTrue(form.handle(.right))
        XCTAssertEqual(form.text(of: "Model"), "static-diag")
        XCTAssertTrue(form.handle(.down))
        XCTAssertTrue(form.handle(.character(" ")))
        XCTAssertEqual(form.value(of: "kNN"), .toggle(true))
        XCTAssertFalse(form.handle(.enter), "Enter is left to the caller")
        XCTAssertFalse(form.handle(.escape))
    }

    func testValidation() {
        var form = makeForm()
        XCTAssertTrue(form.isValid)
        form.previousField()
        form.insert("0")
        XCTAssertEqual(form.text(of: "Epochs"), "150")
        XCTAssertTrue(form.isValid)
        form.insert("0")
        XCTAssertEqual(form.errors, [3: "1…500"])
        XCTAssertFalse(form.isValid)
    }

    func testFormViewShowsFocusCursorAndError() {
        var form = FormState(fields: [.text("N", "12", validate: { Int($0)! > 10 ? "max 10" : nil }), .toggle("On", true)])
        var buffer = xBuffer(20, 2)
        FormView(form, fieldWidth: 5).render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines(), ["›  N  [12 ]  ✗ max …", "  On  [x]xxxxxxxxxxx"])
        XCTAssertTrue(buffer[9, 0].attributes.contains(.reverse), "cursor cell after the text")
        XCTAssertFalse(buffer[8, 0].attributes.contains(.reverse))
        form.nextField()
        buffer = xBuffer(20, 2)
        FormView(form, fieldWidth: 5).render(in: buffer.area, buffer: &buffer)
        XCTAssertEqual(buffer.lines(), ["   N  [12 ]  ✗ max …", "› On  [x]xxxxxxxxxxx"])
    }

    func testFormViewScrollsToTheFocusedField() {
        var form = FormState(fields: (0..<5).map { FormField.toggle("f\($0)") }, focus: 4)
        form.cycle(1)
        assertRender(FormView(form), size: (10, 2), ["  f3  [ ]x", "› f4  [x]x"])
    }
}
