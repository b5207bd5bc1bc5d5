"""File → Export → ABC (the tune, or the whole tunebook as canonical ABC) and MIDI, through composer.export.

`TuneExports` gets the Document, the window's job system (MIDI runs in its `export` lane, in a child process
under a time limit) and the widget its dialogs sit over (the editor), never the window; it says what happened
through `status_message`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from composer.abc.tunebook import Tune
from composer.export import ExportOptions, export_text, export_tunes
from composer.notation.time_limit import run_with_time_limit
from composer.ui.document import Document
from composer.ui.jobs import NewestOnly
from composer.ui.tunebook.files import ABC_FILTER

EXPORT = "export"


class TuneExports(QObject):
    """Exports of the tune under the cursor or of the whole tunebook."""

    status_message = Signal(str, int)  # text for the status bar, how long in ms (0: until replaced)

    def __init__(self, document: Document, jobs: NewestOnly, dialog_parent: QWidget | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.jobs = jobs
        self.dialog_parent = dialog_parent
        jobs.on(EXPORT, result=self._exported, failed=self._failed)

    def export_tune_abc(self, path: str | Path) -> None:
        tune = self.document.current_tune
        if tune is not None:
            export_tunes(self.document.tunebook(), path, ExportOptions(suffix=".abc", line=tune.line))

    def export_book_abc(self, path: str | Path) -> None:
        export_tunes(self.document.tunebook(), path, ExportOptions(suffix=".abc", canonical=True))

    def export_midi(self, path: str | Path) -> int:
        """Write the current tune as MIDI in the background (composer.export), in a child process under a time
        limit (composer.notation.time_limit); returns the request."""
        tune = self.document.current_tune
        if tune is None:
            return 0
        options = ExportOptions(suffix=".mid", line=tune.line)
        return self.jobs.submit(EXPORT, run_with_time_limit, export_text, self.document.text, str(path), options)

    def export_tune_abc_dialog(self) -> None:
        if self._tune_or_warn() and (name := self._export_name("Export tune as ABC", ".abc", ABC_FILTER)):
            self.export_tune_abc(name)

    def export_book_abc_dialog(self) -> None:
        if name := self._export_name("Export tunebook as canonical ABC", ".abc", ABC_FILTER):
            self.export_book_abc(name)

    def export_midi_dialog(self) -> None:
        if self._tune_or_warn() and (name := self._export_name("Export tune as MIDI", ".mid",
                                                               "MIDI files (*.mid *.midi)")):
            self.export_midi(name)
            self.status_message.emit("Exporting MIDI…", 0)

    def _tune_or_warn(self) -> Tune | None:
        tune = self.document.current_tune
        if tune is None:
            QMessageBox.information(self.dialog_parent, "Export", "There is no tune to export.")
        return tune

    def _export_name(self, title: str, suffix: str, filter_text: str) -> str | None:
        name, _ = QFileDialog.getSaveFileName(self.dialog_parent, title,
                                              str(self.document.suggested_export_path(suffix)), filter_text)
        return name or None

    def _exported(self, result) -> None:
        self.status_message.emit(f"Exported {', '.join(p.name for p in result.written)}", 5000)

    def _failed(self, error: Exception) -> None:
        QMessageBox.warning(self.dialog_parent, "Export failed", str(error))
