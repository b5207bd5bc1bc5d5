"""Files in the real window: atomic save and reopen, unsaved prompt, crash recovery, drops, export, settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import mido
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from composer.abc.tunebook import read_tunebook


def answer_next_prompt(button: QMessageBox.StandardButton) -> None:
    """Click `button` on the next message box that opens (a real modal dialog, answered as a person would)."""
    def click(tries_left: int) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(button).click()
        elif tries_left:
            QTimer.singleShot(20, lambda: click(tries_left - 1))

    QTimer.singleShot(20, lambda: click(250))


def test_save_writes_the_text_atomically_and_reopening_shows_it(qtbot, window, make_window, tmp_path, settle,
                                                                 type_text):
    window.editor.setFocus()
    type_text(window.editor, "X:1\nT:Saved Tune\nM:6/8\nL:1/8\nK:G\nGAG GAB|")
    assert window.isWindowModified()
    target = tmp_path / "book" / "saved.abc"
    target.parent.mkdir()
    assert window.save_to(target)
    assert target.read_text(encoding="utf-8") == window.text
    assert sorted(p.name for p in target.parent.iterdir()) == ["saved.abc"]  # no temporary file left
    assert not window.isWindowModified() and window.windowTitle().startswith("saved.abc")
    assert window.settings.recent_files()[0] == str(target.resolve())

    other = make_window()
    assert other.open_path(target)
    settle(other)
    assert other.text == target.read_text(encoding="utf-8")
    assert [row[1] for row in other.tune_list.row_texts()] == ["Saved Tune"]
    assert other.path == target and not other.isWindowModified()


def test_saving_over_a_file_keeps_its_permissions(window, tmp_path):
    target = tmp_path / "shared.abc"
    target.write_text("X:1\nT:Old\nK:C\nC\n")
    target.chmod(0o640)
    window.open_path(target, ask=False)
    window.editor.appendPlainText("D")
    assert window.save()
    assert target.read_text() == window.text == "X:1\nT:Old\nK:C\nC\n\nD"
    assert target.stat().st_mode & 0o777 == 0o640


def test_revert_reloads_the_file_as_saved(window, tmp_path):
    target = tmp_path / "revert.abc"
    target.write_text("X:1\nT:Before\nK:C\nC\n")
    window.open_path(target, ask=False)
    window.editor.appendPlainText("changed")
    answer_next_prompt(QMessageBox.StandardButton.Discard)
    assert window.revert()
    assert window.text == "X:1\nT:Before\nK:C\nC\n" and not window.isWindowModified()


def test_unsaved_changes_prompt_cancel_keeps_and_discard_drops_them(qtbot, window, type_text):
    window.editor.setFocus()
    type_text(window.editor, "X:1\nT:Unsaved")
    answer_next_prompt(QMessageBox.StandardButton.Cancel)
    assert not window.new_document()
    assert window.text == "X:1\nT:Unsaved"
    answer_next_prompt(QMessageBox.StandardButton.Discard)
    assert window.new_document()
    assert window.text == "" and window.path is None


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window_open(qtbot, window):
    window.editor.insertPlainText("X:1\nT:Keep me\nK:C\nC\n")
    answer_next_prompt(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible()


CRASHING_SESSION = textwrap.dedent("""
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from composer.ui.main_window import MainWindow
    from composer.ui.settings import Settings
    app = QApplication([])
    folder, settings_file, book = sys.argv[1:4]
    window = MainWindow(settings=Settings(QSettings(settings_file, QSettings.Format.IniFormat)),
                        autosave_folder=Path(folder))
    window.open_path(book, ask=False)
    window.editor.appendPlainText("|:abc def:|  % typed just before the crash")
    assert window.autosave_now()
    print("autosaved", flush=True)
    time.sleep(60)
""")


def test_unsaved_text_is_recovered_after_a_crash(qtbot, make_window, tmp_path):
    book = tmp_path / "working.abc"
    book.write_text("X:1\nT:Working\nM:4/4\nL:1/8\nK:D\nABcd efga|\n")
    folder = tmp_path / "autosave"
    session = subprocess.Popen([sys.executable, "-c", CRASHING_SESSION, str(folder), str(tmp_path / "s.ini"),
                                str(book)], stdout=subprocess.PIPE, text=True)
    try:
        assert session.stdout.readline().strip() == "autosaved"
    finally:
        session.send_signal(signal.SIGKILL)  # the crash: no close event, no cleanup
        session.wait(10)
    assert len(list(folder.glob("*.abc"))) == 1

    window = make_window(autosave_folder=folder)
    assert window.offer_recovery() == 1
    assert window.recovery_banner.isVisible()
    assert "working.abc" in window.recovery_banner.message.text()
    qtbot.mouseClick(window.recovery_banner.restore_button, Qt.MouseButton.LeftButton)
    assert window.text.endswith("|:abc def:|  % typed just before the crash")
    assert window.path == book.resolve() and window.isWindowModified()
    assert not window.recovery_banner.isVisible()
    assert book.read_text().endswith("efga|\n")  # the file itself was never touched
    # The crashed session's copy is gone; only this window's own autosave remains.
    assert [p.stem for p in folder.glob("*.abc")] == [window.autosave.token]
    assert window.offer_recovery() == 0


def test_a_running_sessions_autosave_is_not_offered_and_discard_forgets_a_dead_one(make_window, tmp_path):
    first = make_window()
    first.editor.insertPlainText("X:1\nT:Live\nK:C\nC\n")
    assert first.autosave_now()
    second = make_window()
    assert second.offer_recovery() == 0  # same live process: not a crash
    dead = first.autosave.meta_path.read_text().replace(f'"pid": {os.getpid()}', '"pid": 999999999')
    first.autosave.meta_path.write_text(dead)
    assert second.offer_recovery() == 1
    second.recovery_banner.discard_button.click()
    assert not first.autosave.text_path.exists() and second.offer_recovery() == 0


def test_dropping_an_abc_file_on_the_editor_opens_it(qtbot, window, tmp_path, settle):
    dropped = tmp_path / "dropped.abc"
    dropped.write_text("X:7\nT:Dropped\nK:G\nGAB|\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.editor.dropEvent(event)
    settle(window)
    assert window.path == dropped
    assert window.tune_list.row_texts() == [("7", "Dropped", "", "G")]


def test_export_current_tune_as_abc_and_midi(qtbot, window, examples, tmp_path, settle):
    window.open_path(examples, ask=False)
    book = read_tunebook(examples)
    kesh = book.tunes[0]
    window.editor.go_to(kesh.line + 2, 1)
    abc_path = tmp_path / "kesh.abc"
    window.export_tune_abc(abc_path)
    exported = read_tunebook(abc_path)
    assert [t.title for t in exported] == ["The Kesh"]
    assert [b.text for b in exported.tunes[0].body] == [b.text for b in kesh.body]

    midi_path = tmp_path / "kesh.mid"
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000,
                          check_params_cb=lambda lane, _result: lane == "export"):
        window.export_midi(midi_path)
    notes = [m for m in mido.MidiFile(midi_path) if m.type == "note_on" and m.velocity > 0]
    assert len(notes) > 50

    canonical = tmp_path / "book.abc"
    window.export_book_abc(canonical)
    assert [t.title for t in read_tunebook(canonical)] == [t.title for t in book]


def test_window_layout_zoom_and_recent_files_persist(make_window, settings, tmp_path, examples):
    first = make_window()
    first.open_path(examples, ask=False)
    first.staff.set_zoom(1.75)
    first.resize(760, 600)  # within the offscreen screen (800x800), so geometry restores unclamped
    first.splitter.setSizes([200, 400])
    sizes, size = first.splitter.sizes(), first.size()
    assert first.close()
    second = make_window(size=None)
    assert second.staff.zoom == 1.75 and not second.staff.fit_width
    assert second.size() == size
    assert second.splitter.sizes() == sizes
    assert second.settings.recent_files()[0] == str(Path(examples).resolve())
    second.recent_menu.aboutToShow.emit()
    assert any("examples.abc" in a.text() for a in second.recent_menu.actions())


def test_a_new_tune_from_a_template_gets_the_next_number_and_its_title_selected(qtbot, window, examples, settle):
    window.open_path(examples, ask=False)
    from composer.ui.resources import templates

    window.new_tune_from_template(templates()["Slip jig"])
    settle(window)
    book = read_tunebook(window.text)
    assert book.tunes[-1].reference == len(read_tunebook(examples)) + 1
    assert book.tunes[-1].rhythm == "slip jig"
    assert window.editor.textCursor().selectedText() == "New slip jig"
    assert window.tune_list.row_texts()[-1][1] == "New slip jig"
    assert not [p for p in window.problems if p.severity == "error"]
