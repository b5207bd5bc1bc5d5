"""The main window's actions and menus: File, Edit, View, Playback and Help, built on the window's parts (its
editor, staff, file handling and playback) and kept as the window's attributes, where the tests and the other
panels find them; and the window's side of File → Print, Import and the PDF/SVG/MusicXML exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from composer.ui.resources import templates
from composer.ui.theme import THEME_CHOICES

if TYPE_CHECKING:
    from composer.ui.main_window import MainWindow
    from composer.ui.tunebook.print_export import PrintExport


def window_action(window: MainWindow, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
    """An action of the window's own, its shortcut working anywhere in it."""
    action = QAction(text, window)
    if shortcut is not None:
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        else:
            action.setShortcut(shortcut)
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def build_actions(window: MainWindow) -> None:
    """The window's file, edit and view actions, as its attributes (`window.save_action`...)."""
    key = QKeySequence.StandardKey
    window.new_action = window_action(window, "&New", window.new_document, key.New)
    window.open_action = window_action(window, "&Open…", window.files.open_dialog, key.Open)
    window.save_action = window_action(window, "&Save", window.save, key.Save)
    window.save_as_action = window_action(window, "Save &As…", window.save_as, key.SaveAs)
    window.quit_action = window_action(window, "&Quit", window.close, key.Quit)
    exports = window.exports
    window.export_tune_abc_action = window_action(window, "Current tune as &ABC…", exports.export_tune_abc_dialog)
    window.export_book_abc_action = window_action(window, "Tunebook as &canonical ABC…",
                                                  exports.export_book_abc_dialog)
    window.export_midi_action = window_action(window, "Current tune as &MIDI…", exports.export_midi_dialog)

    window.undo_action = window_action(window, "&Undo", window.editor.undo, key.Undo)
    window.redo_action = window_action(window, "&Redo", window.editor.redo, key.Redo)
    window.undo_action.setEnabled(False)
    window.redo_action.setEnabled(False)
    window.editor.undoAvailable.connect(window.undo_action.setEnabled)
    window.editor.redoAvailable.connect(window.redo_action.setEnabled)
    window.cut_action = window_action(window, "Cu&t", window.editor.cut, key.Cut)
    window.copy_action = window_action(window, "&Copy", window.editor.copy, key.Copy)
    window.paste_action = window_action(window, "&Paste", window.editor.paste, key.Paste)
    window.select_all_action = window_action(window, "Select &All", window.editor.selectAll, key.SelectAll)
    window.find_action = window_action(window, "&Find…", lambda: window.find_bar.open(replace=False), key.Find)
    window.find_next_action = window_action(window, "Find &Next", window.find_bar.find_next, key.FindNext)
    window.find_previous_action = window_action(window, "Find Pre&vious", window.find_bar.find_previous,
                                             key.FindPrevious)
    replace_keys = QKeySequence.keyBindings(key.Replace) or [QKeySequence("Ctrl+H")]
    window.replace_action = window_action(window, "R&eplace…", lambda: window.find_bar.open(replace=True),
                                       replace_keys)
    window.comment_action = window_action(window, "Toggle &Comment", window.editor.toggle_comment,
                                       QKeySequence("Ctrl+/"))
    window.transpose_up_action = window_action(window, "Transpose &Up a Semitone", lambda: window.transpose(1),
                                            QKeySequence("Alt+Up"))
    window.transpose_down_action = window_action(window, "Transpose &Down a Semitone", lambda: window.transpose(-1),
                                              QKeySequence("Alt+Down"))
    window.octave_up_action = window_action(window, "Transpose Up an &Octave", lambda: window.transpose(12),
                                         QKeySequence("Alt+Shift+Up"))
    window.octave_down_action = window_action(window, "Transpose Down an Octa&ve", lambda: window.transpose(-12),
                                           QKeySequence("Alt+Shift+Down"))

    window.zoom_in_action = window_action(window, "Zoom &In", window.staff.zoom_in,
                                       [*QKeySequence.keyBindings(key.ZoomIn), QKeySequence("Ctrl+=")])
    window.zoom_out_action = window_action(window, "Zoom &Out", window.staff.zoom_out, key.ZoomOut)
    window.zoom_reset_action = window_action(window, "&Actual Size", window.staff.zoom_reset, QKeySequence("Ctrl+0"))
    window.zoom_fit_action = window_action(window, "Fit &Width", window.staff.zoom_to_width, QKeySequence("Ctrl+9"))


def build_menus(window: MainWindow) -> None:
    """The menu bar: File, Edit, View, Playback and Help (the co-writer adds Generate before Help)."""
    bar = window.menuBar()
    window.file_menu = file_menu = bar.addMenu("&File")
    file_menu.addAction(window.new_action)
    window.template_menu = file_menu.addMenu("New &Tune from Template")
    for name, path in templates().items():
        action = window.template_menu.addAction(name)
        action.triggered.connect(lambda _checked=False, p=path: window.new_tune_from_template(p))
    file_menu.addAction(window.open_action)
    file_menu.addMenu(window.recent_menu)
    file_menu.addSeparator()
    file_menu.addAction(window.save_action)
    file_menu.addAction(window.save_as_action)
    file_menu.addAction(window.revert_action)
    file_menu.addSeparator()
    window.export_menu = file_menu.addMenu("&Export")
    window.export_menu.addAction(window.export_tune_abc_action)
    window.export_menu.addAction(window.export_book_abc_action)
    window.export_menu.addAction(window.export_midi_action)
    window.export_menu.addAction(window.playback.export_wav_action)
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)

    edit_menu = bar.addMenu("&Edit")
    for action in (window.undo_action, window.redo_action, None, window.cut_action, window.copy_action,
                   window.paste_action, window.select_all_action, None, window.find_action,
                   window.find_next_action, window.find_previous_action, window.replace_action, None,
                   window.comment_action, None,
                   window.transpose_up_action, window.transpose_down_action, window.octave_up_action,
                   window.octave_down_action):
        edit_menu.addSeparator() if action is None else edit_menu.addAction(action)

    window.view_menu = bar.addMenu("&View")
    for action in (window.zoom_in_action, window.zoom_out_action, window.zoom_reset_action,
                   window.zoom_fit_action):
        window.view_menu.addAction(action)
    window.view_menu.addSeparator()
    window.theme_menu = window.view_menu.addMenu("&Theme")
    window.theme_actions: dict[str, QAction] = {}
    group = QActionGroup(window)
    for choice, label in zip(THEME_CHOICES, ("&System", "&Light", "&Dark"), strict=True):
        action = window.theme_menu.addAction(label)
        action.setCheckable(True)
        action.setActionGroup(group)
        action.triggered.connect(lambda _checked=False, c=choice: window.set_theme_choice(c))
        window.theme_actions[choice] = action
    window.view_menu.addSeparator()
    window.view_menu.addAction(window.tunes_dock.toggleViewAction())
    window.view_menu.addAction(window.problems_dock.toggleViewAction())
    window.view_menu.addAction(window.playback.toolbar.toggleViewAction())
    window.playback_menu = bar.addMenu("&Playback")
    playback = window.playback
    for action in (playback.play_pause_action, playback.stop_action, playback.play_from_cursor_action, None,
                   playback.audio_settings_action):
        window.playback_menu.addSeparator() if action is None else window.playback_menu.addAction(action)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(window_action(window, "&About Composer", window._about))


def add_print_export(window: MainWindow) -> PrintExport:
    """File → Import, Page Setup and Print, and the PDF, SVG and MusicXML exports (composer.ui.tunebook.print_export),
    wired to the window: an import replaces the document once unsaved changes are settled, messages go to the
    status bar, and Cancel Export stops the WAV exports too. Returns the controller."""
    from composer.ui.tunebook.print_export import OpenRequest, PrintExport, add_to_menus

    def open_imported(request: OpenRequest) -> None:
        if window.maybe_save():
            window.load_text(request.text, None, modified=True)
            request.accepted = True

    controller = PrintExport(window.document, window)
    controller.open_requested.connect(open_imported)
    controller.status_message.connect(window.statusBar().showMessage)
    controller.cancel_export_action.triggered.connect(window.playback.cancel_wav_exports)
    add_to_menus(controller, window.file_menu, window.export_menu)
    return controller
