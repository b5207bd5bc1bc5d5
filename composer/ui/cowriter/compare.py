"""Marked candidates side by side, the bars that differ from the first one in bold."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from composer.ui.cowriter.candidate_card import fixed_font
from composer.ui.cowriter.previews import Preview


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
            words.setFont(fixed_font())
            words.setHtml(differing_bars_html(text, reference))
            box.addWidget(words, 1)
            self._row.addWidget(column)
            self.columns.append(column)
