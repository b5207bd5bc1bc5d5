"""The problems list: every diagnostic of the tunebook; a click jumps to its place in the text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from composer.ui.editor.editor import Problem


class ProblemsList(QTreeWidget):
    """Shows Problems sorted by place; emits `problem_activated(line, column)`."""

    problem_activated = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Line", "Col", "Message"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        header = self.header()
        # Fixed widths for the numbers: sizing a column to its contents asks each of up to a thousand items for
        # its text, and each ask waits for the GIL while a check runs in a worker thread (seconds in all).
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(True)
        self.itemClicked.connect(self._on_clicked)
        self.itemActivated.connect(self._on_clicked)
        self.problems: list[Problem] = []
        self._fit_number_columns("9999")

    def show_problems(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        self.clear()
        error_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warning_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        items = []
        for problem in self.problems:
            item = QTreeWidgetItem([str(problem.line), str(problem.column), problem.message])
            item.setIcon(0, error_icon if problem.severity == "error" else warning_icon)
            item.setToolTip(2, problem.message)
            item.setTextAlignment(0, right)
            items.append(item)
        self.addTopLevelItems(items)  # one call: one layout of the list, not one per problem
        if self.problems:
            self._fit_number_columns(str(max(max(p.line, p.column) for p in self.problems)))

    def _fit_number_columns(self, widest: str) -> None:
        """Line and column wide enough for `widest` (and their titles), the line's icon beside it."""
        metrics = self.fontMetrics()
        digits = max(metrics.horizontalAdvance(widest), metrics.horizontalAdvance("Line"))
        icon = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.setColumnWidth(0, digits + icon + 24)
        self.setColumnWidth(1, max(metrics.horizontalAdvance(widest), metrics.horizontalAdvance("Col")) + 16)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        index = self.indexOfTopLevelItem(item)
        if 0 <= index < len(self.problems):
            problem = self.problems[index]
            self.problem_activated.emit(problem.line, problem.column)
