"""The window's Save never loses the tunebook on disk: when the write fails midway (a full disk), the target is
read-only or a folder is in the way, the old file stays byte for byte, no temporary file is left, the window
says why, and the edits stay in the editor, unsaved (issue 19)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

OLD = "X:1\nT:The Old Tune\nM:4/4\nL:1/8\nK:G\nGABc dedc|BAGF G4|]\n"
#: Big enough that the write fails partway with the limit below.
NEW = OLD + "".join(f"\nX:{i}\nT:Added {i}\nM:6/8\nL:1/8\nK:D\nABA d2e|fed e2d|\n" for i in range(2, 400))


def _answer_message_boxes(said: list[str]):
    """Close each message box the window opens, keeping its text (a real box, answered as a person would)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def close_box() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            said.append(box.text())
            box.close()

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(close_box)
    timer.start()
    return timer  # the caller holds it for as long as boxes may come


@pytest.fixture
def make_window(qtbot, tmp_path):
    """MainWindows on a settings file and autosave folder of this test's own (as tests/ui/conftest.py)."""
    from PySide6.QtCore import QSettings

    from composer.ui.main_window import MainWindow
    from composer.ui.settings import Settings

    def make():
        settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(settings=settings, autosave_folder=tmp_path / "autosave")
        qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
        window.show()
        return window

    return make


def _window_on(make_window, path: Path):
    window = make_window()
    assert window.open_path(path, ask=False)
    _edit_to(window, NEW)
    assert window.editor.document().isModified()
    return window


def _edit_to(window, text: str) -> None:
    cursor = window.editor.textCursor()
    cursor.select(cursor.SelectionType.Document)
    cursor.insertText(text)  # an edit, as typing or pasting makes one


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_read_only_tunebook_is_kept_and_the_edits_stay(qtbot, make_window, tmp_path):
    book = tmp_path / "book.abc"
    book.write_text(OLD)
    book.chmod(0o444)
    window = _window_on(make_window, book)
    said: list[str] = []
    answering = _answer_message_boxes(said)  # noqa: F841 - held while the window saves
    assert window.save() is False
    assert book.read_text() == OLD and stat.S_IMODE(book.stat().st_mode) == 0o444
    assert not [n for n in _left_in(tmp_path) if n.startswith(".") or n.endswith(".tmp")]
    assert said and str(book) in said[0] and "read-only" in said[0]
    assert window.editor.toPlainText() == NEW and window.editor.document().isModified()


def test_a_folder_in_the_way_is_left_alone(qtbot, make_window, tmp_path):
    book = tmp_path / "book.abc"
    book.write_text(OLD)
    window = _window_on(make_window, book)
    folder = tmp_path / "taken.abc"
    folder.mkdir()
    (folder / "inside.abc").write_text(OLD)
    said: list[str] = []
    answering = _answer_message_boxes(said)  # noqa: F841 - held while the window saves
    assert window.save_to(folder) is False
    assert (folder / "inside.abc").read_text() == OLD and _left_in(folder) == ["inside.abc"]
    assert book.read_text() == OLD
    assert not [n for n in _left_in(tmp_path) if n.startswith(".") or n.endswith(".tmp")]
    assert said and str(folder) in said[0]
    assert window.path == book and window.editor.document().isModified()


SAVE_ON_A_FULL_DISK = textwrap.dedent("""
    import os, resource, signal, sys
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox
    from composer.ui.main_window import MainWindow
    from composer.ui.settings import Settings

    book, new_text, limit = Path(sys.argv[1]), Path(sys.argv[2]).read_text(), int(sys.argv[3])
    app = QApplication([])
    settings = Settings(QSettings(sys.argv[4], QSettings.Format.IniFormat))
    window = MainWindow(settings=settings, autosave_folder=Path(sys.argv[5]))
    window.show()
    assert window.open_path(book, ask=False)
    cursor = window.editor.textCursor()
    cursor.select(cursor.SelectionType.Document)
    cursor.insertText(new_text)  # an edit, as typing or pasting makes one
    said = []

    def close_box():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            said.append(box.text())
            box.close()

    timer = QTimer()
    timer.timeout.connect(close_box)
    timer.start(20)
    # A full disk: files may not grow past `limit` bytes; the write fails with EFBIG (SIGXFSZ ignored, as a
    # disk-full ENOSPC is an error, not a signal).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    saved = window.save()
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    print("saved" if saved else "refused", window.editor.document().isModified(), repr(said))
    window.editor.document().setModified(False)
    window.close()
""")


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="RLIMIT_FSIZE is POSIX")
def test_a_save_that_fails_midway_leaves_the_old_tunebook_whole(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    book = folder / "book.abc"
    book.write_text(OLD)
    new = tmp_path / "new.abc"
    new.write_text(NEW)
    limit = len(NEW) // 2  # the temporary file gets half the new text, then the disk is full
    done = subprocess.run(
        [sys.executable, "-c", SAVE_ON_A_FULL_DISK, str(book), str(new), str(limit), str(tmp_path / "s.ini"),
         str(tmp_path / "autosave")],
        capture_output=True, text=True, timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    outcome, still_modified, said = done.stdout.split(" ", 2)
    assert outcome == "refused" and still_modified == "True"
    assert str(book) in said and ("too large" in said or "No space" in said), said
    assert book.read_text() == OLD
    assert _left_in(folder) == ["book.abc"]
