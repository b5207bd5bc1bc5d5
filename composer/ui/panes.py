"""The main window's panes, laid out: what each feature shows, where it sits. The parts stay the window's
attributes (`window.staff`, `window.tune_list`, ...), where the wiring finds them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from composer.ui.editor.find_replace import FindReplaceBar
from composer.ui.editor.problems import ProblemsList
from composer.ui.staff.staff_view import StaffView
from composer.ui.tunebook.tune_list import TuneList

if TYPE_CHECKING:
    from composer.ui.main_window import MainWindow


def build_panes(window: MainWindow) -> None:
    """The editor with its find bar beside the staff with its status line (a remembered splitter), the recovery
    banner over them, in the Tunebook tab; the Tunes and Problems docks; the cursor's place in the status bar."""
    window.find_bar = FindReplaceBar(window.editor)
    window.staff = StaffView()
    window.staff_status = QLabel()
    window.staff_status.setWordWrap(True)
    window.staff_status.hide()

    editor_pane = QWidget()
    editor_layout = QVBoxLayout(editor_pane)
    editor_layout.setContentsMargins(0, 0, 0, 0)
    editor_layout.setSpacing(0)
    editor_layout.addWidget(window.editor)
    editor_layout.addWidget(window.find_bar)
    staff_pane = QWidget()
    staff_layout = QVBoxLayout(staff_pane)
    staff_layout.setContentsMargins(0, 0, 0, 0)
    staff_layout.setSpacing(0)
    staff_layout.addWidget(window.staff)
    staff_layout.addWidget(window.staff_status)

    window.splitter = QSplitter(Qt.Orientation.Horizontal)
    window.splitter.setObjectName("editor-staff-splitter")
    window.splitter.addWidget(editor_pane)
    window.splitter.addWidget(staff_pane)
    window.splitter.setStretchFactor(0, 2)
    window.splitter.setStretchFactor(1, 3)
    window.splitter.setChildrenCollapsible(False)

    tunebook_tab = QWidget()
    tab_layout = QVBoxLayout(tunebook_tab)
    tab_layout.setContentsMargins(0, 0, 0, 0)
    tab_layout.setSpacing(0)
    tab_layout.addWidget(window.recovery_banner)
    tab_layout.addWidget(window.splitter)
    window.tabs = QTabWidget()
    window.tabs.setDocumentMode(True)
    window.tabs.addTab(tunebook_tab, "Tunebook")
    window.tabs.tabBar().setVisible(False)
    window.setCentralWidget(window.tabs)

    window.tune_list = TuneList()
    window.tunes_dock = window.add_panel(window.tune_list, "Tunes", Qt.DockWidgetArea.LeftDockWidgetArea)
    window.problems_list = ProblemsList()
    window.problems_dock = window.add_panel(window.problems_list, "Problems",
                                        Qt.DockWidgetArea.BottomDockWidgetArea)

    window.place_label = QLabel()
    # A fixed size: a new text must not lay the whole window out again (tens of ms a keystroke).
    window.place_label.setFixedSize(window.place_label.fontMetrics().horizontalAdvance("Line 000000, Col 0000"),
                                  window.place_label.sizeHint().height())
    window.statusBar().addPermanentWidget(window.place_label)
