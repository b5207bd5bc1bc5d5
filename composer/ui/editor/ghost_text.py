"""Ghost text: grey text at the editor's cursor that is never part of the document (so never in the undo stack)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QTextBlock, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit, QWidget

#: Keys that only change the next key: they leave inline ghost text in place.
_MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta,
                  Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock}


class GhostText(QWidget):
    """Draws `text` in grey from the editor's cursor on, and a faint `note` after it.

    At a line's end (or for text of several lines) it is drawn on this transparent overlay of the viewport: the
    first line after the cursor, further lines below it at the text's left edge. Where text follows the cursor on
    its line, one line of ghost text is laid out inline instead, as the line's preedit area (what an input method
    shows while composing), so the text after it moves right and stays readable; the note goes after the line's
    end. The document never holds the ghost text. Inline text takes the cursor's place in the line's layout, so
    the first key (other than a modifier) or mouse press that reaches the editor while it shows emits
    `interrupted` first, for its owner to dismiss it before the editor moves or edits by that layout."""

    interrupted = Signal()
    #: Inline text was laid out (block number, column, length) or taken out again (length 0): for the editor's
    #: underlines after it (AbcEditor.set_inline_gap).
    inline_gap = Signal(int, int, int)

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor.viewport())
        self.editor = editor
        self.text = ""
        self.note = ""
        self._inline: QTextBlock | None = None  # the block whose layout holds the text inline
        self.setObjectName("ghost-text")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        editor.viewport().installEventFilter(self)
        editor.installEventFilter(self)
        editor.updateRequest.connect(self._follow)

    def show_text(self, text: str, note: str = "") -> None:
        """Draw `text` at the cursor (inline where text follows it on its line), `note` fainter after it."""
        self._take_out_inline()
        self.text, self.note = text, note
        cursor = self.editor.textCursor()
        column = cursor.positionInBlock()
        if "\n" not in text and cursor.block().text()[column:]:
            self._put_inline(cursor.block(), column, text)
        self.setGeometry(self.editor.viewport().rect())
        self.show()
        self.raise_()
        self.update()

    def clear(self) -> None:
        self._take_out_inline()
        if self.text or self.isVisible():
            self.text, self.note = "", ""
            self.hide()

    @property
    def shown(self) -> bool:
        return bool(self.text) and self.isVisible()

    @property
    def inline(self) -> bool:
        """Whether the text is laid out inside its line (text follows the cursor there)."""
        return self._inline is not None

    # -- inline: the line's preedit area ----------------------------------------------------------------
    def _put_inline(self, block: QTextBlock, column: int, text: str) -> None:
        layout = block.layout()
        layout.setPreeditArea(column, text)
        grey = QTextLayout.FormatRange()
        grey.start, grey.length = column, len(text)
        grey.format = self._ghost_format()
        # The highlighter's colours after the cursor move right by the ghost's length (as it does itself for
        # an input method's preedit text when it colours the line again).
        layout.setFormats([*_opened(layout.formats(), column, len(text)), grey])
        self._inline = block
        self.editor.document().markContentsDirty(block.position(), block.length())
        self.inline_gap.emit(block.blockNumber(), column, len(text))

    def _take_out_inline(self) -> None:
        block, self._inline = self._inline, None
        if block is None:
            return
        self.inline_gap.emit(-1, 0, 0)  # the editor's moved underlines go out of the line's formats first
        if not block.isValid():
            return
        layout = block.layout()
        column, length = layout.preeditAreaPosition(), len(layout.preeditAreaText())
        if column < 0 or not length:
            return
        layout.setPreeditArea(-1, "")
        layout.setFormats(_closed(layout.formats(), column, length))
        self.editor.document().markContentsDirty(block.position(), block.length())

    def _ghost_format(self) -> QTextCharFormat:
        palette = self.editor.palette()
        ghost = QTextCharFormat()
        ghost.setForeground(_mix(palette.color(palette.ColorRole.Text), palette.color(palette.ColorRole.Base), 0.5))
        ghost.setFontItalic(True)
        return ghost

    # -- following the editor -----------------------------------------------------------------------------
    def _follow(self, *_args) -> None:
        """The viewport scrolled or repainted: cover it again (scrolling moves its children) and redraw."""
        if self.isVisible():
            if self.geometry() != self.editor.viewport().rect():
                self.setGeometry(self.editor.viewport().rect())
            self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if watched is self.editor.viewport() and kind == QEvent.Type.Resize:
            self.setGeometry(self.editor.viewport().rect())
        elif self._inline is not None and self.shown and (
                (watched is self.editor.viewport() and kind in (QEvent.Type.MouseButtonPress,
                                                                QEvent.Type.MouseButtonDblClick))
                or (watched is self.editor and kind == QEvent.Type.KeyPress
                    and event.key() not in _MODIFIER_KEYS)):  # type: ignore[attr-defined]
            self.interrupted.emit()
            if self._inline is not None:  # nobody took it away: the editor must not see the ghost's layout
                self.clear()
        return False

    # -- drawing --------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if not self.text:
            return
        painter = QPainter(self)
        font = QFont(self.editor.font())
        font.setItalic(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        palette = self.editor.palette()
        base = palette.color(palette.ColorRole.Base)
        ink = palette.color(palette.ColorRole.Text)
        faint = _mix(ink, base, 0.3)
        if self._inline is not None:
            end = self._line_end(self._inline)
            x, baseline = end if end is not None else (0, 0)
        else:
            end = self._draw_lines(painter, metrics, _mix(ink, base, 0.5), base)
            x, baseline = end
        if self.note and end is not None:
            small = QFont(font)
            small.setItalic(False)
            small.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
            painter.setFont(small)
            painter.setPen(faint)
            painter.drawText(QPoint(x + metrics.horizontalAdvance("  "), baseline), self.note)
        painter.end()

    def _draw_lines(self, painter: QPainter, metrics, grey: QColor, base: QColor) -> tuple[int, int]:
        """Draw the text from the cursor on; where its last line ends (x, baseline)."""
        cursor = self.editor.cursorRect()
        left = round(self.editor.document().documentMargin() + self.editor.contentOffset().x())
        top = cursor.top()
        x = cursor.right() + 1
        height = max(metrics.height(), cursor.height())
        baseline = top + (height - metrics.height()) // 2 + metrics.ascent()
        for number, line in enumerate(self.text.split("\n")):
            if number:
                x, top = left, top + height
            width = metrics.horizontalAdvance(line)
            if number and line:  # a line of its own: cover what the document has there
                painter.fillRect(x, top, width + metrics.horizontalAdvance(" "), height, base)
            painter.setPen(grey)
            baseline = top + (height - metrics.height()) // 2 + metrics.ascent()
            painter.drawText(QPoint(x, baseline), line)
            x += width
        return x, baseline

    def _line_end(self, block: QTextBlock) -> tuple[int, int] | None:
        """Where the inline text's line ends, ghost text included (x, baseline); None while it is not laid out."""
        if not block.isValid():
            return None
        corner = self.editor.blockBoundingGeometry(block).translated(self.editor.contentOffset()).topLeft()
        layout = block.layout()  # laid out by now: the editor's geometry of a block lays it out
        if layout.lineCount() == 0:
            return None
        line = layout.lineAt(layout.lineCount() - 1)
        corner += layout.position()
        return round(corner.x() + line.naturalTextWidth()), round(corner.y() + line.y() + line.ascent())


def _opened(ranges: list[QTextLayout.FormatRange], column: int, length: int) -> list[QTextLayout.FormatRange]:
    """Format ranges of a line with `length` characters put in at `column` (a range across it grows)."""
    moved = []
    for old in ranges:
        new = QTextLayout.FormatRange()
        new.start, new.length, new.format = old.start, old.length, old.format
        if old.start >= column:
            new.start += length
        elif old.start + old.length > column:
            new.length += length
        moved.append(new)
    return moved


def _closed(ranges: list[QTextLayout.FormatRange], column: int, length: int) -> list[QTextLayout.FormatRange]:
    """Format ranges of a line with the `length` characters at `column` taken out again."""
    moved = []
    for old in ranges:
        if column <= old.start and old.start + old.length <= column + length:
            continue  # the ghost's own
        new = QTextLayout.FormatRange()
        new.start, new.length, new.format = old.start, old.length, old.format
        if old.start >= column + length:
            new.start -= length
        elif old.start < column < old.start + old.length:
            new.length = max(old.length - length, column - old.start)
        moved.append(new)
    return moved


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    """`share` of `a` over `b`."""
    return QColor(round(a.red() * share + b.red() * (1 - share)), round(a.green() * share + b.green() * (1 - share)),
                  round(a.blue() * share + b.blue() * (1 - share)))
