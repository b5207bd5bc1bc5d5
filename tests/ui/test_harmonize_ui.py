"""Add Chords in the real window with the shipped model: the tune's text replaced in one undo step with the melody
byte for byte, per bar or per beat, for the tune or the selected bars only."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QTextCursor
from support.tunes import KESH

from composer.abc.tunebook import read_string
from composer.model.chord_places import without_chord_symbols
from composer.paths import default_model_path

LONG_WAIT = 120_000
OTHER = """X:1
T:Another
M:4/4
L:1/8
K:D
"D"DFAd "G"B2 AF|"A"E4 E4|
"""
TEXT = OTHER + "\n" + KESH

pytestmark = pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not there")


@pytest.fixture
def cowriter(cowriter_on):
    return cowriter_on(TEXT)


def run(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.ended, timeout=LONG_WAIT) as ended:
        dialog.start()
    assert ended.args == ["done"], dialog.status.text()


def test_chords_for_the_tune_at_the_cursor_keep_the_melody_and_undo_in_one_step(qtbot, cowriter):
    editor = cowriter.editor
    editor.setTextCursor(QTextCursor(editor.document().findBlockByNumber(TEXT.count("\n", 0, TEXT.index("GAG")))))
    dialog = cowriter.add_chords()
    assert not dialog.selected_bars.isEnabled() and dialog.whole_tune.isChecked()
    run(qtbot, dialog)
    text = editor.toPlainText()
    assert text.startswith(OTHER + "\n")  # the other tune untouched
    new = read_string(text).tunes[1]
    assert without_chord_symbols(new) == KESH  # the melody byte for byte
    assert len(re.findall(r'"[A-G][^"]*"', new.text())) >= 8  # a chord every bar at least
    editor.undo()  # one undo step takes it all out
    assert editor.toPlainText() == TEXT


def test_selected_bars_only_per_beat_replacing_written_chords(qtbot, cowriter):
    editor = cowriter.editor
    start = TEXT.index('"G"B2')
    cursor = editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(TEXT.index("|", start) + 1, QTextCursor.MoveMode.KeepAnchor)  # the first bar's second half
    editor.setTextCursor(cursor)
    dialog = cowriter.add_chords()
    assert dialog.selected_bars.isChecked()
    dialog.per_beat.setChecked(True)
    dialog.replace_check.setChecked(True)
    run(qtbot, dialog)
    text = editor.toPlainText()
    assert text.endswith("\n" + KESH)
    new = read_string(text).tunes[0]
    assert without_chord_symbols(new) == without_chord_symbols(read_string(OTHER).tunes[0])
    assert new.text().endswith('|"A"E4 E4|\n')  # bar 2, outside the selection, keeps its chord
    assert dialog.answer.bars == (1, 1)
