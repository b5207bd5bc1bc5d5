"""Ghost text: grey text drawn after the editor's cursor on a transparent overlay, never part of the document."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class GhostText(QWidget):
    """An overlay on `editor`'s viewport that draws `text` in grey from the cursor on (the first line after the
    cursor, further lines below it at the text's left edge) and a faint `note` after it. It takes no mouse or
    keyboard input, and the document never holds its text, so it never enters the undo stack."""

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor.viewport())
        self.editor = editor
        self.text = ""
        self.note = ""
        self.setObjectName("ghost-text")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        editor.viewport().installEventFilter(self)
        editor.updateRequest.connect(self._follow)

    def show_text(self, text: str, note: str = "") -> None:
        """Draw `text` after the cursor, `note` fainter after it."""
        self.text, self.note = text, note
        self.setGeometry(self.editor.viewport().rect())
        self.show()
        self.raise_()
        self.update()

    def clear(self) -> None:
        if self.text or self.isVisible():
            self.text, self.note = "", ""
            self.hide()

    @property
    def shown(self) -> bool:
        return bool(self.text) and self.isVisible()

    def _follow(self, *_args) -> None:
        """The viewport scrolled or repainted: cover it again (scrolling moves its children) and redraw."""
        if self.isVisible():
            if self.geometry() != self.editor.viewport().rect():
                self.setGeometry(self.editor.viewport().rect())
            self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.editor.viewport() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.editor.viewport().rect())
        return False

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
        grey = _mix(ink, base, 0.5)
        faint = _mix(ink, base, 0.3)
        cursor = self.editor.cursorRect()
        left = round(self.editor.document().documentMargin() + self.editor.contentOffset().x())
        top = cursor.top()
        x = cursor.right() + 1
        height = max(metrics.height(), cursor.height())
        lines = self.text.split("\n")
        for number, line in enumerate(lines):
            if number:
                x, top = left, top + height
            width = metrics.horizontalAdvance(line)
            if number and line:  # a line of its own: cover what the document has there
                painter.fillRect(x, top, width + metrics.horizontalAdvance(" "), height, base)
            painter.setPen(grey)
            baseline = top + (height - metrics.height()) // 2 + metrics.ascent()
            painter.drawText(QPoint(x, baseline), line)
            x += width
        if self.note:
            small = QFont(font)
            small.setItalic(False)
            small.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
            painter.setFont(small)
            painter.setPen(faint)
            painter.drawText(QPoint(x + metrics.horizontalAdvance("  "), baseline), self.note)
        painter.end()


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    """`share` of `a` over `b`."""
    return QColor(round(a.red() * share + b.red() * (1 - share)), round(a.green() * share + b.green() * (1 - share)),
                  round(a.blue() * share + b.blue() * (1 - share)))
