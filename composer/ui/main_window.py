"""The main window: tunebook editor and live engraved staff linked both ways, tune list, problems, files,
playback (composer.ui.playback.playback)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from composer.abc.tunebook import Tune, Tunebook, decode, normalize_newlines, read_string
from composer.errors import AbcError
from composer.export import ExportOptions, export_text, export_tunes
from composer.notation.atomic_file import write_bytes_atomically
from composer.notation.engrave import EngravedTune, engrave_svg, isolate_tune
from composer.ui.document import Document
from composer.ui.editor.editor import AbcEditor, Problem
from composer.ui.editor.find_replace import FindReplaceBar
from composer.ui.editor.problems import ProblemsList
from composer.ui.finetune.tab import FinetuneTab
from composer.ui.jobs import NewestOnly
from composer.ui.playback.playback import Playback
from composer.ui.resources import templates
from composer.ui.settings import Settings
from composer.ui.staff.staff_view import StaffView
from composer.ui.theme import THEME_CHOICES, current_theme, palette_for
from composer.ui.tunebook.autosave import AutosaveRecord, AutosaveStore
from composer.ui.tunebook.tune_list import TuneList

if TYPE_CHECKING:
    from composer.model.generation_plan import TextEdit
    from composer.ui.cowriter.panel import GenerationPanel

ABC_FILTER = "ABC tunebooks (*.abc);;Text files (*.txt);;All files (*)"
RENDER_DELAY_MS = 150
CHECK_DELAY_MS = 350
AUTOSAVE_INTERVAL_MS = 30_000
#: The most problems underlined and listed at once (a long, messy tunebook can have thousands).
MAX_SHOWN_PROBLEMS = 1000


@dataclass(frozen=True)
class Engraving:
    """What the engrave job returns: the parsed tunebook, the tune drawn (its first line) and the picture."""

    book: Tunebook
    tune_line: int | None
    engraved: EngravedTune | None
    text: str = ""  # the text it was parsed from


def engrave_tune_at(text: str, line: int, page_width: int | None = None) -> Engraving:
    """Parse `text` and engrave the tune covering `line`, reflowed to `page_width` pixels when given (runs in a
    worker thread)."""
    book = read_string(text)
    tune = book.tune_at_line(line) or (book.tunes[0] if book.tunes else None)
    if tune is None:
        return Engraving(book, None, None, text)
    return Engraving(book, tune.line, engrave_svg(isolate_tune(text, tune.line, book), page_width=page_width),
                     text)


def check_tunebook(text: str, path: str | None) -> list[Problem]:
    """The checker's diagnostics for `text` (runs in a worker thread); the engraver's errors as a fallback."""
    try:
        from composer.abc.checker import check_text
    except ModuleNotFoundError as exc:
        if exc.name != "composer.abc.checker":
            raise
        return [Problem(m.severity, m.message, m.line, m.column) for m in engrave_svg(text).messages]
    return [Problem(d.severity, d.message, d.line or 1, d.column or 1) for d in check_text(text, path)]


def describe_interval(semitones: int) -> str:
    """`+1 semitone`, `-3 semitones`, `an octave up`, as a person says it."""
    if abs(semitones) == 12:
        return "an octave up" if semitones > 0 else "an octave down"
    return f"{semitones:+d} semitone{'' if abs(semitones) == 1 else 's'}"


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
        self.path: Path | None = None
        self._untitled_name: str | None = None
        self.shown_tune_line: int | None = None
        self.problems: list[Problem] = []
        self._current_tune_key: tuple[int, str] | None = None
        self._last_autosaved: str | None = None
        self._pending_recoveries: list[AutosaveRecord] = []
        self.jobs = NewestOnly(self)
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.failed.connect(self._on_job_failed)
        folder = autosave_folder or Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "autosave"
        self.autosave = AutosaveStore(folder)

        self._build_widgets()
        self.document = Document(self.editor.toPlainText, self.jobs, parent=self)
        self.document.tunebook_changed.connect(self._on_tunebook_changed)
        self.document.reset.connect(self._reset_views)
        self.playback = Playback(self)
        self.transport = self.playback.transport
        self._build_actions()
        self._build_menus()

        self._render_timer = _single_shot(self, render_delay_ms, self.render_now)
        self._check_timer = _single_shot(self, check_delay_ms, self.check_now)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(autosave_interval_ms)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._autosave_timer.start()

        self.editor.textChanged.connect(self._on_text_changed)
        self.editor.cursor_place_changed.connect(self._on_cursor_moved)
        self.editor.document().modificationChanged.connect(self.setWindowModified)
        self.editor.files_dropped.connect(self._open_dropped)
        self.staff.symbol_clicked.connect(self._on_symbol_clicked)
        self.staff.reflow_width_changed.connect(lambda _width: self._render_timer.start())
        self.tune_list.tune_activated.connect(self._go_to_tune)
        self.problems_list.problem_activated.connect(lambda line, col: self._jump(line, col))
        self.setAcceptDrops(True)
        self._restore_settings()
        self._update_title()

    # ---------------------------------------------------------------------------------------- building
    def _build_widgets(self) -> None:
        self.editor = AbcEditor()
        self.find_bar = FindReplaceBar(self.editor)
        self.staff = StaffView()
        self.staff_status = QLabel()
        self.staff_status.setWordWrap(True)
        self.staff_status.hide()
        self.recovery_banner = _RecoveryBanner()
        self.recovery_banner.restore_button.clicked.connect(self._restore_recovery)
        self.recovery_banner.discard_button.clicked.connect(self._discard_recovery)

        editor_pane = QWidget()
        editor_layout = QVBoxLayout(editor_pane)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.setSpacing(0)
        editor_layout.addWidget(self.editor)
        editor_layout.addWidget(self.find_bar)
        staff_pane = QWidget()
        staff_layout = QVBoxLayout(staff_pane)
        staff_layout.setContentsMargins(0, 0, 0, 0)
        staff_layout.setSpacing(0)
        staff_layout.addWidget(self.staff)
        staff_layout.addWidget(self.staff_status)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("editor-staff-splitter")
        self.splitter.addWidget(editor_pane)
        self.splitter.addWidget(staff_pane)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)

        tunebook_tab = QWidget()
        tab_layout = QVBoxLayout(tunebook_tab)
        tab_layout.setContentsMargins(0, 0, 0, 0)
        tab_layout.setSpacing(0)
        tab_layout.addWidget(self.recovery_banner)
        tab_layout.addWidget(self.splitter)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(tunebook_tab, "Tunebook")
        self.tabs.tabBar().setVisible(False)
        self.setCentralWidget(self.tabs)

        self.tune_list = TuneList()
        self.tunes_dock = self.add_panel(self.tune_list, "Tunes", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.problems_list = ProblemsList()
        self.problems_dock = self.add_panel(self.problems_list, "Problems",
                                            Qt.DockWidgetArea.BottomDockWidgetArea)

        self.place_label = QLabel()
        # A fixed size: a new text must not lay the whole window out again (tens of ms a keystroke).
        self.place_label.setFixedSize(self.place_label.fontMetrics().horizontalAdvance("Line 000000, Col 0000"),
                                      self.place_label.sizeHint().height())
        self.statusBar().addPermanentWidget(self.place_label)

    def _action(self, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action("&New", self.new_document, key.New)
        self.open_action = self._action("&Open…", self.open_dialog, key.Open)
        self.save_action = self._action("&Save", self.save, key.Save)
        self.save_as_action = self._action("Save &As…", self.save_as, key.SaveAs)
        self.revert_action = self._action("Re&vert", self.revert, tip="Reload the file as last saved")
        self.quit_action = self._action("&Quit", self.close, key.Quit)
        self.export_tune_abc_action = self._action("Current tune as &ABC…", self.export_tune_abc_dialog)
        self.export_book_abc_action = self._action("Tunebook as &canonical ABC…", self.export_book_abc_dialog)
        self.export_midi_action = self._action("Current tune as &MIDI…", self.export_midi_dialog)

        self.undo_action = self._action("&Undo", self.editor.undo, key.Undo)
        self.redo_action = self._action("&Redo", self.editor.redo, key.Redo)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.editor.undoAvailable.connect(self.undo_action.setEnabled)
        self.editor.redoAvailable.connect(self.redo_action.setEnabled)
        self.cut_action = self._action("Cu&t", self.editor.cut, key.Cut)
        self.copy_action = self._action("&Copy", self.editor.copy, key.Copy)
        self.paste_action = self._action("&Paste", self.editor.paste, key.Paste)
        self.select_all_action = self._action("Select &All", self.editor.selectAll, key.SelectAll)
        self.find_action = self._action("&Find…", lambda: self.find_bar.open(replace=False), key.Find)
        self.find_next_action = self._action("Find &Next", self.find_bar.find_next, key.FindNext)
        self.find_previous_action = self._action("Find Pre&vious", self.find_bar.find_previous,
                                                 key.FindPrevious)
        replace_keys = QKeySequence.keyBindings(key.Replace) or [QKeySequence("Ctrl+H")]
        self.replace_action = self._action("R&eplace…", lambda: self.find_bar.open(replace=True),
                                           replace_keys)
        self.comment_action = self._action("Toggle &Comment", self.editor.toggle_comment,
                                           QKeySequence("Ctrl+/"))
        self.transpose_up_action = self._action("Transpose &Up a Semitone", lambda: self.transpose(1),
                                                QKeySequence("Alt+Up"))
        self.transpose_down_action = self._action("Transpose &Down a Semitone", lambda: self.transpose(-1),
                                                  QKeySequence("Alt+Down"))
        self.octave_up_action = self._action("Transpose Up an &Octave", lambda: self.transpose(12),
                                             QKeySequence("Alt+Shift+Up"))
        self.octave_down_action = self._action("Transpose Down an Octa&ve", lambda: self.transpose(-12),
                                               QKeySequence("Alt+Shift+Down"))

        self.zoom_in_action = self._action("Zoom &In", self.staff.zoom_in,
                                           [*QKeySequence.keyBindings(key.ZoomIn), QKeySequence("Ctrl+=")])
        self.zoom_out_action = self._action("Zoom &Out", self.staff.zoom_out, key.ZoomOut)
        self.zoom_reset_action = self._action("&Actual Size", self.staff.zoom_reset, QKeySequence("Ctrl+0"))
        self.zoom_fit_action = self._action("Fit &Width", self.staff.zoom_to_width, QKeySequence("Ctrl+9"))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_action)
        self.template_menu = file_menu.addMenu("New &Tune from Template")
        for name, path in templates().items():
            action = self.template_menu.addAction(name)
            action.triggered.connect(lambda _checked=False, p=path: self.new_tune_from_template(p))
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addAction(self.revert_action)
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("&Export")
        self.export_menu.addAction(self.export_tune_abc_action)
        self.export_menu.addAction(self.export_book_abc_action)
        self.export_menu.addAction(self.export_midi_action)
        self.export_menu.addAction(self.playback.export_wav_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        for action in (self.undo_action, self.redo_action, None, self.cut_action, self.copy_action,
                       self.paste_action, self.select_all_action, None, self.find_action,
                       self.find_next_action, self.find_previous_action, self.replace_action, None,
                       self.comment_action, None,
                       self.transpose_up_action, self.transpose_down_action, self.octave_up_action,
                       self.octave_down_action):
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)

        self.view_menu = bar.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action,
                       self.zoom_fit_action):
            self.view_menu.addAction(action)
        self.view_menu.addSeparator()
        self.theme_menu = self.view_menu.addMenu("&Theme")
        self.theme_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for choice, label in zip(THEME_CHOICES, ("&System", "&Light", "&Dark"), strict=True):
            action = self.theme_menu.addAction(label)
            action.setCheckable(True)
            action.setActionGroup(group)
            action.triggered.connect(lambda _checked=False, c=choice: self.set_theme_choice(c))
            self.theme_actions[choice] = action
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.tunes_dock.toggleViewAction())
        self.view_menu.addAction(self.problems_dock.toggleViewAction())
        self.view_menu.addAction(self.playback.toolbar.toggleViewAction())
        self.playback_menu = bar.addMenu("&Playback")
        playback = self.playback
        for action in (playback.play_pause_action, playback.stop_action, playback.play_from_cursor_action, None,
                       playback.audio_settings_action):
            self.playback_menu.addSeparator() if action is None else self.playback_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&About Composer", self._about))

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
        """Dock the co-writer beside the editor (as `generation_panel`) with a Generate menu, and wire it: the
        Document and the editor's selection in; accepted candidates, audition sound and its problems through the
        editor, the transport and the status bar; each model the fine-tune tab exports becomes the active one."""
        from composer.audio.player import PlayerState
        from composer.model.generation_plan import Selection
        from composer.ui.cowriter.in_editor import install_editor_cowriter
        from composer.ui.cowriter.panel import GenerationPanel

        editor = self.editor

        def selection() -> Selection:  # the editor's cursor as a value (the panel never sees the editor)
            cursor = editor.textCursor()
            return Selection(cursor.anchor(), cursor.position())

        panel = self.generation_panel = GenerationPanel(self.document, self.settings, self.editor.document(),
                                                        selection)
        panel.dock = self.add_panel(panel, "Generate", Qt.DockWidgetArea.RightDockWidgetArea)
        panel.edit_requested.connect(self.apply_edit)
        panel.audio_problem.connect(lambda message: self.statusBar().showMessage(message, 15000))
        panel.stop_playback_requested.connect(
            lambda: self.transport.stop() if self.transport.state is not PlayerState.STOPPED else None)
        panel.set_sound(self.transport.sound)
        self.transport.soundChanged.connect(panel.set_sound)
        self.closing.connect(panel.window_closing)
        menu = QMenu("&Generate", self)
        help_menu = next((a for a in self.menuBar().actions() if a.menu() and a.text().replace("&", "") == "Help"),
                         None)
        if help_menu is not None:
            self.menuBar().insertMenu(help_menu, menu)
        else:
            self.menuBar().addMenu(menu)
        for action in (panel.generate_action, panel.cancel_action, None, panel.float32_action,
                       panel.dock.toggleViewAction()):
            menu.addSeparator() if action is None else menu.addAction(action)
        self.addAction(panel.generate_action)
        if getattr(self, "finetune_tab", None) is not None:
            panel.connect_finetune(self.finetune_tab)
        if (app := QApplication.instance()) is not None:
            app.aboutToQuit.connect(panel.shutdown)
        self.editor_cowriter = install_editor_cowriter(self, panel)
        return panel

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
        return self.editor.toPlainText()

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
        self.jobs.submit("engrave", engrave_tune_at, self.text, self.cursor_position[0], self.staff.reflow_width())

    def check_now(self) -> None:
        """Check the whole tunebook in the background."""
        self._check_timer.stop()
        self.jobs.submit("check", check_tunebook, self.text, str(self.path) if self.path else None)

    def _on_job_finished(self, lane: str, result) -> None:
        if lane == "engrave":
            self._show_engraving(result)
        elif lane == "check":
            self.problems = list(result)
            shown = self.problems[:MAX_SHOWN_PROBLEMS]  # thousands of underlines would stall every repaint
            self.editor.set_problems(shown)
            self.problems_list.show_problems(shown)
            title = f"Problems ({len(self.problems)})" if self.problems else "Problems"
            if len(shown) < len(self.problems):
                title = f"Problems ({len(self.problems)}, the first {len(shown)} shown)"
            self.problems_dock.setWindowTitle(title)
            self.problems_changed.emit(self.problems)
        elif lane == "export":
            self.statusBar().showMessage(f"Exported {', '.join(p.name for p in result.written)}", 5000)

    def _on_job_failed(self, lane: str, error: Exception) -> None:
        if lane == "engrave":
            self._set_staff_status(f"Engraving failed: {error}")
        elif lane == "check":
            self.statusBar().showMessage(f"Checker failed: {error}", 8000)
        elif lane == "export":
            QMessageBox.warning(self, "Export failed", str(error))

    def _on_tunebook_changed(self, book: Tunebook) -> None:
        self.tune_list.show_tunebook(book, self.document.rows)
        self.sync_to_cursor()

    def _reset_views(self) -> None:
        """A new document: no picture, problems or tunes of the old one stay on show."""
        self.shown_tune_line = None
        self._current_tune_key = None
        self.staff.clear()
        self._set_staff_status(None)
        self.problems = []
        self.editor.set_problems([])
        self.problems_list.show_problems([])
        self.problems_dock.setWindowTitle("Problems")
        self.tune_list.show_tunebook(read_string(""))

    def _show_engraving(self, result: Engraving) -> None:
        self.document.offer(result.text, result.book)
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
        try:
            from composer.abc.transpose import transpose_fragment, transpose_tune
        except ModuleNotFoundError as exc:
            if exc.name != "composer.abc.transpose":
                raise
            self.statusBar().showMessage("Transposition is not available in this build.", 5000)
            return False
        cursor = self.editor.textCursor()
        book = read_string(self.text)
        if cursor.hasSelection():
            line = self.editor.document().findBlock(cursor.selectionStart()).blockNumber() + 1
            tune = book.tune_at_line(line)
            selected = cursor.selectedText().replace("\u2029", "\n")
            result = transpose_fragment(selected, semitones, (tune.key if tune else None) or "C")
            start = cursor.selectionStart()
            cursor.insertText(result)
            cursor.setPosition(start)
            cursor.setPosition(start + len(result), cursor.MoveMode.KeepAnchor)
            self.editor.setTextCursor(cursor)
        else:
            tune = book.tune_at_line(cursor.blockNumber() + 1)
            if tune is None:
                return False
            line, column = self.cursor_position
            transposed = transpose_tune(tune.text(), semitones).rstrip("\n")
            self.editor.replace_lines(tune.line, tune.end_line, transposed)
            self.editor.go_to(line, column)
        self.statusBar().showMessage(f"Transposed by {describe_interval(semitones)}", 3000)
        return True

    # ---------------------------------------------------------------------------------------- files
    def load_text(self, text: str, path: Path | None, *, modified: bool = False,
                  untitled_name: str | None = None) -> None:
        """Show `text` as the document of `path` (None: untitled, shown as `untitled_name` or "Untitled")."""
        self.path = Path(path) if path else None
        self._untitled_name = None if path else untitled_name
        if not self.editor.load_text(normalize_newlines(text)):
            self.statusBar().showMessage("A long tunebook: shown without syntax colours, so it stays quick.", 8000)
        self.editor.document().setModified(modified)
        self.setWindowModified(modified)  # setPlainText said "modified" and took it back without a signal
        self._last_autosaved = None
        self.editor.go_to(1, 1)
        self.document.replace(self.path)
        self._update_title()
        self.document_path_changed.emit(str(self.path) if self.path else "")
        self.render_now()
        self.check_now()

    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a tunebook file (asking first about unsaved changes unless `ask` is False)."""
        path = Path(path)
        if ask and not self.maybe_save():
            return False
        try:
            data = path.read_bytes()
        except OSError as exc:
            QMessageBox.warning(self, "Cannot open", f"{path}: {exc.strerror or exc}")
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
        self.statusBar().showMessage(f"Opened {path}", 3000)
        return True

    def _say_cannot_open(self, message: str) -> None:
        """Say why a file was not opened in a window-modal box that does not block the caller."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Open tunebook", start, ABC_FILTER)
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
        book = read_string(self.text)
        number = max([t.reference or 0 for t in book.tunes] + [0]) + 1
        body = template.read_text(encoding="utf-8").strip("\n")
        body = re.sub(r"^X:.*$", f"X:{number}", body, count=1, flags=re.M)
        text = self.text
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
        self.render_now()

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else str(Path.home() / "tunes.abc")
        name, _ = QFileDialog.getSaveFileName(self, "Save tunebook as", start, ABC_FILTER)
        if not name:
            return False
        if not Path(name).suffix:
            name += ".abc"
        return self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        """Write the text to `path` atomically (a temporary file renamed over it); it becomes the document."""
        try:
            write_bytes_atomically(path, self.text.encode("utf-8"))
        except OSError as exc:
            QMessageBox.warning(self, "Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        self.path = Path(path)
        self.document.set_path(self.path)
        self.editor.document().setModified(False)
        self.autosave.discard()
        self._last_autosaved = None
        self.settings.add_recent(path)
        self._update_title()
        self.document_path_changed.emit(str(self.path))
        self.statusBar().showMessage(f"Saved {path}", 3000)
        return True

    def revert(self) -> bool:
        if self.path is None or not self.path.is_file():
            return False
        if self.editor.document().isModified():
            buttons = QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
            question = f"Discard your changes to {self.path.name}?"
            answer = QMessageBox.question(self, "Revert", question, buttons)
            if answer != QMessageBox.StandardButton.Discard:
                return False
        return self.open_path(self.path, ask=False)

    def maybe_save(self) -> bool:
        """Ask about unsaved changes: True when it is fine to go on (saved or discarded)."""
        if not self.editor.document().isModified():
            return True
        name = self.path.name if self.path else "Untitled"
        answer = QMessageBox.warning(
            self, "Unsaved changes", f"Save the changes to {name} before going on?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _open_dropped(self, paths: list[Path]) -> None:
        if paths:
            self.open_path(paths[0])

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

    def _update_title(self) -> None:
        name = self.path.name if self.path else (self._untitled_name or "Untitled")
        self.setWindowTitle(f"{name}[*] — Composer")
        self.setWindowFilePath(str(self.path) if self.path else "")
        self.revert_action.setEnabled(self.path is not None)

    # ------------------------------------------------------------------------------------- export
    def _tune_or_warn(self) -> Tune | None:
        tune = self.current_tune
        if tune is None:
            QMessageBox.information(self, "Export", "There is no tune to export.")
        return tune

    def suggested_export_path(self, suffix: str) -> Path:
        """Where an export of the tune under the cursor goes by default: its title, beside the tunebook."""
        tune = self.current_tune
        stem = re.sub(r"[^\w-]+", "-", (tune.title if tune else "") or "tune").strip("-").lower() or "tune"
        folder = self.path.parent if self.path else Path.home()
        return folder / f"{stem}{suffix}"

    def _export_name(self, title: str, suffix: str, filter_text: str) -> str | None:
        name, _ = QFileDialog.getSaveFileName(self, title, str(self.suggested_export_path(suffix)), filter_text)
        return name or None

    def export_tune_abc(self, path: str | Path) -> None:
        tune = self.current_tune
        if tune is not None:
            export_tunes(self.document.tunebook(), path, ExportOptions(suffix=".abc", line=tune.line))

    def export_book_abc(self, path: str | Path) -> None:
        export_tunes(self.document.tunebook(), path, ExportOptions(suffix=".abc", canonical=True))

    def export_midi(self, path: str | Path) -> int:
        """Write the current tune as MIDI in the background (composer.export), in a child process under a time
        limit (composer.notation.time_limit); returns the request."""
        from composer.notation.time_limit import run_with_time_limit

        tune = self.current_tune
        if tune is None:
            return 0
        options = ExportOptions(suffix=".mid", line=tune.line)
        return self.jobs.submit("export", run_with_time_limit, export_text, self.text, str(path), options)

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
            self.statusBar().showMessage("Exporting MIDI…")

    # ------------------------------------------------------------------------- autosave and recovery
    def autosave_now(self) -> bool:
        """Write an autosave copy if the text changed since the last save or autosave."""
        if not self.editor.document().isModified():
            return False
        text = self.text
        if text == self._last_autosaved:
            return False
        try:
            self.autosave.save(text, str(self.path.resolve()) if self.path else None)
        except OSError as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)
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
        record = self._pending_recoveries[0]
        self.recovery_banner.show_record(record)

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
        self.statusBar().showMessage(f"Recovered unsaved changes to {record.name}", 5000)
        self._show_next_recovery()

    def _discard_recovery(self) -> None:
        if self._pending_recoveries:
            AutosaveStore.forget(self._pending_recoveries.pop(0))
        self._show_next_recovery()

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
        self.jobs.wait_for_done(5000)
        self.playback.shutdown()
        event.accept()

    def _about(self) -> None:
        from composer import __version__

        QMessageBox.about(self, "About Composer",
                          f"<b>Composer {__version__}</b>"
                          "<p>Write folk tunes in ABC with a neural co-writer.</p>"
                          "<p>Engraving by abcm2ps; sound by FluidSynth.</p>")


class _RecoveryBanner(QFrame):
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
        from datetime import datetime

        when = datetime.fromtimestamp(record.saved_at).strftime("%Y-%m-%d %H:%M")
        self.message.setText(f"Composer stopped before {record.name} was saved. Unsaved changes from {when} "
                             "were kept.")
        self.show()


def _single_shot(parent: QWidget, msecs: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msecs)
    timer.timeout.connect(slot)
    return timer
