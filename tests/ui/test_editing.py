"""Editing commands in the real window: undo/redo, comment toggle, find/replace, transpose, highlighting."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from composer.abc.tunebook import read_tunebook

TUNE = "X:1\nT:Edit Me\nM:6/8\nL:1/8\nK:G\n\"G\"GAG GAB|\"D\"ABA ABd|\n"


def select_lines(editor, first: int, last: int) -> None:
    doc = editor.document()
    cursor = QTextCursor(doc.findBlockByNumber(first - 1))
    end = doc.findBlockByNumber(last - 1)
    cursor.setPosition(end.position() + end.length() - 1, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)


def test_undo_and_redo_follow_typing(qtbot, window, type_text):
    window.editor.setFocus()
    type_text(window.editor, "X:1")
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert window.text == ""
    window.redo_action.trigger()
    assert window.text == "X:1"


def test_toggle_comment_comments_then_restores_the_selected_lines(window):
    window.load_text(TUNE, None)
    select_lines(window.editor, 6, 6)
    window.comment_action.trigger()
    assert window.text.split("\n")[5] == "% \"G\"GAG GAB|\"D\"ABA ABd|"
    window.comment_action.trigger()
    assert window.text == TUNE
    # A %% directive is not a comment: toggling comments it out and back.
    window.load_text("%%scale 0.8\n" + TUNE, None)
    window.editor.go_to(1, 3)
    window.comment_action.trigger()
    assert window.text.startswith("% %%scale 0.8\n")
    window.comment_action.trigger()
    assert window.text.startswith("%%scale 0.8\n")


def test_find_and_replace_all_is_one_undoable_step(window):
    window.load_text(TUNE, None)
    bar = window.find_bar
    window.replace_action.trigger()
    assert bar.isVisible()
    bar.find_edit.setText("GAB")
    assert bar.find_next()
    assert window.editor.textCursor().selectedText() == "GAB"
    bar.find_edit.setText("AB")
    bar.replace_edit.setText("BA")
    assert bar.replace_all() == 3
    assert 'GBA|"D"BAA BAd' in window.text
    window.editor.undo()
    assert window.text == TUNE


def test_regular_expression_replace_uses_groups(window):
    window.load_text(TUNE, None)
    bar = window.find_bar
    bar.regex_box.setChecked(True)
    bar.case_box.setChecked(True)
    bar.find_edit.setText(r'"([A-G])"')
    bar.replace_edit.setText(r'"\1m"')
    assert bar.replace_all() == 2
    assert '"Gm"GAG GAB|"Dm"ABA' in window.text


def test_transpose_the_tune_under_the_cursor_and_back(window):
    window.load_text(TUNE, None)
    window.editor.go_to(6, 4)
    window.transpose_up_action.trigger()
    window.transpose_up_action.trigger()
    tune = read_tunebook(window.text).tunes[0]
    assert tune.key == "A"
    assert tune.body[0].text.startswith('"A"ABA')
    window.editor.undo()
    window.editor.undo()
    assert window.text == TUNE


def test_transpose_a_selection_in_the_tunes_key(window):
    window.load_text(TUNE, None)
    doc = window.editor.document()
    block = doc.findBlockByNumber(5)
    start = block.position() + block.text().index("GAG")
    cursor = QTextCursor(doc)
    cursor.setPosition(start)
    cursor.setPosition(start + 3, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    window.octave_up_action.trigger()
    assert window.text.split("\n")[5].startswith('"G"gag GAB')
    assert window.editor.textCursor().selectedText() == "gag"
    assert read_tunebook(window.text).tunes[0].key == "G"


def test_highlighting_gives_fields_notes_bars_chords_and_comments_their_own_colours(window):
    window.load_text('X:1\nK:G\n"G"!trill!GA|B % note\n', None)
    theme = window.editor.theme
    music = window.editor.document().findBlockByNumber(2).layout().formats()
    header = window.editor.document().findBlockByNumber(1).layout().formats()

    def colour_at(formats, column):
        for span in formats:
            if span.start <= column < span.start + span.length:
                return span.format.foreground().color().name()
        return None

    assert colour_at(header, 0) == theme.field_name.name()
    assert colour_at(header, 2) == theme.field_value.name()
    line = '"G"!trill!GA|B % note'
    assert colour_at(music, line.index('"G"')) == theme.chord.name()
    assert colour_at(music, line.index("!trill!")) == theme.decoration.name()
    assert colour_at(music, line.index("GA|")) == theme.note.name()
    assert colour_at(music, line.index("|")) == theme.bar.name()
    assert colour_at(music, line.index("%")) == theme.comment.name()


def test_line_numbers_take_room_and_grow_with_the_document(window):
    window.load_text("X:1\n", None)
    narrow = window.editor.line_number_width()
    window.load_text("\n" * 12000, None)
    assert window.editor.line_number_width() > narrow > 0
    assert window.editor.viewportMargins().left() == window.editor.line_number_width()


def test_keyboard_shortcuts_reach_the_actions(qtbot, window):
    window.load_text(TUNE, None)
    window.editor.setFocus()
    window.editor.go_to(6, 1)
    qtbot.keyClick(window.editor, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    assert window.text.split("\n")[5].startswith("% ")
    qtbot.keyClick(window.editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible()
