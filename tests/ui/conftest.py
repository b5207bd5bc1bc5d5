"""Fixtures for driving the real main window offscreen with its own settings file and autosave folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "resources" / "examples.abc"


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    from composer.ui.settings import Settings

    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def make_window(qtbot, tmp_path, settings):
    """Build MainWindows sharing one settings file and autosave folder; closes them without prompts."""
    from composer.ui.main_window import MainWindow

    def make(**options):
        options.setdefault("settings", settings)
        options.setdefault("autosave_folder", tmp_path / "autosave")
        options.setdefault("render_delay_ms", 20)
        options.setdefault("check_delay_ms", 20)
        size = options.pop("size", (1200, 760))
        window = MainWindow(**options)
        # pytest-qt closes the window after the test: drop unsaved changes first so no prompt blocks.
        qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
        if size:
            window.resize(*size)
        window.show()
        return window

    return make


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def settle(qtbot):
    """settle(window): wait until no parse, render or check is pending, running, or undelivered."""
    def wait(window, timeout: int = 10_000) -> None:
        def idle() -> None:
            assert not window._render_timer.isActive() and not window._check_timer.isActive()
            assert window.jobs.is_idle()
            assert window.document.is_parsed  # the tune list, cursor sync and playback see the text as it is

        qtbot.waitUntil(idle, timeout=timeout)

    return wait


@pytest.fixture
def type_text(qtbot):
    """type_text(widget, text): key by key, newlines as the Return key (keyClicks aborts on a newline)."""
    from PySide6.QtCore import Qt

    def type_into(widget, text: str) -> None:
        for number, line in enumerate(text.split("\n")):
            if number:
                qtbot.keyClick(widget, Qt.Key.Key_Return)
            if line:
                qtbot.keyClicks(widget, line)

    return type_into


@pytest.fixture(autouse=True)
def collect_garbage_while_qt_lives(qtbot):
    """Free each test's Qt wrappers while the QApplication still exists, not at interpreter exit."""
    import gc

    yield
    gc.collect()


@pytest.fixture
def cowriter_on(window, tmp_path, monkeypatch):
    """cowriter_on(text): the window's co-writer in the editor (Rewrite Bars, Add Chords) with `text` loaded, the
    Generate panel added and a user data folder of the test's own."""
    (tmp_path / "user-data" / "models").mkdir(parents=True)
    monkeypatch.setenv("COMPOSER_DATA", str(tmp_path / "user-data"))
    panel = window.add_generation_panel()

    def load(text: str):
        window.load_text(text, None)
        return window.editor_cowriter

    yield load
    panel.shutdown()


@pytest.fixture
def suggestion_at(qtbot, cowriter_on):
    """suggestion_at(text, position): `text` loaded, the cursor at `position` and a next-bar suggestion shown
    there (asked for at once, not after the idle delay); the editor co-writer."""

    def ask(text: str, position: int):
        cowriter = cowriter_on(text)
        editor = cowriter.editor
        cursor = editor.textCursor()
        cursor.setPosition(position)
        editor.setTextCursor(cursor)
        editor.setFocus()
        with qtbot.waitSignal(cowriter.suggestions.shown, timeout=60_000):
            assert cowriter.suggestions.ask_now()
        return cowriter

    return ask
