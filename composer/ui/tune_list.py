"""The tune list: one row per tune of the tunebook (X:, title, meter, key); a click jumps to the tune."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from composer.abc.tunebook import Tunebook

COLUMNS = ("X", "Title", "M", "K")


class TuneList(QTreeWidget):
    """Lists a Tunebook's tunes; emits `tune_activated(line)` with the first line of the chosen tune."""

    tune_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.itemClicked.connect(self._on_clicked)
        self.itemActivated.connect(self._on_clicked)
        self._rows: list[tuple[str, ...]] = []
        self._lines: list[int] = []

    def show_tunebook(self, book: Tunebook) -> None:
        """Show `book`'s tunes (rebuilding rows only when what they show changed)."""
        rows = [(str(t.reference) if t.reference is not None else "", t.title or "(untitled)", t.meter or "",
                 t.key or "") for t in book.tunes]
        self._lines = [t.line for t in book.tunes]
        if rows == self._rows:
            return
        self._rows = rows
        self.blockSignals(True)
        self.clear()
        for row in rows:
            item = QTreeWidgetItem(list(row))
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.addTopLevelItem(item)
        self.blockSignals(False)

    def select_tune(self, index: int | None) -> None:
        """Select row `index` without emitting `tune_activated` (None clears the selection)."""
        self.blockSignals(True)
        if index is None or index >= self.topLevelItemCount():
            self.clearSelection()
        else:
            item = self.topLevelItem(index)
            self.setCurrentItem(item)
            self.scrollToItem(item)
        self.blockSignals(False)

    def row_texts(self) -> list[tuple[str, ...]]:
        """What the rows show, for tests and tools."""
        return list(self._rows)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        index = self.indexOfTopLevelItem(item)
        if 0 <= index < len(self._lines):
            self.tune_activated.emit(self._lines[index])
