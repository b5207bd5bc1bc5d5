"""The real window offscreen: typing shows diagnostics and engraving; staff and text are linked both ways."""

from __future__ import annotations

from PySide6.QtCore import Qt

from composer.abc.tunebook import read_tunebook

GOOD_TUNE = "X:1\nT:Typed\nM:4/4\nL:1/8\nK:D\nABcd efga|"


def test_typing_a_tune_with_a_fault_shows_it_underlined_listed_and_explained(qtbot, window, settle, type_text):
    window.editor.setFocus()
    type_text(window.editor, "X:1\nT:Typed\nM:4/4\nL:1/8\nK:D\nABc^^^ d|")
    settle(window)
    assert window.text.endswith("ABc^^^ d|")
    errors = [p for p in window.problems if p.severity == "error"]
    assert errors and all(p.line == 6 for p in errors)
    first = errors[0]
    # Underlined in the editor, with the message as tooltip text at that place.
    underlines = [s for s in window.editor.extraSelections() if s.format.toolTip()]
    assert any(s.format.toolTip() == first.message for s in underlines)
    assert first in window.editor.problems_at(first.line, first.column)
    # Listed in the problems dock; clicking the row puts the cursor on the fault.
    assert window.problems_list.topLevelItemCount() == len(window.problems)
    item = window.problems_list.topLevelItem(0)
    window.problems_list.itemClicked.emit(item, 0)
    assert window.cursor_position == (first.line, first.column)
    # Fixing the text clears the problem.
    for _ in range(4):
        qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    settle(window)
    assert not [p for p in window.problems if p.severity == "error"]


def test_typing_engraves_the_tune_and_keeps_the_last_good_picture_while_broken(qtbot, window, settle, type_text):
    window.editor.setFocus()
    type_text(window.editor, GOOD_TUNE)
    settle(window)
    good = window.staff.engraved
    assert good is not None
    assert [s.kind for s in good.music_symbols()].count("note") == 8
    assert not window.staff_status.isVisible()
    # Break the header: the tune can no longer be drawn, the old picture stays and the pane says so.
    window.editor.go_to(5, 1)
    qtbot.keyClick(window.editor, Qt.Key.Key_Delete)  # "K:D" becomes ":D"
    settle(window)
    assert window.staff.engraved is good
    assert window.staff_status.isVisible()
    qtbot.keyClicks(window.editor, "K")
    settle(window)
    assert window.staff.engraved is not good
    assert not window.staff_status.isVisible()


def test_clicking_a_rendered_note_puts_the_cursor_on_its_source(qtbot, window, settle, examples):
    window.open_path(examples, ask=False)
    settle(window)
    engraved = window.staff.engraved
    lines = window.text.split("\n")
    notes = [s for s in engraved.music_symbols() if s.kind == "note"]
    for note in (notes[0], notes[len(notes) // 2], notes[-1]):
        point = window.staff.mapFromScene(window.staff.scene_point_of(note))
        qtbot.mouseClick(window.staff.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert window.cursor_position == (note.line, note.column)
        assert lines[note.line - 1][note.column - 1] in "ABCDEFGabcdefg^_=["
        assert window.staff.highlighted == note
        assert window.editor.hasFocus()


def test_moving_the_cursor_highlights_the_note_under_it(qtbot, window, settle, examples):
    window.open_path(examples, ask=False)
    settle(window)
    notes = [s for s in window.staff.engraved.music_symbols() if s.kind == "note"]
    target = notes[5]
    window.editor.go_to(target.line, target.column)
    assert window.staff.highlighted == target
    rect = window.staff.marker_rect()
    assert rect is not None and rect.contains(window.staff.scene_point_of(target))
    # On a header line nothing is highlighted.
    window.editor.go_to(6, 1)
    assert window.staff.highlighted is None


def test_the_staff_shows_the_tune_under_the_cursor_and_the_list_follows(qtbot, window, settle, examples):
    window.open_path(examples, ask=False)
    settle(window)
    book = read_tunebook(examples)
    assert [row[1] for row in window.tune_list.row_texts()] == [t.title for t in book]
    third = book.tunes[2]
    window.tune_list.clicked.emit(window.tune_list.model().index(2, 0))
    settle(window)
    assert window.cursor_position[0] == third.line
    assert window.shown_tune_line == third.line
    lines = {s.line for s in window.staff.engraved.music_symbols()}
    assert lines and all(third.line <= line <= third.end_line for line in lines)
    # Moving the cursor into another tune re-engraves that one and selects it in the list.
    fifth = book.tunes[4]
    window.editor.go_to(fifth.end_line, 3)
    settle(window)
    assert window.shown_tune_line == fifth.line
    assert window.tune_list.currentIndex().row() == 4


def test_current_tune_signal_and_properties_follow_the_cursor(qtbot, window, settle, examples):
    window.open_path(examples, ask=False)
    settle(window)
    book = read_tunebook(examples)
    with qtbot.waitSignal(window.current_tune_changed) as signal:
        window.editor.go_to(book.tunes[1].line + 1, 1)
    assert signal.args[0] == book.tunes[1].text()
    assert window.current_tune_text == book.tunes[1].text()
    assert window.cursor_position == (book.tunes[1].line + 1, 1)


def test_zoom_scales_the_staff_within_limits(qtbot, window, settle, examples):
    window.open_path(examples, ask=False)
    settle(window)
    window.staff.zoom_reset()
    assert window.staff.transform().m11() == 1.0
    window.zoom_in_action.trigger()
    assert window.staff.zoom > 1.0 and window.staff.transform().m11() == window.staff.zoom
    for _ in range(40):
        window.zoom_out_action.trigger()
    assert window.staff.zoom == 0.25
    window.zoom_fit_action.trigger()
    width = window.staff.scene().sceneRect().width() * window.staff.zoom
    assert width <= window.staff.viewport().width()


def test_a_long_tune_scrolls(qtbot, window, settle):
    body = "|:GAG GAB|ABA ABd|edd gdd|edB dBA|GAG GAB|ABA ABd|edd gdB|1AGF G3:|2AGF G2A|\n" * 20
    window.load_text("X:1\nT:Long\nM:6/8\nL:1/8\nK:G\n" + body, None)
    settle(window)
    window.staff.set_fit_width(True)
    assert window.staff.verticalScrollBar().maximum() > 0


def test_a_dark_palette_recolours_the_text_and_the_staff(qtbot, window, settle, examples):
    from PySide6.QtGui import QColor, QPalette

    window.open_path(examples, ask=False)
    settle(window)
    assert not window.editor.theme.dark
    dark = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.WindowText, "#e8eaed"),
                         (QPalette.ColorRole.Base, "#17181a"), (QPalette.ColorRole.Text, "#e8eaed")):
        dark.setColor(role, QColor(colour))
    window.setPalette(dark)
    qtbot.waitUntil(lambda: window.editor.theme.dark)
    assert window.staff.theme.dark and window.staff.theme.ink.name() == "#e8eaed"
    picture = window.staff.grab().toImage()
    centre = picture.pixelColor(picture.width() // 2, picture.height() // 4)
    assert centre.lightness() < 128  # dark paper, light ink
