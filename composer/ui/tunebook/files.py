"""The tunebook as a file: New, New Tune from Template, Open (dialog, recent files, dropped files), Save, Save As,
Revert, the unsaved-changes question, autosave, and the offer to restore what a crashed session autosaved.

`TunebookFiles` gets the editor (which owns the live text and its undo, and which its dialogs sit over), the
Document, the Settings (recent files) and the AutosaveStore, never the window. It emits `loaded` when a new text
is in the editor (the window engraves and checks it), `status_message(text, ms)` for the status bar,
`path_changed(path)` ("" when untitled), and for the window's title bar `title_changed(title, path)` and
`modified_changed(modified)`.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QMenu, QMessageBox, QPushButton

from composer.abc.tunebook import decode, normalize_newlines, read_string
from composer.errors import AbcError
from composer.notation.atomic_file import write_bytes_atomically
from composer.ui.document import Document
from composer.ui.editor.editor import AbcEditor
from composer.ui.settings import Settings
from composer.ui.tunebook.autosave import AutosaveRecord, AutosaveStore

ABC_FILTER = "ABC tunebooks (*.abc);;Text files (*.txt);;All files (*)"


class TunebookFiles(QObject):
    """Reading and writing the document's file, the recent files, autosave and recovery."""

    loaded = Signal()  # a new text is in the editor
    status_message = Signal(str, int)  # text for the status bar, how long in ms
    path_changed = Signal(str)  # "" when untitled
    title_changed = Signal(str, str)  # the window title ("name[*] — Composer"), the file's path ("" untitled)
    modified_changed = Signal(bool)  # the text is (or is no longer) unsaved, said where Qt stays silent

    def __init__(self, editor: AbcEditor, document: Document, settings: Settings, autosave: AutosaveStore,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document = document
        self.settings = settings
        self.autosave = autosave
        self.path: Path | None = None
        self._untitled_name: str | None = None
        self._last_autosaved: str | None = None
        self._pending_recoveries: list[AutosaveRecord] = []
        self.recovery_banner = RecoveryBanner()
        self.recovery_banner.restore_button.clicked.connect(self._restore_recovery)
        self.recovery_banner.discard_button.clicked.connect(self._discard_recovery)
        self.revert_action = QAction("Re&vert", self)
        self.revert_action.setStatusTip("Reload the file as last saved")
        self.revert_action.triggered.connect(lambda _checked=False: self.revert())
        self.recent_menu = QMenu("Open &Recent", editor)  # a popup: the editor lends it the window's palette
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        editor.files_dropped.connect(self._open_dropped)

    # ------------------------------------------------------------------------------------------ reading
    def load_text(self, text: str, path: Path | None, *, modified: bool = False,
                  untitled_name: str | None = None) -> None:
        """Show `text` as the document of `path` (None: untitled, shown as `untitled_name` or "Untitled")."""
        self.path = Path(path) if path else None
        self._untitled_name = None if path else untitled_name
        if not self.editor.load_text(normalize_newlines(text)):
            self.status_message.emit("A long tunebook: shown without syntax colours, so it stays quick.", 8000)
        self.editor.document().setModified(modified)
        self.modified_changed.emit(modified)  # setPlainText said "modified", took it back silently
        self._last_autosaved = None
        self.editor.go_to(1, 1)
        self.document.replace(self.path)
        self.update_title()
        self.path_changed.emit(str(self.path) if self.path else "")
        self.loaded.emit()

    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a tunebook file (asking first about unsaved changes unless `ask` is False)."""
        path = Path(path)
        if ask and not self.maybe_save():
            return False
        try:
            data = path.read_bytes()
        except OSError as exc:
            QMessageBox.warning(self.editor, "Cannot open", f"{path}: {exc.strerror or exc}")
            self.settings.remove_recent(str(path.resolve()))
            return False
        try:
            text = decode(data, str(path))
        except AbcError as exc:
            self._say_cannot_open(exc.located())
            return False
        self.autosave.discard()
        self.load_text(text, path)
        self.settings.add_recent(path)
        self.status_message.emit(f"Opened {path}", 3000)
        return True

    def _say_cannot_open(self, message: str) -> None:
        """Say why a file was not opened in a window-modal box that does not block the caller."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open", message, QMessageBox.StandardButton.Ok,
                          self.editor)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self.editor, "Open tunebook", start, ABC_FILTER)
        if name:
            self.open_path(name)

    def new_document(self) -> bool:
        if not self.maybe_save():
            return False
        self.autosave.discard()
        self.load_text("", None)
        return True

    def new_tune_from_template(self, template: Path) -> None:
        """Append a tune from `template` with the next free X: number, and select its title."""
        text = self.editor.toPlainText()
        book = read_string(text)
        number = max([t.reference or 0 for t in book.tunes] + [0]) + 1
        body = template.read_text(encoding="utf-8").strip("\n")
        body = re.sub(r"^X:.*$", f"X:{number}", body, count=1, flags=re.M)
        if not text.strip() or text.endswith("\n\n"):
            separator = ""
        else:
            separator = "\n" if text.endswith("\n") else "\n\n"
        cursor = self.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(separator + body + "\n")
        first = self.editor.document().blockCount() - body.count("\n") - 1
        for offset, line in enumerate(body.split("\n")):
            if line.startswith("T:"):
                self.editor.go_to(first + offset, 3, select=len(line) - 2)
                break

    def _open_dropped(self, paths: list[Path]) -> None:
        if paths:
            self.open_path(paths[0])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for number, name in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{number % 10} {Path(name).name}  —  {Path(name).parent}")
            action.triggered.connect(lambda _checked=False, n=name: self.open_path(n))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear List", lambda: self.settings.set_value("files", "recent", []))

    def update_title(self) -> None:
        name = self.path.name if self.path else (self._untitled_name or "Untitled")
        self.title_changed.emit(f"{name}[*] — Composer", str(self.path) if self.path else "")
        self.revert_action.setEnabled(self.path is not None)

    # ------------------------------------------------------------------------------------------ writing
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else str(Path.home() / "tunes.abc")
        name, _ = QFileDialog.getSaveFileName(self.editor, "Save tunebook as", start, ABC_FILTER)
        if not name:
            return False
        if not Path(name).suffix:
            name += ".abc"
        return self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        """Write the text to `path` atomically (a temporary file renamed over it); it becomes the document."""
        try:
            write_bytes_atomically(path, self.editor.toPlainText().encode("utf-8"))
        except OSError as exc:
            QMessageBox.warning(self.editor, "Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        self.path = Path(path)
        self.document.set_path(self.path)
        self.editor.document().setModified(False)
        self.autosave.discard()
        self._last_autosaved = None
        self.settings.add_recent(path)
        self.update_title()
        self.path_changed.emit(str(self.path))
        self.status_message.emit(f"Saved {path}", 3000)
        return True

    def revert(self) -> bool:
        if self.path is None or not self.path.is_file():
            return False
        if self.editor.document().isModified():
            buttons = QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
            question = f"Discard your changes to {self.path.name}?"
            answer = QMessageBox.question(self.editor, "Revert", question, buttons)
            if answer != QMessageBox.StandardButton.Discard:
                return False
        return self.open_path(self.path, ask=False)

    def maybe_save(self) -> bool:
        """Ask about unsaved changes: True when it is fine to go on (saved or discarded)."""
        if not self.editor.document().isModified():
            return True
        name = self.path.name if self.path else "Untitled"
        answer = QMessageBox.warning(
            self.editor, "Unsaved changes", f"Save the changes to {name} before going on?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # --------------------------------------------------------------------------- autosave and recovery
    def autosave_now(self) -> bool:
        """Write an autosave copy if the text changed since the last save or autosave."""
        if not self.editor.document().isModified():
            return False
        text = self.editor.toPlainText()
        if text == self._last_autosaved:
            return False
        try:
            self.autosave.save(text, str(self.path.resolve()) if self.path else None)
        except OSError as exc:
            self.status_message.emit(f"Autosave failed: {exc}", 8000)
            return False
        self._last_autosaved = text
        return True

    def offer_recovery(self) -> int:
        """Look for autosave copies left by a crashed session and offer the newest; returns how many."""
        self._pending_recoveries = self.autosave.orphans()
        self._show_next_recovery()
        return len(self._pending_recoveries)

    def _show_next_recovery(self) -> None:
        if not self._pending_recoveries:
            self.recovery_banner.hide()
            return
        self.recovery_banner.show_record(self._pending_recoveries[0])

    def _restore_recovery(self) -> None:
        if not self._pending_recoveries:
            return
        if not self.maybe_save():
            return
        record = self._pending_recoveries.pop(0)
        text = record.text()
        self.load_text(text, Path(record.original) if record.original else None, modified=True)
        AutosaveStore.forget(record)
        self.autosave_now()
        self.status_message.emit(f"Recovered unsaved changes to {record.name}", 5000)
        self._show_next_recovery()

    def _discard_recovery(self) -> None:
        if self._pending_recoveries:
            AutosaveStore.forget(self._pending_recoveries.pop(0))
        self._show_next_recovery()


class RecoveryBanner(QFrame):
    """A bar over the editor offering text a crashed session autosaved."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.restore_button = QPushButton("Restore")
        self.discard_button = QPushButton("Discard")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.restore_button)
        layout.addWidget(self.discard_button)
        self.hide()

    def show_record(self, record: AutosaveRecord) -> None:
        when = datetime.fromtimestamp(record.saved_at).strftime("%Y-%m-%d %H:%M")
        self.message.setText(f"Composer stopped before {record.name} was saved. Unsaved changes from {when} "
                             "were kept.")
        self.show()
