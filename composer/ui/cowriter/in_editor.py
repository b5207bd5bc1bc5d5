"""The co-writer in the editor: suggestions as you type, Rewrite Bars and Add Chords, their actions and toolbar.

`EditorCowriter` gets the editor, the model to run (a callable), the Settings and the widget to parent its dialogs
and toolbar, never the window; the window's side of the wiring is composer.ui.cowriter.docking.put_in_editor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QPlainTextEdit, QToolBar, QWidget

from composer.ui.cowriter.span_dialogs import AddChordsDialog, RewriteDialog
from composer.ui.cowriter.span_work import harmonize_selection, rewrite_selection
from composer.ui.cowriter.suggestions import SuggestionController
from composer.ui.jobs import Job
from composer.ui.settings import Settings


class EditorCowriter(QObject):
    """The model where the cursor is. `suggestions` draws the next bar in grey at a bar's end; Rewrite Bars
    (Ctrl+Alt+R) offers alternatives for the selected bars; Add Chords harmonizes the tune or the selected bars.
    Both run as jobs (slow pool) in a dialog with Cancel and ask for their edit with `edit_requested(TextEdit)`,
    which the window applies as one undo step. `model_path()` names the model file to run (the co-writer's)."""

    edit_requested = Signal(object)  # TextEdit
    message = Signal(str)  # for the status bar

    def __init__(self, editor: QPlainTextEdit, model_path: Callable[[], Path | str], settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._model_path = model_path
        self.suggestions = SuggestionController(editor, model_path, settings, self)
        self.dialog: RewriteDialog | AddChordsDialog | None = None
        self.rewrite_action = QAction("&Rewrite Bars…", self)
        self.rewrite_action.setShortcut(QKeySequence("Ctrl+Alt+R"))
        self.rewrite_action.setStatusTip("Alternatives for the selected bars that join the music after them")
        self.rewrite_action.triggered.connect(lambda _checked=False: self.rewrite())
        self.chords_action = QAction("Add &Chords…", self)
        self.chords_action.setStatusTip("Let the model write chord symbols for the tune or the selected bars; "
                                        "the melody stays as written")
        self.chords_action.triggered.connect(lambda _checked=False: self.add_chords())
        self.toolbar = QToolBar("Co-writer", parent)
        self.toolbar.setObjectName("cowriter-toolbar")
        self.toolbar.addAction(self.suggestions.toggle_action)  # the rest are in the Generate menu
        # Short on the toolbar, beside the transport in a 1280-pixel window; the menu says it in full.
        self.suggestions.toggle_action.setIconText("Suggest")
        self.suggestions.toggle_action.setToolTip("Suggest As You Type")

    def actions(self) -> list[QAction | None]:
        """The Generate menu's entries (None: a separator)."""
        return [self.suggestions.toggle_action, self.rewrite_action, self.chords_action]

    def set_playing(self, playing: bool) -> None:
        self.suggestions.set_playing(playing)

    def model_changed(self) -> None:
        self.suggestions.model_changed()

    def _dialog_parent(self) -> QWidget | None:
        """The widget its dialogs sit over: its Qt parent (the window, when wired in one)."""
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def _selection(self) -> tuple[str, int, int]:
        cursor = self.editor.textCursor()
        return self.editor.toPlainText(), cursor.selectionStart(), cursor.selectionEnd()

    def _open(self, dialog: RewriteDialog | AddChordsDialog) -> None:
        if self.dialog is not None:
            self.dialog.cancel()
            self.dialog.close()
        self.dialog = dialog
        dialog.edit_requested.connect(self.edit_requested)
        dialog.show()

    def rewrite(self, seed: int | None = None) -> RewriteDialog:
        """Rewrite the bars the selection touches (the bar at the cursor without one), in a dialog."""
        text, start, end = self._selection()
        dialog = RewriteDialog(self.editor.toPlainText, self._dialog_parent())
        self._open(dialog)
        dialog.run(Job(rewrite_selection, str(self._model_path()), text, start, end, seed, lane="rewrite",
                       parent=dialog))
        return dialog

    def add_chords(self) -> AddChordsDialog:
        """The Add Chords dialog for the tune at the cursor (or the selected bars)."""
        def job(per: str, replace: bool, selected: bool) -> Job:
            text, start, end = self._selection()
            return Job(harmonize_selection, str(self._model_path()), text, start, end, per, replace, selected,
                       lane="harmonize", parent=dialog)

        dialog = AddChordsDialog(self.editor.toPlainText, self.editor.textCursor().hasSelection(), job,
                                 self._dialog_parent())
        dialog.edit_requested.connect(lambda _edit: self.message.emit(dialog.status.text()))
        self._open(dialog)
        return dialog

