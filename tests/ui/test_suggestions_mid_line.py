"""Suggestions in the middle of a line (the real window, the shipped model): with the cursor after a bar line and
more bars after it, the next bar shows inline at the cursor, pushing the bars after it; Tab puts it in there as one
undo step, Ctrl+Right one note, Esc and typing dismiss it, and a key that moves the cursor moves it in the text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat

from composer.abc.checker import check_text
from composer.paths import default_model_path
from composer.ui.cowriter.suggestions import first_note, might_end_a_bar
from composer.ui.editor.editor import Problem
from tests.support.tunes import KESH

LINE = 7  # |:GAG GAB|ABA ABd|edd gdd|edB dBA|
CURSOR = KESH.index("ABA ABd|edd")  # after bar 1's bar line
BEFORE, AFTER = KESH[:CURSOR], KESH[CURSOR:]

pytestmark = pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not there")


@pytest.fixture
def mid_line(suggestion_at):
    """The Kesh with the cursor after its first bar (three bars after it on the line) and a suggestion shown;
    the editor and the controller."""
    cowriter = suggestion_at(KESH, CURSOR)
    editor, suggestions = cowriter.editor, cowriter.suggestions
    return editor, suggestions


def line_layout(editor):
    """The layout of the suggestion's line, laid out as the editor shows it now."""
    block = editor.document().findBlockByNumber(LINE - 1)
    editor.blockBoundingRect(block)  # lays the line out again after the ghost came or went
    return block.layout()


def line_width(editor) -> float:
    layout = line_layout(editor)
    assert layout.lineCount() == 1
    return layout.lineAt(0).naturalTextWidth()


def test_the_next_bar_shows_inline_at_the_cursor_and_the_bars_after_it_move_right(qtbot, mid_line):
    editor, suggestions = mid_line
    bar = suggestions.shown_text
    assert bar and bar == suggestions.items[0] and suggestions.ghost.shown and suggestions.ghost.inline
    assert editor.toPlainText() == KESH  # never in the document
    block = editor.document().findBlockByNumber(LINE - 1)
    layout = line_layout(editor)
    column = CURSOR - block.position()
    assert layout.preeditAreaText() == bar and layout.preeditAreaPosition() == column
    left = editor.blockBoundingGeometry(block).translated(editor.contentOffset()).left() + layout.position().x()
    assert abs(editor.cursorRect().left() - (left + layout.lineAt(0).cursorToX(column)[0])) <= 2  # before it
    wide = line_width(editor)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert wide - line_width(editor) >= 0.8 * editor.fontMetrics().horizontalAdvance(bar)


def test_each_alternative_fills_a_bar_of_the_meter_where_it_goes_in(mid_line):
    _editor, suggestions = mid_line
    assert check_text(KESH) == []
    for bar in suggestions.items:
        assert check_text(BEFORE + bar + AFTER) == [], bar  # a short or long bar is a warning


def test_tab_puts_the_bar_in_at_the_cursor_as_one_undo_step_and_undo_takes_it_out(qtbot, mid_line):
    editor, suggestions = mid_line
    bar = suggestions.shown_text
    steps = editor.document().availableUndoSteps()
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == BEFORE + bar + AFTER  # the bars after it as they were
    assert editor.textCursor().position() == CURSOR + len(bar)
    assert editor.document().availableUndoSteps() == steps + 1
    assert not suggestions.shown_text and not line_layout(editor).preeditAreaText()
    editor.undo()
    assert editor.toPlainText() == KESH


def test_typing_dismisses_it_and_the_key_goes_in_at_the_cursor(qtbot, mid_line):
    editor, suggestions = mid_line
    qtbot.keyClick(editor, "e")
    assert editor.toPlainText() == BEFORE + "e" + AFTER
    assert not suggestions.shown_text and not suggestions.ghost.inline
    assert not line_layout(editor).preeditAreaText()


def test_escape_dismisses_it(qtbot, mid_line):
    editor, suggestions = mid_line
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not suggestions.shown_text and not line_layout(editor).preeditAreaText()
    assert editor.toPlainText() == KESH and editor.textCursor().position() == CURSOR


def test_ctrl_right_takes_one_note_and_the_rest_stays_inline(qtbot, mid_line):
    editor, suggestions = mid_line
    bar = suggestions.shown_text
    note = bar[:first_note(bar)]
    qtbot.keyClick(editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == BEFORE + note + AFTER
    assert suggestions.shown_text == bar[len(note):] and suggestions.ghost.inline
    assert line_layout(editor).preeditAreaText() == bar[len(note):]
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == BEFORE + bar + AFTER


def test_a_key_that_moves_the_cursor_moves_it_in_the_text_not_in_the_ghost(qtbot, mid_line):
    editor, suggestions = mid_line
    qtbot.keyClick(editor, Qt.Key.Key_End)
    assert not suggestions.shown_text
    assert (editor.textCursor().blockNumber() + 1, editor.textCursor().positionInBlock()) == \
        (LINE, len(KESH.split("\n")[LINE - 1]))


def test_a_bar_may_go_in_before_other_bars_but_not_inside_a_bar_line():
    assert might_end_a_bar("|:GAG GAB|", "ABA ABd|") and might_end_a_bar("GAB|", " ABA|")
    assert might_end_a_bar("|", "GAG GAB|")  # at a line's start, the bar line ending the line before
    assert not might_end_a_bar("GAB|", ":ABA|") and not might_end_a_bar("GAB|", "]")
    assert not might_end_a_bar("GAB|", "|") and not might_end_a_bar("GAB|", "1 ABA|")
    assert not might_end_a_bar("GAB|", "[2 ABA|") and not might_end_a_bar("GAB :", "|ABA")


def underlined_columns(editor) -> tuple[list[int], list[int]]:
    """On the suggestion's line: where the editor's wavy underlines start as extra selections (document columns)
    and as the line's own formats (columns of its layout, the ghost text included)."""
    block = editor.document().findBlockByNumber(LINE - 1)
    wavy = QTextCharFormat.UnderlineStyle.WaveUnderline
    selected = [s.cursor.selectionStart() - block.position() for s in editor.extraSelections()
                if s.format.underlineStyle() == wavy and s.cursor.block() == block]
    laid = [r.start for r in line_layout(editor).formats() if r.format.underlineStyle() == wavy]
    return selected, laid


def test_an_underline_after_the_cursor_stays_under_its_characters_while_the_ghost_pushes_them(qtbot, mid_line):
    editor, suggestions = mid_line
    bar = suggestions.shown_text
    line = KESH.split("\n")[LINE - 1]
    column = line.index("edd")  # bar 3, after the ghost
    before = line.index("GAB")  # bar 1, before it
    editor.set_problems([Problem("warning", "a problem", LINE, column + 1), Problem("error", "one", LINE, before + 1)])
    selected, laid = underlined_columns(editor)
    assert selected == [before] and laid == [column + len(bar)]  # the layout's column of "edd", pushed right
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    selected, laid = underlined_columns(editor)
    assert sorted(selected) == [before, column] and laid == []


def test_an_underline_comes_back_to_its_place_when_the_ghost_goes_in(qtbot, mid_line):
    editor, suggestions = mid_line
    bar = suggestions.shown_text
    line = KESH.split("\n")[LINE - 1]
    column = line.index("edd")
    editor.set_problems([Problem("warning", "a problem", LINE, column + 1)])
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    selected, laid = underlined_columns(editor)
    assert selected == [column + len(bar)] and laid == []  # the problem's characters moved right in the text
