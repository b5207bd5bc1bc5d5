"""The main window, as wiring: the editor and the live engraved staff linked both ways, the tune list, the
problems, files (tunebook/files.py), exports, playback (playback/playback.py), the co-writer and the fine-tune
tab. Each feature's work lives in its folder; panes.py lays the window out and menus.py builds its menus."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from composer.abc.tunebook import Tune, Tunebook, read_string
from composer.ui.document import Document
from composer.ui.editor.checking import BookChecking, FoundProblems
from composer.ui.editor.editor import AbcEditor, Problem
from composer.ui.editor.transpose import transpose
from composer.ui.finetune.tab import FinetuneTab
from composer.ui.jobs import NewestOnly
from composer.ui.menus import build_actions, build_menus
from composer.ui.panes import build_panes
from composer.ui.playback.playback import Playback, Sounding
from composer.ui.settings import Settings
from composer.ui.staff.engraving import Engraving, engrave_tune_at
from composer.ui.theme import THEME_CHOICES, current_theme, palette_for
from composer.ui.tunebook.autosave import AutosaveStore
from composer.ui.tunebook.exports import TuneExports
from composer.ui.tunebook.files import TunebookFiles

if TYPE_CHECKING:
    from composer.model.generation_plan import TextEdit
    from composer.ui.cowriter.panel import GenerationPanel

RENDER_DELAY_MS = 150
CHECK_DELAY_MS = 350
AUTOSAVE_INTERVAL_MS = 30_000


class MainWindow(QMainWindow):
    """Composer's window. Other panels plug in with `add_panel` and `add_tab`, and follow the text through
    `text_changed`, `cursor_moved`, `current_tune_changed` and the `text`/`current_tune_text` properties."""

    text_changed = Signal()
    cursor_moved = Signal(int, int)  # line, column (1-based)
    current_tune_changed = Signal(str)  # the text of the tune under the cursor
    engraving_shown = Signal(object)  # EngravedTune
    problems_changed = Signal(list)  # [Problem]
    document_path_changed = Signal(str)  # "" when untitled
    closing = Signal()  # the window is asked to close (before unsaved changes are asked about)

    def __init__(self, *, settings: Settings | None = None, autosave_folder: Path | None = None,
                 autosave_interval_ms: int = AUTOSAVE_INTERVAL_MS, render_delay_ms: int = RENDER_DELAY_MS,
                 check_delay_ms: int = CHECK_DELAY_MS) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.shown_tune_line: int | None = None
        self._current_tune_key: tuple[int, str] | None = None
        self.jobs = NewestOnly(self)
        self.jobs.on("engrave", result=self._show_engraving,
                     failed=lambda error: self._set_staff_status(f"Engraving failed: {error}"))
        self.checking = BookChecking(self.jobs, self)
        self.checking.found.connect(self._show_problems)
        self.checking.failed.connect(lambda error: self.statusBar().showMessage(f"Checker failed: {error}", 8000))
        folder = autosave_folder or Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "autosave"
        self.editor = AbcEditor()
        self.document = Document(self.editor.toPlainText, self.jobs, parent=self)
        # contentsChange comes before contentsChanged, which drives textChanged and every reader of the text.
        self.editor.document().contentsChange.connect(lambda *_change: self.document.forget_text())
        self.document.tunebook_changed.connect(self._on_tunebook_changed)
        self.document.reset.connect(self._reset_views)
        self.files = TunebookFiles(self.editor, self.document, self.settings, AutosaveStore(folder))
        self.autosave, self.recovery_banner = self.files.autosave, self.files.recovery_banner
        self.recent_menu, self.revert_action = self.files.recent_menu, self.files.revert_action
        self.addAction(self.revert_action)
        self.files.loaded.connect(self.render_now)
        self.files.loaded.connect(self.check_now)
        self.files.status_message.connect(self.statusBar().showMessage)
        self.files.path_changed.connect(self.document_path_changed)
        self.files.title_changed.connect(self._show_title)
        self.files.modified_changed.connect(self.setWindowModified)
        self.exports = TuneExports(self.document, self.jobs, dialog_parent=self.editor)
        self.exports.status_message.connect(self.statusBar().showMessage)
        build_panes(self)
        self.playback = self._wire_playback(Playback(self.document, self.settings, self))
        self.transport = self.playback.transport
        build_actions(self)
        build_menus(self)

        self._render_timer = _single_shot(self, render_delay_ms, self.render_now)
        self._check_timer = _single_shot(self, check_delay_ms, self.check_now)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(autosave_interval_ms)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._autosave_timer.start()

        self.editor.textChanged.connect(self._on_text_changed)
        self.editor.cursor_place_changed.connect(self._on_cursor_moved)
        self.editor.document().modificationChanged.connect(self.setWindowModified)
        self.staff.symbol_clicked.connect(self._on_symbol_clicked)
        self.staff.reflow_width_changed.connect(lambda _width: self._render_timer.start())
        self.staff.preview_changed.connect(lambda _preview: self._render_timer.start())
        self.tune_list.tune_activated.connect(self._go_to_tune)
        self.problems_list.problem_activated.connect(lambda line, col: self._jump(line, col))
        self.setAcceptDrops(True)
        self._restore_settings()
        self.files.update_title()

    def _wire_playback(self, playback: Playback) -> Playback:
        """Playback's toolbar, progress bar and shortcuts in the window; its requests to the editor and staff."""
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, playback.toolbar)
        self.statusBar().addPermanentWidget(playback.progress)
        self.addActions(playback.actions)
        self.staff.play_pause_requested.connect(playback.toggle_play)
        playback.follow_requested.connect(self.editor.follow_to)
        playback.mark_requested.connect(self._mark_sounding)
        playback.stopped.connect(self.sync_to_cursor)
        playback.status_message.connect(self.statusBar().showMessage)
        return playback

    # ---------------------------------------------------------------------------------------- building
    # ------------------------------------------------------------------------------------ extension API
    def add_panel(self, widget: QWidget, title: str,
                  area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea) -> QDockWidget:
        """Dock `widget` under `title` (its state persists with the window's); returns the dock."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{re.sub(r'[^a-z0-9]+', '-', title.lower())}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        if hasattr(self, "view_menu"):
            self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a page beside the tunebook (the tab bar shows once there are two); returns its index."""
        index = self.tabs.addTab(widget, title)
        self.tabs.tabBar().setVisible(self.tabs.count() > 1)
        return index

    def add_generation_panel(self) -> GenerationPanel:
        """Dock the co-writer beside the editor (as `generation_panel`) with a Generate menu, wired to the Document,
        the editor's selection, the transport and the status bar (composer.ui.cowriter.docking)."""
        from composer.ui.cowriter.docking import dock_generation_panel, put_in_editor

        self.generation_panel = dock_generation_panel(self)
        self.editor_cowriter = put_in_editor(self, self.generation_panel)
        return self.generation_panel

    def apply_edit(self, edit: TextEdit) -> None:
        """Replace the edit's span of the text with its insert as one undoable step, the cursor after it."""
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(edit.start)
        cursor.setPosition(edit.end, QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.insertText(edit.insert)
        cursor.endEditBlock()
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()

    def add_finetune_tab(self) -> FinetuneTab:
        """Add the fine-tune tab (as `finetune_tab`); a run it started is cancelled, keeping a checkpoint, when the
        app quits."""
        self.finetune_tab = FinetuneTab()
        self.add_tab(self.finetune_tab, "Fine-tune")
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.finetune_tab.shutdown)
        return self.finetune_tab

    def menu(self, title: str) -> QMenu:
        """The menu-bar menu called `title` (ignoring `&`), created at the end if missing."""
        for action in self.menuBar().actions():
            if action.menu() and action.text().replace("&", "") == title.replace("&", ""):
                return action.menu()
        return self.menuBar().addMenu(title)

    @property
    def text(self) -> str:
        """The whole tunebook text in the editor."""
        return self.document.text

    @property
    def cursor_position(self) -> tuple[int, int]:
        """The editor cursor's (line, column), 1-based."""
        return self.editor.cursor_place()

    @property
    def book(self) -> Tunebook:
        """The tunebook as last parsed (in the background) from the text."""
        return self.document.book

    @property
    def current_tune(self) -> Tune | None:
        """The tune under the cursor in the text as it stands."""
        return self.document.current_tune

    @property
    def current_tune_text(self) -> str:
        """The text of the tune under the cursor ('' when there is none)."""
        tune = self.current_tune
        return tune.text() if tune else ""

    # ------------------------------------------------------------------------------- live text → views
    def _on_text_changed(self) -> None:
        self._render_timer.start()
        self._check_timer.start()
        self.document.edited()
        self.text_changed.emit()

    def render_now(self) -> None:
        """Engrave the tune under the cursor in the background (a newer request makes older ones stale)."""
        self._render_timer.stop()
        self.jobs.submit("engrave", engrave_tune_at, self.text, self.cursor_position[0], self.staff.reflow_width(),
                         self.staff.preview)

    def check_now(self) -> None:
        """Check the whole tunebook in the background, the tune at the cursor first."""
        self._check_timer.stop()
        self.checking.check(self.text, str(self.path) if self.path else None, self.cursor_position[0])

    @property
    def problems(self) -> list[Problem]:
        """Every problem the newest check has found so far, in place order."""
        return self.checking.problems

    def _show_problems(self, found: FoundProblems) -> None:
        if found.shown_changed:
            self.editor.set_problems(found.shown)
            self.problems_list.show_problems(found.shown)
        self.problems_dock.setWindowTitle(found.title)
        if found.complete:
            self.problems_changed.emit(self.problems)

    def _on_tunebook_changed(self, book: Tunebook) -> None:
        self.checking.reading_done()  # a new document's first check goes on past the tune at the cursor
        self.tune_list.show_tunebook(book, self.document.rows)
        self.sync_to_cursor()

    def _reset_views(self) -> None:
        """A new document: no picture, problems or tunes of the old one stay on show."""
        self.shown_tune_line = None
        self._current_tune_key = None
        self.staff.clear()
        self._set_staff_status(None)
        self.checking.clear()
        self.tune_list.show_tunebook(read_string(""))

    def _show_engraving(self, result: Engraving) -> None:
        if result.engraved is None or result.engraved.is_empty:
            if result.tune_line is not None and self.staff.engraved is not None:
                self._set_staff_status("The tune can't be drawn as it stands; showing the last good picture.")
            return
        self.shown_tune_line = result.tune_line
        self._set_staff_status(None)
        self.staff.show_engraving(result.engraved)
        self.sync_to_cursor()
        self.engraving_shown.emit(result.engraved)

    def _set_staff_status(self, message: str | None) -> None:
        self.staff_status.setText(message or "")
        self.staff_status.setVisible(bool(message))

    def _on_cursor_moved(self, line: int, column: int) -> None:
        self.place_label.setText(f"Line {line}, Col {column}")
        self.document.move_cursor(line, column)
        self.cursor_moved.emit(line, column)
        tune = self.book.tune_at_line(line)
        if tune is not None and tune.line != self.shown_tune_line and not self._render_timer.isActive():
            self._render_timer.start()
        self.sync_to_cursor()

    def sync_to_cursor(self) -> None:
        """Select the tune under the cursor in the list and highlight the symbol under it in the staff."""
        line, column = self.cursor_position
        tune = self.book.tune_at_line(line)
        index = tune.index if tune is not None else None
        self.tune_list.select_tune(index)
        if tune is not None:
            key = (tune.line, tune.text())
            if key != self._current_tune_key:
                self._current_tune_key = key
                self.current_tune_changed.emit(tune.text())
        engraved = self.staff.engraved
        if engraved is not None and tune is not None and tune.line == self.shown_tune_line:
            self.staff.highlight(engraved.symbol_for(line, column))
        else:
            self.staff.highlight(None)

    def _on_symbol_clicked(self, symbol) -> None:
        self.editor.go_to(symbol.line, symbol.column)
        self.editor.setFocus()

    def _jump(self, line: int, column: int) -> None:
        self.editor.go_to(line, column)
        self.editor.setFocus()

    def _go_to_tune(self, line: int) -> None:
        self.editor.go_to(line, 1)
        self.editor.setFocus()
        self.render_now()

    # ------------------------------------------------------------------------------------ edit commands
    def transpose(self, semitones: int) -> bool:
        """Transpose the selection (or the tune under the cursor) by `semitones`, as one undoable step."""
        message = transpose(self.editor, semitones)
        if message is not None:
            self.statusBar().showMessage(message, 3000)
        return message is not None

    def _mark_sounding(self, sounding: Sounding | None) -> None:
        """Mark the note playing in the editor, and in the staff when it shows that tune; None: unmark."""
        if sounding is None:
            self.editor.clear_playback_mark()
            return
        self.editor.set_playback_mark(sounding.line, sounding.column, sounding.length)
        engraved = self.staff.engraved
        if engraved is not None and self.shown_tune_line == sounding.tune_line:
            self.staff.highlight(engraved.symbol_for(sounding.line, sounding.column))

    # ---------------------------------------------------------------------------------------- files
    def _show_title(self, title: str, path: str) -> None:
        self.setWindowTitle(title)
        self.setWindowFilePath(path)

    @property
    def path(self) -> Path | None:
        """The document's file (None: untitled)."""
        return self.files.path

    def load_text(self, text: str, path: Path | None, *, modified: bool = False,
                  untitled_name: str | None = None) -> None:
        self.files.load_text(text, path, modified=modified, untitled_name=untitled_name)

    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        return self.files.open_path(path, ask=ask)

    def new_document(self) -> bool:
        return self.files.new_document()

    def new_tune_from_template(self, template: Path) -> None:
        self.files.new_tune_from_template(template)
        self.render_now()

    def save(self) -> bool:
        return self.files.save()

    def save_as(self) -> bool:
        return self.files.save_as()

    def save_to(self, path: Path) -> bool:
        return self.files.save_to(path)

    def revert(self) -> bool:
        return self.files.revert()

    def maybe_save(self) -> bool:
        return self.files.maybe_save()

    def autosave_now(self) -> bool:
        return self.files.autosave_now()

    def offer_recovery(self) -> int:
        return self.files.offer_recovery()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if any(url.isLocalFile() and url.toLocalFile().lower().endswith((".abc", ".txt"))
               for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        paths = [p for p in paths if p.suffix.lower() in (".abc", ".txt")]
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    # ------------------------------------------------------------------------------------- export
    def suggested_export_path(self, suffix: str) -> Path:
        """Where an export of the tune under the cursor goes by default: its title, beside the tunebook."""
        return self.document.suggested_export_path(suffix)

    def export_tune_abc(self, path: str | Path) -> None:
        self.exports.export_tune_abc(path)

    def export_book_abc(self, path: str | Path) -> None:
        self.exports.export_book_abc(path)

    def export_midi(self, path: str | Path) -> int:
        return self.exports.export_midi(path)

    # ------------------------------------------------------------------------------ settings, theme
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window", "geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = self.settings.value("window", "state")
        self._has_saved_state = state is not None
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.value("window", "splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([520, 760])
        self.set_theme_choice(str(self.settings.value("appearance", "theme", "system")))
        if self.settings.value("staff", "fit_width", True, bool):
            self.staff.set_fit_width(True)
        else:
            self.staff.set_zoom(float(self.settings.value("staff", "zoom", 1.0)))

    def save_settings(self) -> None:
        self.settings.set_value("window", "geometry", self.saveGeometry())
        self.settings.set_value("window", "state", self.saveState())
        self.settings.set_value("window", "splitter", self.splitter.saveState())
        self.settings.set_value("staff", "zoom", self.staff.zoom)
        self.settings.set_value("staff", "fit_width", self.staff.fit_width)
        self.playback.save_settings()
        self.settings.sync()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._has_saved_state:
            self._has_saved_state = True
            # At 1280×800 the tune list, editor, staff and a right-hand panel all stay usable.
            right = [d for d in self.findChildren(QDockWidget)
                     if self.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea and d.isVisible()]
            self.resizeDocks([self.tunes_dock, *right], [190] + [330] * len(right), Qt.Orientation.Horizontal)
            self.resizeDocks([self.problems_dock], [90], Qt.Orientation.Vertical)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_palette()
        super().changeEvent(event)

    def set_theme_choice(self, choice: str) -> None:
        """Light, dark, or follow the system ("system"); kept in the settings."""
        choice = choice if choice in THEME_CHOICES else "system"
        self.theme_choice = choice
        self.theme_actions[choice].setChecked(True)
        self.settings.set_value("appearance", "theme", choice)
        self.setPalette(palette_for(choice))
        self.apply_palette()

    def apply_palette(self) -> None:
        """Recolour the editor and the staff for the current (light or dark) palette."""
        theme = current_theme(self.palette())
        if hasattr(self, "editor"):
            self.editor.set_theme(theme)
            self.staff.set_theme(theme)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.closing.emit()
        if not self.maybe_save():
            event.ignore()
            return
        self.save_settings()
        self.autosave.discard()
        self._autosave_timer.stop()
        self.checking.stop()
        self.jobs.wait_for_done(5000)
        self.playback.shutdown()
        event.accept()

    def _about(self) -> None:
        from composer import __version__

        QMessageBox.about(self, "About Composer",
                          f"<b>Composer {__version__}</b>"
                          "<p>Write folk tunes in ABC with a neural co-writer.</p>"
                          "<p>Engraving by abcm2ps; sound by FluidSynth.</p>")


def _single_shot(parent: QWidget, msecs: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msecs)
    timer.timeout.connect(slot)
    return timer
