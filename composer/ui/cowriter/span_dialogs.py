"""The Rewrite Bars and Add Chords dialogs: each runs its model job with progress and Cancel, then asks for an edit."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from composer.model.rewrite import Candidate
from composer.ui.cowriter.span_work import ChordsAnswer, RewriteAnswer
from composer.ui.jobs import Answer, Job

RANK_WORDS = {"together": "the log-probability of the span and the music after it",
              "following": "the log-probability of the music after the span"}
CHANGED = "The text changed while the model worked: nothing was replaced. Run it again."


class _JobDialog(QDialog):
    """A dialog that runs one Job: a status line, a busy bar and Cancel; `ended` says how it went."""

    edit_requested = Signal(object)  # TextEdit
    ended = Signal(str)  # "done", "cancelled", "failed"

    def __init__(self, title: str, current_text: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._current_text = current_text
        self.job: Job | None = None
        self.status = QLabel(objectName="status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar(objectName="busy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(10)
        self.busy.hide()
        self.cancel_button = QPushButton("Cancel", objectName="cancel")
        self.cancel_button.clicked.connect(self.cancel)

    def run(self, job: Job) -> Job:
        """Start `job` (a generator of status lines returning the answer)."""
        self.job = job
        job.progress.connect(self.status.setText)
        job.result.connect(self._on_result)
        job.failed.connect(self._on_failed)
        self.busy.show()
        self._working(True)
        job.start()
        return job

    def cancel(self) -> None:
        if self.job is not None and self.job.is_running():
            self.job.cancel()
            self.job = None
            self.busy.hide()
            self._working(False)
            self.status.setText("Cancelled.")
            self.ended.emit("cancelled")
        else:
            self.reject()

    def _on_result(self, answer: Answer) -> None:
        if self.job is None or answer.value is None:  # cancelled
            return
        self.job = None
        self.busy.hide()
        self._working(False)
        self.show_answer(answer.value)
        self.ended.emit("done")

    def _on_failed(self, error: Exception) -> None:
        if self.job is None:
            return
        self.job = None
        self.busy.hide()
        self._working(False)
        self.status.setText(str(error))
        self.ended.emit("failed")

    def _working(self, working: bool) -> None:
        """Controls follow whether the job runs."""

    def show_answer(self, value) -> None:
        raise NotImplementedError

    def _still_current(self, text: str) -> bool:
        if self._current_text() != text:
            self.status.setText(CHANGED)
            return False
        return True


class RewriteDialog(_JobDialog):
    """The alternatives for the selected bars, best first, with the ranking, K and the cost; Accept replaces
    exactly the span (one undo step)."""

    def __init__(self, current_text: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__("Rewrite Bars", current_text, parent)
        self.setObjectName("rewrite-dialog")
        self.answer: RewriteAnswer | None = None
        self.table = QTableWidget(0, 4, objectName="alternatives")
        self.table.setHorizontalHeaderLabels(["Bars", "Score", "After it", "Itself"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.verticalHeader().setVisible(False)
        self.table.itemDoubleClicked.connect(lambda _item: self.accept_chosen())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.setToolTip("Log-probabilities in nats (higher is likelier): the score ranks them")
        self.accept_button = QPushButton("Accept", objectName="accept")
        self.accept_button.setDefault(True)
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(self.accept_chosen)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.accept_button)
        layout.addLayout(buttons)
        self.resize(640, 300)

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.answer.rewrite.candidates if self.answer is not None else ()

    def show_answer(self, answer: RewriteAnswer) -> None:
        self.answer = answer
        r = answer.rewrite
        shown = r.candidates
        self.status.setText(
            f"Bars {r.first}–{r.last} of {r.tune.label}: the best {len(shown)} of K = {r.samples} sampled spans, "
            f"ranked by {RANK_WORDS.get(r.rank, r.rank)}. Cost: {r.seconds:.2f} s, {r.calls} model calls, "
            f"{r.chars_fed:,} characters fed.")
        rows = [*shown, r.original]
        self.table.setRowCount(len(rows))
        for row, candidate in enumerate(rows):
            cells = [candidate.text.replace("\n", " ⏎ "), f"{getattr(candidate, r.rank):.1f}",
                     f"{candidate.following:.1f}", f"{candidate.own:.1f}"]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if candidate is r.original:
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                    item.setToolTip("The bars as written, scored the same way")
                self.table.setItem(row, column, item)
        self.table.setVerticalHeaderLabels([str(i + 1) for i in range(len(shown))] + ["as written"])
        self.table.resizeColumnsToContents()
        if shown:
            self.table.selectRow(0)
        self.table.setFocus()
        self.cancel_button.setText("Close")

    def chosen(self) -> Candidate | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.candidates):
            return None
        return self.candidates[rows[0].row()]

    def accept_chosen(self, candidate: Candidate | None = None) -> bool:
        """Ask for the span to be replaced with `candidate` (the chosen row); False when the text changed since."""
        candidate = candidate or self.chosen()
        if self.answer is None or candidate is None or not self._still_current(self.answer.text):
            return False
        self.edit_requested.emit(self.answer.edit_for(candidate))
        self.accept()
        return True

    def _update_buttons(self) -> None:
        self.accept_button.setEnabled(self.chosen() is not None)

    def _working(self, working: bool) -> None:
        self.accept_button.setEnabled(not working and self.chosen() is not None)


class AddChordsDialog(_JobDialog):
    """Options (a chord per bar or per beat, keep or replace written chords, the tune or the selected bars); Add
    Chords runs the model and asks for the tune's text to be replaced (one undo step; the melody unchanged)."""

    def __init__(self, current_text: Callable[[], str], has_selection: bool, start: Callable[[str, bool, bool], Job],
                 parent: QWidget | None = None) -> None:
        super().__init__("Add Chords", current_text, parent)
        self.setObjectName("add-chords-dialog")
        self._start = start
        self._has_selection = has_selection
        self.answer: ChordsAnswer | None = None
        self.per_bar = QRadioButton("One chord a &bar", objectName="per-bar", checked=True)
        self.per_beat = QRadioButton("Also on the &middle beat, where the model wants one", objectName="per-beat")
        self._per = QButtonGroup(self)
        self._per.addButton(self.per_bar)
        self._per.addButton(self.per_beat)
        self.replace_check = QCheckBox("&Replace the chords already written (else keep them)", objectName="replace")
        self.whole_tune = QRadioButton("The whole &tune", objectName="whole-tune", checked=not has_selection)
        self.selected_bars = QRadioButton("The &selected bars", objectName="selected-bars", checked=has_selection)
        self.selected_bars.setEnabled(has_selection)
        self._scope = QButtonGroup(self)
        self._scope.addButton(self.whole_tune)
        self._scope.addButton(self.selected_bars)
        self.run_button = QPushButton("Add Chords", objectName="run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        layout = QVBoxLayout(self)
        for widget in (self.per_bar, self.per_beat, self.replace_check, self.whole_tune, self.selected_bars,
                       self.status, self.busy):
            layout.addWidget(widget)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.run_button)
        layout.addLayout(buttons)

    @property
    def per(self) -> str:
        return "beat" if self.per_beat.isChecked() else "bar"

    def start(self) -> Job:
        """Run the harmonizer as the options say."""
        return self.run(self._start(self.per, self.replace_check.isChecked(), self.selected_bars.isChecked()))

    def show_answer(self, answer: ChordsAnswer) -> None:
        self.answer = answer
        if not self._still_current(answer.text):
            return
        h = answer.harmonization
        removed = f", {h.removed} taken out" if h.removed else ""
        self.status.setText(f"{len(h.chords)} chord symbols written at {h.places} places{removed}.")
        self.edit_requested.emit(answer.edit())
        self.accept()

    def _working(self, working: bool) -> None:
        self.run_button.setEnabled(not working)
        for widget in (self.per_bar, self.per_beat, self.replace_check, self.whole_tune):
            widget.setEnabled(not working)
        self.selected_bars.setEnabled(not working and self._has_selection)
