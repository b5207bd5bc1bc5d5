"""A generated candidate on screen: its small engraved preview, its text, and its buttons (play, compare,
regenerate, accept); the side-by-side comparison of marked candidates; the preview renderer (worker thread)."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QImage, QPainter, QPixmap, QTextCursor
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from composer.notation.engrave import engrave_svg

#: Format lines put before a preview so it engraves narrow and tight.
PREVIEW_FORMAT = ("%%pagewidth 19cm\n%%leftmargin 0.3cm\n%%rightmargin 0.3cm\n%%topspace 0\n%%musicspace 0\n"
                  "%%staffsep 1.3cm\n%%composerspace 0\n")
_ROOT_COLOR = re.compile(r'(<svg\b[^>]*?\bcolor=")black(")', re.S)
_BAR_LINE = re.compile(r"::|:*\|+[:\]]*|\[\|")
PLACEMENT_LABELS = {
    "cursor": "Insert at the Cursor",
    "selection": "Replace the Selection",
    "rest": "Replace the Rest of the Tune",
    "new": "Add as a New Tune",
}


@dataclass(frozen=True)
class Preview:
    """A candidate's engraving as an image, for the text it was made from (`length` characters)."""

    image: QImage | None
    length: int
    message: str = ""


def render_preview(text: str, width: int, ink: str = "#000000", paper: str = "#ffffff",
                   length: int = 0) -> Preview:
    """Engrave ABC `text` small and draw its first picture `width` pixels wide (runs in a worker thread)."""
    engraved = engrave_svg(PREVIEW_FORMAT + text)
    if engraved.is_empty:
        message = engraved.messages[0].message if engraved.messages else "nothing to draw yet"
        return Preview(None, length, message)
    page = engraved.pages[0]
    svg = _ROOT_COLOR.sub(rf"\g<1>{ink}\g<2>", page.svg, count=1)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    height = max(1, round(page.height * width / max(page.width, 1.0)))
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(paper))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return Preview(image, length)


def bar_count(text: str) -> int:
    """Bar lines written in `text` (a repeat sign counts once)."""
    return len(_BAR_LINE.findall(re.sub(r'"[^"]*"', "", text)))


def _fixed_font():
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class CandidateCard(QFrame):
    """One candidate: header (number, state), preview, text, and Play / Compare / Regenerate / Accept."""

    play_clicked = Signal(int)
    compare_toggled = Signal(int, bool)
    regenerate_clicked = Signal(int)
    accept_clicked = Signal(int, str)  # index, placement ("" = the default)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName(f"candidate-{index + 1}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(f"<b>{index + 1}</b>")
        self.state_label = QLabel()
        self.state_label.setObjectName("state")
        self.play_button = self._button("Play", "Play this candidate (from the bar it starts in)")
        self.play_button.setCheckable(True)
        self.play_button.clicked.connect(lambda: self.play_clicked.emit(self.index))
        self.compare_button = self._button("Compare", "Mark for side-by-side comparison")
        self.compare_button.setCheckable(True)
        self.compare_button.toggled.connect(lambda on: self.compare_toggled.emit(self.index, on))
        self.regenerate_button = self._button("Again", "Sample this candidate again with a new seed")
        self.regenerate_button.clicked.connect(lambda: self.regenerate_clicked.emit(self.index))
        self.accept_button = self._button("Accept", "Put this candidate into the tunebook (one undoable edit)")
        self.accept_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.accept_button.clicked.connect(lambda: self.accept_clicked.emit(self.index, ""))
        self.accept_menu = QMenu(self.accept_button)
        self.accept_button.setMenu(self.accept_menu)

        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text_view = QPlainTextEdit()
        self.text_view.setObjectName("text")
        self.text_view.setReadOnly(True)
        self.text_view.setFont(_fixed_font())
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text_view.setFixedHeight(self.text_view.fontMetrics().lineSpacing() * 4 + 12)
        self._shown_text = ""

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title)
        header.addWidget(self.state_label, 1)
        for button in (self.play_button, self.compare_button, self.regenerate_button, self.accept_button):
            header.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.preview)
        layout.addWidget(self.text_view)
        self.set_finished(False)

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    def set_placements(self, placements: Sequence[str], has_selection: bool) -> None:
        """The places the Accept menu offers (Placement values)."""
        self.accept_menu.clear()
        for placement in placements:
            action = self.accept_menu.addAction(PLACEMENT_LABELS[placement])
            action.setData(placement)
            action.setEnabled(placement != "selection" or has_selection)
            action.triggered.connect(lambda _checked=False, p=placement: self.accept_clicked.emit(self.index, p))

    def set_text(self, text: str) -> None:
        """Show `text`; while a candidate grows, only the new characters are added (no layout of the rest)."""
        shown = self._shown_text
        if text == shown:
            return
        if shown and text.startswith(shown):
            cursor = QTextCursor(self.text_view.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text[len(shown):])
        else:
            self.text_view.setPlainText(text)
        self._shown_text = text
        bar = self.text_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def set_state(self, text: str) -> None:
        self.state_label.setText(text)

    def set_finished(self, finished: bool) -> None:
        """Play, regenerate and accept only once the candidate is complete."""
        for button in (self.play_button, self.regenerate_button, self.accept_button):
            button.setEnabled(finished)

    def set_preview(self, preview: Preview | None) -> None:
        if preview is None or preview.image is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(preview.message if preview else "")
            self.preview.setFixedHeight(self.preview.fontMetrics().lineSpacing() * 2)
            return
        pixmap = QPixmap.fromImage(preview.image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.preview.setPixmap(pixmap)
        self.preview.setFixedHeight(round(preview.image.height() / self.devicePixelRatioF()))

    def set_playing(self, playing: bool) -> None:
        self.play_button.setChecked(playing)
        self.play_button.setText("Stop" if playing else "Play")


def differing_bars_html(text: str, reference: str) -> str:
    """`text` as HTML with the bars that are not in `reference` in bold (both split at bar lines)."""
    def bars(value: str) -> list[str]:
        return [piece for piece in re.split(r"(?<=\|)", value) if piece]

    mine, theirs = bars(text), bars(reference)
    same = [False] * len(mine)
    for block in difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            same[i] = True
    pieces = [html.escape(bar) if kept else f"<b><u>{html.escape(bar)}</u></b>"
              for bar, kept in zip(mine, same, strict=True)]
    return "<pre style='white-space: pre-wrap'>" + "".join(pieces) + "</pre>"


class CompareDialog(QDialog):
    """Marked candidates side by side: preview and text, the bars that differ from the first one in bold."""

    play_clicked = Signal(int)
    accept_clicked = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare Candidates")
        self.setObjectName("compare-candidates")
        self.resize(1000, 560)
        self.columns: list[QWidget] = []
        self._row = QHBoxLayout()
        holder = QWidget()
        holder.setLayout(self._row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)

    def show_candidates(self, entries: Sequence[tuple[int, str, Preview | None]]) -> None:
        """Show (index, generated text, preview) for each marked candidate, in order."""
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.columns = []
        reference = entries[0][1] if entries else ""
        for index, text, preview in entries:
            column = QFrame()
            column.setFrameShape(QFrame.Shape.StyledPanel)
            column.setObjectName(f"compare-{index + 1}")
            box = QVBoxLayout(column)
            top = QHBoxLayout()
            top.addWidget(QLabel(f"<b>Candidate {index + 1}</b>"), 1)
            play = QToolButton(text="Play")
            play.clicked.connect(lambda _checked=False, i=index: self.play_clicked.emit(i))
            accept = QToolButton(text="Accept")
            accept.clicked.connect(lambda _checked=False, i=index: self.accept_clicked.emit(i, ""))
            top.addWidget(play)
            top.addWidget(accept)
            box.addLayout(top)
            picture = QLabel()
            if preview is not None and preview.image is not None:
                picture.setPixmap(QPixmap.fromImage(preview.image))
            box.addWidget(picture)
            words = QTextBrowser()
            words.setObjectName("compare-text")
            words.setFont(_fixed_font())
            words.setHtml(differing_bars_html(text, reference))
            box.addWidget(words, 1)
            self._row.addWidget(column)
            self.columns.append(column)
