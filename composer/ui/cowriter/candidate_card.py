"""Candidates on screen: a card each (preview, text, Play / Compare / Again / Accept), one under another."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QPixmap, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from composer.ui.cowriter.previews import Preview

if TYPE_CHECKING:
    from composer.ui.cowriter.batches import Candidate

_BAR_LINE = re.compile(r"::|:*\|+[:\]]*|\[\|")
_MUSIC = re.compile(r"[A-Ga-gzxZ]")
PLACEMENT_LABELS = {
    "cursor": "Insert at the Cursor",
    "selection": "Replace the Selection",
    "rest": "Replace the Rest of the Tune",
    "new": "Add as a New Tune",
}
REASON_LABELS = {"end": "complete", "bars": "bars done", "chars": "length limit", "cancelled": "cancelled"}


def bar_count(text: str) -> int:
    """Bars written in `text`: the bar lines that close some music (a repeat sign counts once; a part's
    opening `|:` after the previous part's `:|` closes nothing and does not count)."""
    pieces = _BAR_LINE.split(re.sub(r'"[^"]*"|![^!\n]*!|\+[^+\n]*\+', "", text))
    return sum(1 for piece in pieces[:-1] if _MUSIC.search(piece))


def fixed_font():
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
        self.text_view.setFont(fixed_font())
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

    def show_candidate(self, candidate: Candidate, *, can_sample_again: bool) -> None:
        """Show the candidate's text so far and its state (`sampling… 3 bars`, `8 bars · complete`)."""
        self.set_text(candidate.text)
        bars = bar_count(candidate.text)
        if candidate.reason is None:
            self.set_state(f"sampling… {bars} bars")
        else:
            self.set_state(f"{bars} bars · {REASON_LABELS.get(candidate.reason, candidate.reason)}"
                           + ("" if candidate.form_kept else " · form not kept"))
            self.state_label.setToolTip("" if candidate.form_kept else
                                        "The form left no way on from a place in this candidate, so it went on "
                                        "with the music's rules alone.")
        self.set_finished(candidate.finished and candidate.reason != "failed")
        self.regenerate_button.setEnabled(candidate.finished and can_sample_again)

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


class CandidateCards(QScrollArea):
    """The shown batch's cards, one under another; their buttons' signals name the candidate by index."""

    play_clicked = Signal(int)
    compare_toggled = Signal(int, bool)
    regenerate_clicked = Signal(int)
    accept_clicked = Signal(int, str)  # index, placement ("" = the default)
    accept_menu_opening = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[CandidateCard] = []
        self.holder = QWidget(objectName="cards")
        self._layout = QVBoxLayout(self.holder)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._layout.addStretch(1)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.holder)

    def show_candidates(self, candidates: Sequence[Candidate], placements: Sequence[str],
                        has_selection: bool) -> None:
        """A new card for each candidate (the old cards go), with its preview and the Accept places offered."""
        for card in self.cards:
            self._layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        for candidate in candidates:
            card = CandidateCard(candidate.index)
            card.set_placements(placements, has_selection)
            card.play_clicked.connect(self.play_clicked)
            card.compare_toggled.connect(self.compare_toggled)
            card.regenerate_clicked.connect(self.regenerate_clicked)
            card.accept_clicked.connect(self.accept_clicked)
            card.accept_menu.aboutToShow.connect(self.accept_menu_opening)
            self._layout.insertWidget(self._layout.count() - 1, card)
            self.cards.append(card)
            card.set_preview(candidate.preview)

    def set_placements(self, placements: Sequence[str], has_selection: bool) -> None:
        for card in self.cards:
            card.set_placements(placements, has_selection)

    def marked(self) -> list[int]:
        """The candidates marked Compare, in order."""
        return [card.index for card in self.cards if card.compare_button.isChecked()]

    def show_silence(self) -> None:
        """Every Play button says Play."""
        for card in self.cards:
            card.set_playing(False)
