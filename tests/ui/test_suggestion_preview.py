"""The staff previews a suggestion: while the ghost text shows, the real abcm2ps engraves the tune with the
suggested bar at the cursor and draws its symbols faint (the rest as written); Esc brings the plain picture back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QTextCursor
from PySide6.QtSvg import QSvgRenderer

from composer.notation.engrave import engrave_svg, isolate_tune
from composer.notation.preview import PreviewedTune
from composer.paths import default_model_path
from tests.support.tunes import KESH

LONG_WAIT = 60_000
WRITTEN = KESH.rsplit("edd", 1)[0]  # up to bar 6's bar line, the cursor at the end
MID_LINE = KESH.index("ABA ABd|edd")  # after bar 1's bar line, three bars after it on the line

pytestmark = pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not there")


def suggested(qtbot, suggestion_at, text: str, position: int):
    """Load `text`, put the cursor at `position`, ask for a suggestion and wait until the staff previews it; the
    window and the controller."""
    cowriter = suggestion_at(text, position)
    window = cowriter.editor.window()
    suggestions = cowriter.suggestions
    qtbot.waitUntil(lambda: isinstance(window.staff.engraved, PreviewedTune)
                    and window.staff.engraved.insertion.text == suggestions.shown_text, timeout=LONG_WAIT)
    return window, suggestions


def music(engraved) -> set[tuple[str, int, int]]:
    return {(s.kind, s.line, s.column) for s in engraved.music_symbols()}


def offset(text: str, line: int, column: int) -> int:
    return sum(len(row) + 1 for row in text.split("\n")[:line - 1]) + column - 1


def drawn(svg: str) -> QImage:
    """`svg` drawn on white."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    image = QImage(renderer.defaultSize(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def black_pixels(image: QImage, symbol) -> int:
    """How many pixels inside `symbol`'s box are near black (ink at full strength)."""
    return sum(QColor(image.pixel(x, y)).lightness() < 60
               for x in range(int(symbol.x), int(symbol.x + symbol.width))
               for y in range(int(symbol.y), int(symbol.y + symbol.height)))


def test_the_staff_draws_the_suggested_bar_faint_from_exactly_its_characters(qtbot, suggestion_at):
    window, suggestions = suggested(qtbot, suggestion_at, WRITTEN, len(WRITTEN))
    bar = suggestions.shown_text
    shown = WRITTEN + bar
    preview = window.staff.engraved
    assert preview.insertion.position == len(WRITTEN)
    # The faint symbols are exactly those an engraving of the text with the bar typed in puts on its characters.
    typed = engrave_svg(isolate_tune(shown, 1))
    theirs = {(s.kind, s.line, s.column) for s in typed.music_symbols()
              if len(WRITTEN) <= offset(shown, s.line, s.column) < len(shown)}
    faint = {(s.kind, s.line, s.column) for s in preview.faint if s.kind in ("note", "rest", "bar", "grace")}
    assert faint and faint == theirs
    assert any(kind == "bar" for kind, _, _ in faint)  # the bar's own bar line
    # Drawn faint: the notes of the suggestion are grey (where a stem meets a beam, two greys overlap a little),
    # the written ones black.
    svg = window.staff.engraved.pages[0].svg
    assert 'opacity="' in svg
    image = drawn(svg)
    assert all(black_pixels(image, s) <= 6 for s in preview.faint if s.kind == "note")
    assert all(black_pixels(image, s) >= 20 for s in preview.music_symbols() if s.kind == "note")


def test_escape_brings_the_plain_engraving_back(qtbot, suggestion_at):
    window, suggestions = suggested(qtbot, suggestion_at, WRITTEN, len(WRITTEN))
    before = music(window.staff.engraved)
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    assert window.staff.preview is None
    qtbot.waitUntil(lambda: not isinstance(window.staff.engraved, PreviewedTune), timeout=LONG_WAIT)
    assert "opacity" not in window.staff.engraved.pages[0].svg
    assert music(window.staff.engraved) == before  # the written symbols were where they are in the text


def test_accepting_draws_the_bar_as_written(qtbot, suggestion_at):
    window, suggestions = suggested(qtbot, suggestion_at, WRITTEN, len(WRITTEN))
    bar = suggestions.shown_text
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.toPlainText() == WRITTEN + bar and window.staff.preview is None
    typed = music(engrave_svg(isolate_tune(WRITTEN + bar, 1)))
    qtbot.waitUntil(lambda: music(window.staff.engraved) == typed, timeout=LONG_WAIT)
    assert not isinstance(window.staff.engraved, PreviewedTune)
    assert "opacity" not in window.staff.engraved.pages[0].svg


def test_mid_line_the_bars_after_the_cursor_keep_their_places_in_the_text(qtbot, suggestion_at):
    window, suggestions = suggested(qtbot, suggestion_at, KESH, MID_LINE)
    preview = window.staff.engraved
    plain = engrave_svg(isolate_tune(KESH, 1))
    assert music(preview) == music(plain)  # the notes after the insertion, on its line too, map to the text
    line, column = window.editor.cursor_place()
    after = preview.symbol_for(line, column)  # the note after the cursor: "A" of "ABA", not the suggestion's
    assert after is not None and after.kind == "note" and after.column == column
    assert KESH.split("\n")[line - 1][after.column - 1:].startswith("ABA ABd|")
    assert all(MID_LINE <= offset(preview.insertion.applied_to(KESH), s.line, s.column)
               < MID_LINE + len(suggestions.shown_text) for s in preview.faint)


def test_moving_the_cursor_away_dismisses_the_preview(qtbot, suggestion_at):
    window, suggestions = suggested(qtbot, suggestion_at, WRITTEN, len(WRITTEN))
    window.editor.moveCursor(QTextCursor.MoveOperation.StartOfLine)
    assert not suggestions.shown_text and window.staff.preview is None
    qtbot.waitUntil(lambda: not isinstance(window.staff.engraved, PreviewedTune), timeout=LONG_WAIT)
