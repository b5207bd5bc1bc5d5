"""Rewrite Bars in the real window with the shipped model: the selected bars' alternatives, ranked, with K and the
cost; Accept replaces exactly the span as one undo step; Cancel; a selection of no bars is refused."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor
from support.tunes import KESH

from composer.paths import default_model_path

LONG_WAIT = 120_000
SPAN = "ABA ABd|edd gdd"  # bars 2-3, between the bar lines that stay

pytestmark = pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not there")


@pytest.fixture
def cowriter(cowriter_on):
    return cowriter_on(KESH)


def select(editor, start: int, end: int) -> None:
    cursor = editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)


def test_accept_replaces_exactly_the_selected_bars_in_one_undo_step(qtbot, cowriter):
    editor = cowriter.editor
    start = KESH.index(SPAN) + 2  # from inside bar 2 ...
    select(editor, start, start + len("A ABd|ed"))  # ... into bar 3
    dialog = cowriter.rewrite(seed=4)
    with qtbot.waitSignal(dialog.ended, timeout=LONG_WAIT) as ended:
        pass
    assert ended.args == ["done"], dialog.status.text()
    rewrite = dialog.answer.rewrite
    assert (rewrite.first, rewrite.last, rewrite.samples, rewrite.rank) == (2, 3, 16, "together")
    assert "K = 16" in dialog.status.text() and "model calls" in dialog.status.text()
    assert 1 <= len(dialog.candidates) <= 4 and dialog.table.rowCount() == len(dialog.candidates) + 1
    scores = [c.together for c in dialog.candidates]
    assert scores == sorted(scores, reverse=True)
    chosen = dialog.candidates[-1]
    dialog.table.selectRow(len(dialog.candidates) - 1)
    dialog.accept_button.click()
    cut = KESH.index(SPAN)
    assert editor.toPlainText() == KESH[:cut] + chosen.text + KESH[cut + len(SPAN):]
    assert chosen.text.count("|") == 1 and chosen.text != SPAN
    editor.undo()  # one undo step takes it all out
    assert editor.toPlainText() == KESH


def test_nothing_is_replaced_when_the_text_changed_meanwhile(qtbot, cowriter):
    editor = cowriter.editor
    select(editor, KESH.index("gdd"), KESH.index("gdd") + 1)
    dialog = cowriter.rewrite(seed=1)
    with qtbot.waitSignal(dialog.ended, timeout=LONG_WAIT):
        pass
    editor.moveCursor(QTextCursor.MoveOperation.End)
    editor.insertPlainText("%")
    assert not dialog.accept_chosen()
    assert editor.toPlainText() == KESH + "%" and "changed" in dialog.status.text()


def test_cancel_stops_it_and_a_header_selection_is_refused(qtbot, cowriter):
    editor = cowriter.editor
    select(editor, 0, 10)
    dialog = cowriter.rewrite()
    with qtbot.waitSignal(dialog.ended, timeout=LONG_WAIT) as ended:
        pass
    assert ended.args == ["failed"] and "select the bars" in dialog.status.text()
    select(editor, KESH.index(SPAN), KESH.index(SPAN) + 3)
    dialog = cowriter.rewrite()
    with qtbot.waitSignal(dialog.ended, timeout=LONG_WAIT) as ended:
        dialog.cancel_button.click()
    assert ended.args == ["cancelled"] and dialog.answer is None and editor.toPlainText() == KESH
