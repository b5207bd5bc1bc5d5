"""The co-writer in the main window: the window's side of the wiring. The panel itself gets the Document, the
Settings, the text's QTextDocument and the selection as a value, never the window; this puts it in a dock with a
Generate menu and connects its requests to the editor, the transport and the status bar, and puts the co-writer
in the editor (in_editor.EditorCowriter) with its actions and toolbar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu

from composer.audio.player import PlayerState
from composer.model.generation_plan import Selection
from composer.ui.cowriter.in_editor import EditorCowriter
from composer.ui.cowriter.panel import GenerationPanel

if TYPE_CHECKING:
    from composer.ui.main_window import MainWindow


def dock_generation_panel(window: MainWindow) -> GenerationPanel:
    """Dock the co-writer beside the editor with a Generate menu, and wire it: the Document and the editor's
    selection in; accepted candidates, audition sound and its problems through the
    editor, the transport and the status bar; each model the fine-tune tab exports becomes the active one."""
    editor = window.editor

    def selection() -> Selection:  # the editor's cursor as a value (the panel never sees the editor)
        cursor = editor.textCursor()
        return Selection(cursor.anchor(), cursor.position())

    panel = GenerationPanel(window.document, window.settings, window.editor.document(), selection)
    panel.dock = window.add_panel(panel, "Generate", Qt.DockWidgetArea.RightDockWidgetArea)
    panel.edit_requested.connect(window.apply_edit)
    panel.audio_problem.connect(lambda message: window.statusBar().showMessage(message, 15000))
    panel.stop_playback_requested.connect(
        lambda: window.transport.stop() if window.transport.state is not PlayerState.STOPPED else None)
    panel.set_sound(window.transport.sound)
    window.transport.soundChanged.connect(panel.set_sound)
    window.closing.connect(panel.window_closing)
    menu = QMenu("&Generate", window)
    help_menu = next((a for a in window.menuBar().actions() if a.menu() and a.text().replace("&", "") == "Help"),
                     None)
    if help_menu is not None:
        window.menuBar().insertMenu(help_menu, menu)
    else:
        window.menuBar().addMenu(menu)
    for action in (panel.generate_action, panel.cancel_action, None, panel.float32_action,
                   panel.dock.toggleViewAction()):
        menu.addSeparator() if action is None else menu.addAction(action)
    window.addAction(panel.generate_action)
    if getattr(window, "finetune_tab", None) is not None:
        panel.connect_finetune(window.finetune_tab)
    if (app := QApplication.instance()) is not None:
        app.aboutToQuit.connect(panel.shutdown)
    return panel


def put_in_editor(window: MainWindow, panel: GenerationPanel) -> EditorCowriter:
    """Put the co-writer in `window`'s editor: its entries at the end of the Generate menu and on a toolbar,
    running the panel's active model, resting while the transport plays, its edits applied by the window, its
    suggestion previewed faint in the staff."""
    cowriter = EditorCowriter(window.editor, lambda: panel.models.running_model, window.settings, window)
    cowriter.edit_requested.connect(window.apply_edit)
    cowriter.message.connect(lambda text: window.statusBar().showMessage(text, 10000))
    panel.model_changed.connect(lambda _path, provider: cowriter.model_changed() if not provider else None)
    window.transport.stateChanged.connect(lambda state: cowriter.set_playing(state == "playing"))
    cowriter.suggestions.preview_changed.connect(window.staff.set_preview)  # the staff draws it faint
    menu = window.menu("Generate")
    menu.addSeparator()
    for action in cowriter.actions():
        menu.addSeparator() if action is None else menu.addAction(action)
        if action is not None:
            window.addAction(action)
    window.addToolBar(cowriter.toolbar)
    return cowriter
