"""The ABC text editor: line numbers, highlighting, diagnostics underlined with tooltips, comment toggle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLayout,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from composer.ui.editor.highlighter import AbcHighlighter
from composer.ui.theme import Theme, current_theme

ABC_SUFFIXES = (".abc", ".abc.txt", ".txt")


@dataclass(frozen=True)
class Problem:
    """A diagnostic as the editor shows it (from the checker or the engraver)."""

    severity: str
    message: str
    line: int
    column: int


class _LineNumbers(QWidget):
    def __init__(self, editor: AbcEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.editor.line_number_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        self.editor.paint_line_numbers(event)


#: The longest tunebook (in lines) the editor colours; longer ones show plain text.
HIGHLIGHT_MAX_LINES = 20_000
#: Marks the problem underlines the editor lays into a line's own formats while text not in the document is laid
#: out inside that line (see AbcEditor.set_inline_gap).
_MOVED_UNDERLINE = QTextFormat.Property.UserProperty + 1


class AbcEditor(QPlainTextEdit):
    """A plain-text editor for ABC tunebooks. Undo and redo come from its QTextDocument."""

    files_dropped = Signal(list)  # [Path]
    cursor_place_changed = Signal(int, int)  # line, column (1-based)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = current_theme(self.palette())
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.highlighter = AbcHighlighter(self.document(), self.theme)
        self.problems: list[Problem] = []
        self._problem_selections: list[QTextEdit.ExtraSelection] | None = None
        self.playback_mark: tuple[int, int, int] | None = None  # line, column, length of the sounding note
        self._gap: tuple[int, int, int] | None = None  # block number, column, length of inline ghost text
        self._line_numbers = _LineNumbers(self)
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._update_line_numbers)
        self.cursorPositionChanged.connect(self._on_cursor_moved)
        self._update_margin()
        self._refresh_selections()

    # -- places -------------------------------------------------------------------------------------
    def cursor_place(self) -> tuple[int, int]:
        """The cursor's (line, column), both 1-based."""
        cursor = self.textCursor()
        return cursor.blockNumber() + 1, cursor.positionInBlock() + 1

    def go_to(self, line: int, column: int = 1, *, select: int = 0) -> None:
        """Put the cursor at 1-based (line, column), optionally selecting `select` characters, and show it."""
        block = self.document().findBlockByNumber(max(line - 1, 0))
        if not block.isValid():
            block = self.document().lastBlock()
        position = block.position() + min(max(column - 1, 0), max(block.length() - 1, 0))
        cursor = QTextCursor(block)
        cursor.setPosition(position)
        if select:
            cursor.setPosition(min(position + select, block.position() + block.length() - 1),
                               QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.centerCursor()

    def follow_to(self, line: int, column: int) -> None:
        """Move the cursor to 1-based (line, column) and scroll just enough to show it (playback following:
        no focus change, no undo step, no recentring on every note)."""
        block = self.document().findBlockByNumber(max(line - 1, 0))
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + min(max(column - 1, 0), max(block.length() - 1, 0)))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def set_playback_mark(self, line: int, column: int, length: int = 1) -> None:
        """Mark `length` characters from 1-based (line, column) as the note sounding now."""
        self.playback_mark = (line, column, max(length, 1))
        self._refresh_selections()

    def clear_playback_mark(self) -> None:
        if self.playback_mark is not None:
            self.playback_mark = None
            self._refresh_selections()

    def replace_lines(self, first: int, last: int, text: str) -> None:
        """Replace 1-based lines first..last (inclusive) by `text`, as one undoable step."""
        doc = self.document()
        start = doc.findBlockByNumber(first - 1)
        end = doc.findBlockByNumber(last - 1)
        cursor = QTextCursor(start)
        cursor.setPosition(end.position() + end.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)

    # -- diagnostics --------------------------------------------------------------------------------
    def load_text(self, text: str) -> bool:
        """Replace the whole text (not undoable); True when it is colourful. A tunebook over
        HIGHLIGHT_MAX_LINES lines is shown without syntax colours: colouring it would take seconds at once."""
        colourful = text.count("\n") < HIGHLIGHT_MAX_LINES
        self.highlighter.setDocument(self.document() if colourful else None)
        self.setPlainText(text)
        return colourful

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Underline `problems` (errors red, warnings amber) and show them as tooltips."""
        self.problems = list(problems)
        self._problem_selections = None
        self._refresh_selections()

    def problems_at(self, line: int, column: int) -> list[Problem]:
        """The problems whose underline covers 1-based (line, column)."""
        found = []
        for problem in self.problems:
            if problem.line != line:
                continue
            start, length = self._span(problem)
            block = self.document().findBlockByNumber(line - 1)
            if start <= block.position() + column - 1 <= start + length:
                found.append(problem)
        return found

    def _span(self, problem: Problem) -> tuple[int, int]:
        """Document position and length of a problem's underline: the word at its column (at least 1 char)."""
        block = self.document().findBlockByNumber(max(problem.line - 1, 0))
        text = block.text()
        start = min(max(problem.column - 1, 0), max(len(text) - 1, 0))
        stop = start
        while stop < len(text) and not text[stop].isspace() and (stop == start or text[stop] != "|"):
            stop += 1
        return block.position() + start, max(stop - start, 1)

    def _refresh_selections(self) -> None:
        selections = []
        current = QTextEdit.ExtraSelection()
        current.format.setBackground(self.theme.current_line)
        current.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        current.cursor = self.textCursor()
        current.cursor.clearSelection()
        selections.append(current)
        if self.playback_mark is not None:
            line, column, length = self.playback_mark
            block = self.document().findBlockByNumber(line - 1)
            if block.isValid():
                mark = QTextEdit.ExtraSelection()
                mark.format.setBackground(self.theme.note_highlight)
                start = block.position() + min(column - 1, max(block.length() - 1, 0))
                mark.cursor = QTextCursor(self.document())
                mark.cursor.setPosition(start)
                mark.cursor.setPosition(min(start + length, block.position() + block.length() - 1),
                                        QTextCursor.MoveMode.KeepAnchor)
                selections.append(mark)
        if self._problem_selections is None:
            self._problem_selections = self._underlines()
        underlines = self._problem_selections
        if self._gap is not None:
            underlines = self._move_underlines_past_gap(underlines)
        self.setExtraSelections(selections + underlines)

    # -- text laid out in a line but not in the document (inline ghost text) ------------------------------
    def set_inline_gap(self, block_number: int, column: int, length: int) -> None:
        """`length` characters not in the document are laid out at `column` of line `block_number` (0-based), or
        none (length 0). The editor draws its extra selections at document positions, so underlines after such
        text would stand under the wrong characters: while it is there, they go into the line's own formats,
        `length` further on."""
        self._take_out_moved_underlines()
        self._gap = (block_number, column, length) if length > 0 else None
        self._refresh_selections()

    def _move_underlines_past_gap(self, underlines: list[QTextEdit.ExtraSelection]) -> list[QTextEdit.ExtraSelection]:
        """The underlines that stay extra selections; those after the gap go into its line's formats."""
        number, column, length = self._gap
        block = self.document().findBlockByNumber(number)
        if not block.isValid():
            return underlines
        staying, moved = [], []
        for selection in underlines:
            start = selection.cursor.selectionStart() - block.position()
            if column <= start < block.length():
                moved_range = QTextLayout.FormatRange()
                moved_range.start, moved_range.length = start + length, selection.cursor.selectionEnd() - \
                    selection.cursor.selectionStart()
                moved_range.format = QTextCharFormat(selection.format)
                moved_range.format.setProperty(_MOVED_UNDERLINE, True)
                moved.append(moved_range)
            else:
                staying.append(selection)
        self._lay_moved_underlines(block, moved)
        return staying

    def _take_out_moved_underlines(self) -> None:
        if self._gap is not None:
            self._lay_moved_underlines(self.document().findBlockByNumber(self._gap[0]), [])

    def _lay_moved_underlines(self, block: QTextBlock, moved: list[QTextLayout.FormatRange]) -> None:
        """Put `moved` in place of the underlines moved into `block`'s formats before."""
        if block.isValid():
            layout = block.layout()
            layout.setFormats([r for r in layout.formats() if not r.format.hasProperty(_MOVED_UNDERLINE)] + moved)
            self.document().markContentsDirty(block.position(), block.length())

    def _underlines(self) -> list[QTextEdit.ExtraSelection]:
        """The problems' underlines, built once per set of problems (their cursors move with later edits)."""
        selections = []
        for problem in self.problems:
            if problem.line < 1 or problem.line > self.document().blockCount():
                continue
            start, length = self._span(problem)
            selection = QTextEdit.ExtraSelection()
            color = self.theme.error if problem.severity == "error" else self.theme.warning
            selection.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            selection.format.setUnderlineColor(color)
            selection.format.setToolTip(problem.message)
            cursor = QTextCursor(self.document())
            cursor.setPosition(start)
            cursor.setPosition(min(start + length, self.document().characterCount() - 1),
                               QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selections.append(selection)
        return selections

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cursor = self.cursorForPosition(event.pos() - self.viewport().pos())
            problems = self.problems_at(cursor.blockNumber() + 1, cursor.positionInBlock() + 1)
            if problems:
                tip = "\n".join(f"{p.severity}: {p.message}" for p in problems)
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # -- editing commands ---------------------------------------------------------------------------
    def toggle_comment(self) -> None:
        """Comment the selected lines (or the cursor's line) with `% `, or uncomment them if all are."""
        cursor = self.textCursor()
        doc = self.document()
        first = doc.findBlock(cursor.selectionStart()).blockNumber()
        last_block = doc.findBlock(cursor.selectionEnd())
        last = last_block.blockNumber()
        if cursor.hasSelection() and cursor.selectionEnd() == last_block.position() and last > first:
            last -= 1
        lines = [doc.findBlockByNumber(n).text() for n in range(first, last + 1)]
        filled = [ln for ln in lines if ln.strip()]
        commented = bool(filled) and all(_is_comment(ln) for ln in filled)
        if commented:
            new = [_uncomment(ln) if ln.strip() else ln for ln in lines]
        else:
            new = [f"% {ln}" if ln.strip() else ln for ln in lines]
        edit = QTextCursor(doc.findBlockByNumber(first))
        edit.beginEditBlock()
        end_block = doc.findBlockByNumber(last)
        edit.setPosition(end_block.position() + end_block.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        edit.insertText("\n".join(new))
        edit.endEditBlock()
        start_pos = doc.findBlockByNumber(first).position()
        end_block = doc.findBlockByNumber(last)
        selection = QTextCursor(doc)
        selection.setPosition(start_pos)
        selection.setPosition(end_block.position() + end_block.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(selection)

    # -- theme --------------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._problem_selections = None
        self.highlighter.set_theme(theme)
        self._refresh_selections()
        self._line_numbers.update()

    # -- drag and drop of files ---------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if _abc_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if _abc_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        paths = _abc_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            super().dropEvent(event)

    # -- line numbers -------------------------------------------------------------------------------
    def line_number_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margin(self) -> None:
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def _update_line_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self._line_numbers.scroll(0, dy)
        else:
            self._line_numbers.update(0, rect.y(), self._line_numbers.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._update_margin()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        area = self.contentsRect()
        width = self.line_number_width()
        self._line_numbers.setGeometry(QRect(area.left(), area.top(), width, area.height()))

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        painter = QPainter(self._line_numbers)
        background = QColor(self.palette().color(self.palette().ColorRole.Window))
        painter.fillRect(event.rect(), background)
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        current = self.textCursor().blockNumber()
        error_lines = {p.line - 1 for p in self.problems if p.severity == "error"}
        width = self._line_numbers.width() - 5
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                if number in error_lines:
                    painter.setPen(self.theme.error)
                elif number == current:
                    painter.setPen(self.palette().color(self.palette().ColorRole.Text))
                else:
                    painter.setPen(self.theme.line_number)
                painter.drawText(0, top, width, height, Qt.AlignmentFlag.AlignRight, str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1

    def _on_cursor_moved(self) -> None:
        self._refresh_selections()
        self._line_numbers.update()
        line, column = self.cursor_place()
        self.cursor_place_changed.emit(line, column)


def _is_comment(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("%") and not stripped.startswith("%%")


def _uncomment(line: str) -> str:
    indent = len(line) - len(line.lstrip())
    rest = line[indent:]
    rest = rest[2:] if rest.startswith("% ") else rest[1:]
    return line[:indent] + rest


def _abc_paths(mime) -> list[Path]:
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.name.lower().endswith(ABC_SUFFIXES)]
