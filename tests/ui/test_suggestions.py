"""Suggestions as you type in the real window with the shipped model: the ghost text at a bar's end, Tab, Ctrl+Right,
Esc, typing on, Alt+] and Alt+[, undo, the on/off setting and playback."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from support.tunes import KESH as KESH_FIRST_PART

from composer.paths import default_model_path
from composer.ui.cowriter.suggestions import first_note, might_end_a_bar, tune_before_cursor

LONG_WAIT = 60_000
KESH = KESH_FIRST_PART[:KESH_FIRST_PART.index("|edd gdB")]  # the Kesh to its sixth bar, before its bar line


pytestmark = pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not there")


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    folder = tmp_path / "user-data"
    (folder / "models").mkdir(parents=True)
    monkeypatch.setenv("COMPOSER_DATA", str(folder))
    return folder


@pytest.fixture
def cowriter(window, user_data):
    panel = window.add_generation_panel()
    window.load_text(KESH, None)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    window.editor.setFocus()
    yield window.editor_cowriter
    panel.shutdown()


def shown_after_bar_line(qtbot, cowriter):
    """Type the bar line that ends bar 6 and wait for the ghost text; the suggestion controller."""
    suggestions = cowriter.suggestions
    qtbot.keyClick(cowriter.editor, "|")
    assert suggestions.timer.isActive() and not suggestions.shown_text  # nothing before the pause
    with qtbot.waitSignal(suggestions.shown, timeout=LONG_WAIT):
        pass
    return suggestions


def test_the_next_bar_shows_in_grey_after_the_pause_outside_the_text_and_its_undo(qtbot, cowriter):
    editor = cowriter.editor
    steps = editor.document().availableUndoSteps()
    suggestions = shown_after_bar_line(qtbot, cowriter)
    assert suggestions.shown_text == suggestions.items[0] and suggestions.ghost.isVisible()
    assert suggestions.shown_text.rstrip().endswith("|")  # a whole bar, with its bar line
    assert editor.toPlainText() == KESH + "|"
    assert editor.document().availableUndoSteps() == steps + 1  # the typed bar line only
    assert 2 <= len(suggestions.items) <= 3 and len(set(suggestions.items)) == len(suggestions.items)


def test_tab_inserts_the_bar_as_one_undo_step_and_undo_takes_it_out(qtbot, cowriter):
    editor = cowriter.editor
    suggestions = shown_after_bar_line(qtbot, cowriter)
    bar = suggestions.shown_text
    steps = editor.document().availableUndoSteps()
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == KESH + "|" + bar
    assert editor.textCursor().position() == len(KESH + "|" + bar)
    assert editor.document().availableUndoSteps() == steps + 1
    assert not suggestions.shown_text
    editor.undo()
    assert editor.toPlainText() == KESH + "|"


def test_escape_and_typing_on_dismiss_it(qtbot, cowriter):
    editor = cowriter.editor
    suggestions = shown_after_bar_line(qtbot, cowriter)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not suggestions.shown_text and editor.toPlainText() == KESH + "|"
    suggestions.ask_now()
    with qtbot.waitSignal(suggestions.shown, timeout=LONG_WAIT):
        pass
    qtbot.keyClick(editor, "e")
    assert not suggestions.shown_text and editor.toPlainText() == KESH + "|e"
    assert not suggestions.ask_now()  # inside a bar: nothing to propose


def test_alt_brackets_go_through_the_alternatives_and_tab_takes_the_one_shown(qtbot, cowriter):
    editor = cowriter.editor
    suggestions = shown_after_bar_line(qtbot, cowriter)
    items = suggestions.items
    qtbot.keyClick(editor, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.AltModifier)
    assert suggestions.shown_text == items[1]
    qtbot.keyClick(editor, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(editor, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.AltModifier)
    assert suggestions.shown_text == items[-1]
    assert editor.toPlainText() == KESH + "|"
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == KESH + "|" + items[-1]


def test_ctrl_right_takes_one_note_and_leaves_the_rest_in_grey(qtbot, cowriter):
    editor = cowriter.editor
    suggestions = shown_after_bar_line(qtbot, cowriter)
    bar = suggestions.shown_text
    note = bar[:first_note(bar)]
    qtbot.keyClick(editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == KESH + "|" + note
    assert suggestions.shown_text == bar[len(note):]
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == KESH + "|" + bar
    editor.undo()
    assert editor.toPlainText() == KESH + "|" + note


def test_off_from_the_menu_and_remembered_and_at_rest_while_playing(qtbot, cowriter, settings):
    suggestions = cowriter.suggestions
    assert suggestions.toggle_action in cowriter.editor.window().menu("Generate").actions()
    suggestions.toggle_action.trigger()
    assert not suggestions.enabled and settings.value("suggestions", "enabled", True, bool) is False
    qtbot.keyClick(cowriter.editor, "|")
    assert not suggestions.timer.isActive() and not suggestions.ask_now()
    suggestions.toggle_action.trigger()
    suggestions.set_playing(True)
    assert not suggestions.ask_now()
    suggestions.set_playing(False)
    assert suggestions.ask_now()


def test_where_a_suggestion_may_be_asked_for():
    assert tune_before_cursor("X:1\nK:G\nabc|") == ("X:1", "X:1\nK:G\nabc|")
    assert tune_before_cursor("X:1\nK:G\nabc|\n\nX:2\nT:x\nK:D\nd|")[0] == "X:2"
    assert tune_before_cursor("X:1\nK:G\nabc|\n\n") is None  # after the tune's end
    assert tune_before_cursor("X:1\nT:x\n") is None  # in the header
    assert might_end_a_bar("abc |  ", "") and might_end_a_bar("abc :|", " ")
    assert not might_end_a_bar("abc", "") and not might_end_a_bar("abc|", ":def|")
    assert [first_note(t) for t in (" ^f2 g|", '"G"B>c', "|:", "[ceg]2 a", "(3abc")] == [4, 5, 2, 6, 2]
