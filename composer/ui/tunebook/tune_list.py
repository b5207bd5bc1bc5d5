"""The tune list: one row per tune of the tunebook (X:, title, meter, key), a model updated by diff; a click jumps."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from composer.abc.tunebook import Tunebook

COLUMNS = ("X", "Title", "M", "K")
Row = tuple[str, str, str, str]
_Index = QModelIndex | QPersistentModelIndex


def rows_of(book: Tunebook) -> list[Row]:
    """What the list shows for each tune of `book`."""
    return [(str(t.reference) if t.reference is not None else "", t.title or "(untitled)", t.meter or "",
             t.key or "") for t in book.tunes]


class TuneTable(QAbstractTableModel):
    """The rows of the tune list. `show_rows` changes only the rows that differ from the ones shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt override)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt override)
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt override)
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def show_rows(self, rows: list[Row]) -> None:
        """Show `rows`: the common start and end stay, the middle is changed in place, removed or inserted."""
        old = self.rows
        start = 0
        limit = min(len(old), len(rows))
        while start < limit and old[start] == rows[start]:
            start += 1
        end_old, end_new = len(old), len(rows)
        while end_old > start and end_new > start and old[end_old - 1] == rows[end_new - 1]:
            end_old -= 1
            end_new -= 1
        changed = min(end_old, end_new) - start
        if changed > 0:
            self.rows[start:start + changed] = rows[start:start + changed]
            self.dataChanged.emit(self.index(start, 0), self.index(start + changed - 1, len(COLUMNS) - 1))
        first = start + changed
        if end_old > first:
            self.beginRemoveRows(QModelIndex(), first, end_old - 1)
            del self.rows[first:end_old]
            self.endRemoveRows()
        elif end_new > first:
            self.beginInsertRows(QModelIndex(), first, end_new - 1)
            self.rows[first:first] = rows[first:end_new]
            self.endInsertRows()


class TuneList(QTableView):
    """Lists a Tunebook's tunes; emits `tune_activated(line)` with the first line of the chosen tune.

    A table view, not a tree: laying out its rows asks the model nothing per row (a tree view asks for every row's
    index, two calls into Python each; with 12,000 tunes, while a worker thread ran Python, each call waited for the
    interpreter and the window froze for two seconds)."""

    tune_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = TuneTable(self)
        self.setModel(self.table)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        for column, width in ((0, 30), (2, 36), (3, 46)):
            header.resizeSection(column, width)
        self.clicked.connect(self._on_clicked)
        self.activated.connect(self._on_clicked)
        self._lines: list[int] = []
        self._selecting = False

    def show_tunebook(self, book: Tunebook, rows: list[Row] | None = None) -> None:
        """Show `book`'s tunes (only rows whose text changed are touched); `rows`, when given, are its rows."""
        self._lines = [t.line for t in book.tunes]
        self.table.show_rows(rows if rows is not None else rows_of(book))

    def select_tune(self, index: int | None) -> None:
        """Select row `index` without emitting `tune_activated` (None clears the selection)."""
        if index is None or index >= self.table.rowCount():
            self.clearSelection()
            return
        model_index = self.table.index(index, 0)
        if self.currentIndex() != model_index:
            self.setCurrentIndex(model_index)
        self.scrollTo(model_index)

    def row_count(self) -> int:
        return self.table.rowCount()

    def row_texts(self) -> list[Row]:
        """What the rows show, for tests and tools."""
        return list(self.table.rows)

    def _on_clicked(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self._lines):
            self.tune_activated.emit(self._lines[index.row()])
