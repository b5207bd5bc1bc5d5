"""Start the Qt application and open the main window on a tunebook (the shipped examples by default)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from composer import __version__
from composer.abc.tunebook import decode
from composer.ui.main_window import MainWindow
from composer.ui.menus import add_print_export
from composer.ui.resources import examples_path, icon_path

ORGANIZATION = "Composer"
APPLICATION = "Composer"


#: The freedesktop application ID: the .desktop file, the AppStream metainfo and the icon share it.
DESKTOP_ID = "io.github.abc_composer.Composer"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named for QSettings and following the system palette and DPI."""
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(QIcon.fromTheme(DESKTOP_ID, QIcon(str(icon_path()))))
    return app


def open_window(path: str | Path | None = None) -> MainWindow:
    """A shown main window on `path`, offering any crash recovery. Without a path it reopens the last file, else
    shows an untitled copy of the shipped examples (Save never writes over an installed file)."""
    window = MainWindow()
    window.print_export = add_print_export(window)
    window.add_finetune_tab()
    window.add_generation_panel()
    if path:
        target = Path(path)
        if target.is_file():
            window.open_path(target, ask=False)
        else:
            window.load_text("", target)  # a new file: saved there on the first Save
    elif not _reopen_last_file(window):
        examples = examples_path()
        window.load_text(decode(examples.read_bytes()), None, untitled_name=f"{examples.name} (copy)")
    window.show()
    window.offer_recovery()
    return window


def _reopen_last_file(window: MainWindow) -> bool:
    """Open the most recent file, if it is still there; whether it was opened."""
    for name in window.settings.recent_files()[:1]:
        if Path(name).is_file():
            return window.open_path(name, ask=False)
    return False


def run_app(path: str | None = None) -> int:
    """Run the Composer window until it is closed; the exit status."""
    started = time.perf_counter()
    app = create_application()
    window = open_window(path)
    window.statusBar().showMessage(f"Ready in {time.perf_counter() - started:.2f} s", 4000)
    return app.exec()
