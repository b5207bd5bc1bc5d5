"""File → Print, Page Setup and Import, and Export → PDF/SVG/MusicXML.

`PrintExport` gets the Document (the text, the tune under the cursor, the path for the dialogs' starting folder)
and the widget to parent its dialogs, never the window. An imported score becomes the document by request:
`open_requested(OpenRequest)`, which whoever owns the document answers (in a direct connection) by setting
`accepted` once the person agreed to leave the current one. It says what happened through `status_message`. The
window's side (the menus, the wiring) is composer.ui.menus.add_print_export.

Engraving, exporting and importing run in the job system (composer.ui.jobs) off the UI thread with text
snapshots; only the painting of engraved pages onto a QPrinter happens in the UI thread, as Qt requires.
Exports go through composer.export (ExportOptions, the writers table the command line uses too), each in a
child process under a time limit (composer.notation.time_limit); Cancel Export stops it.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QRectF, Signal
from PySide6.QtGui import QAction, QKeySequence, QPageLayout, QPainter
from PySide6.QtPrintSupport import QPageSetupDialog, QPrintDialog, QPrinter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox, QWidget

from composer.abc.tunebook import read_string
from composer.export import ExportOptions, Outcome, export_text
from composer.notation.pages import PageFormat, tunebook_text
from composer.notation.svg_pages import SvgPage, engrave_pages
from composer.notation.time_limit import EXPORT_TIME_LIMIT, run_with_time_limit
from composer.ui.document import Document
from composer.ui.jobs import NewestOnly

__all__ = ["IMPORT_FILTER", "OpenRequest", "PrintExport", "add_to_menus", "printed_text"]

IMPORT_FILTER = "Scores (*.musicxml *.xml *.mxl *.mid *.midi);;MusicXML (*.musicxml *.xml *.mxl);;MIDI (*.mid *.midi)"
TUNE, BOOK = "tune", "book"
#: The formats of this menu; the window's ABC, MIDI and WAV exports sit beside them.
EXPORT_FILTERS = {".pdf": "PDF (*.pdf)", ".svg": "SVG pages (*.svg)", ".musicxml": "MusicXML (*.musicxml)"}


def printed_text(text: str, line: int | None, scope: str) -> str:
    """What to print or export from the editor's `text`: the tunebook, or (scope TUNE) the tune covering
    `line` with the file header; '' when there is no tune."""
    book = read_string(text)
    if not book.tunes:
        return ""
    if scope == BOOK:
        return book.text
    tune = book.tune_at_line(line or 1) or book.tunes[0]
    return tunebook_text(book, [tune])


def page_format_of(printer: QPrinter) -> PageFormat:
    """The printer's paper (orientation applied) and margins, in points, for the engraver."""
    layout = printer.pageLayout()
    paper = layout.fullRectPoints()
    margins = layout.margins(QPageLayout.Unit.Point)
    return PageFormat(float(paper.width()), float(paper.height()), margins.left(), margins.right(),
                      margins.top(), margins.bottom())


def paint_pages(printer: QPrinter, pages: tuple[SvgPage, ...]) -> int:
    """Draw the engraved pages on `printer`, one sheet each, scaled to the paper; returns the sheets drawn.

    Vector all the way: QSvgRenderer hands paths and text to the printer's paint engine.
    """
    printer.setFullPage(True)  # the engraver drew the margins already
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        paper = printer.paperRect(QPrinter.Unit.DevicePixel)
        for number, page in enumerate(pages):
            if number:
                printer.newPage()
            renderer = QSvgRenderer(QByteArray(page.svg.encode("utf-8")))
            size = renderer.defaultSize()
            scale = min(paper.width() / max(size.width(), 1), paper.height() / max(size.height(), 1))
            target = QRectF(0, 0, size.width() * scale, size.height() * scale)
            renderer.render(painter, target)
    finally:
        painter.end()
    return len(pages)


@dataclass
class OpenRequest:
    """A request to show `text` as a new untitled, modified document; the owner of the document sets `accepted`
    when it did (False: the person kept the current one)."""

    text: str
    accepted: bool = False


def _import(path: str):
    from composer.notation.abc_from_score import import_score_file

    return import_score_file(path)


class PrintExport(QObject):
    """The print, export and import actions of one document, and the background work behind them."""

    printed = Signal(int)  # sheets sent to the printer
    exported = Signal(list)  # the files written
    imported = Signal(object)  # composer.notation.abc_from_score.ImportedAbc, now the document
    failed = Signal(str, str)  # what ("Print", "Export", "Import"), the error
    open_requested = Signal(object)  # OpenRequest: an import to become the document, answered in the connection
    status_message = Signal(str, int)  # text for the status bar, how long in ms (0: until replaced)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.jobs = NewestOnly(self)
        self.jobs.on("print", self._printed, functools.partial(self._on_failed, "Print"))
        self.jobs.on("export", self._exported, self._export_failed)
        self.jobs.on("import", self._imported, functools.partial(self._on_failed, "Import"))
        self._print_target: QPrinter | None = None
        self.message_box: QMessageBox | None = None

        key = QKeySequence.StandardKey
        self.print_tune_action = self._action("&Print Tune…", lambda: self.print_dialog(TUNE), key.Print)
        self.print_book_action = self._action("Print Tune&book…", lambda: self.print_dialog(BOOK),
                                              QKeySequence("Ctrl+Shift+P"))
        self.page_setup_action = self._action("Page Set&up…", self.page_setup_dialog)
        self.import_action = self._action("&Import MusicXML or MIDI…", self.import_dialog, QKeySequence("Ctrl+I"))
        self.export_actions = [
            self._action("Current tune as &PDF…", lambda: self.export_dialog(TUNE, ".pdf")),
            self._action("Tunebook as P&DF…", lambda: self.export_dialog(BOOK, ".pdf")),
            self._action("Current tune as S&VG pages…", lambda: self.export_dialog(TUNE, ".svg")),
            self._action("Tunebook as SV&G pages…", lambda: self.export_dialog(BOOK, ".svg")),
            self._action("Current tune as Music&XML…", lambda: self.export_dialog(TUNE, ".musicxml")),
        ]
        self.export_time_limit = EXPORT_TIME_LIMIT
        self.export_cancelled = threading.Event()
        self.cancel_export_action = self._action("&Cancel Export", self.cancel_export)
        self.cancel_export_action.setEnabled(False)
        self.export_actions.append(self.cancel_export_action)

    def _action(self, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _dialog_parent(self) -> QWidget | None:
        """The widget its dialogs sit over: its Qt parent (the window, when wired in one)."""
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    # ------------------------------------------------------------------------------------- snapshots
    def _cursor_line(self) -> int | None:
        tune = self.document.current_tune
        return tune.line if tune is not None else None

    def text_for(self, scope: str) -> str:
        """The text to print or export for `scope` (TUNE or BOOK), from the editor as it is now."""
        return printed_text(self.document.text, self._cursor_line(), scope)

    def _suggested_path(self, scope: str, suffix: str) -> str:
        tune = self.document.current_tune
        name = (tune.title if tune is not None and scope == TUNE else "") or (
            self.document.path.stem if self.document.path else "tunebook")
        stem = re.sub(r"[^\w-]+", "-", name).strip("-").lower() or "tune"
        folder = self.document.path.parent if self.document.path else Path.home()
        return str(folder / f"{stem}{suffix}")

    def _no_tune(self, title: str) -> None:
        QMessageBox.information(self._dialog_parent(), title, "There is no tune to print or export.")

    # ------------------------------------------------------------------------------------- printing
    def page_setup_dialog(self) -> None:
        QPageSetupDialog(self.printer, self._dialog_parent()).exec()

    def print_dialog(self, scope: str) -> None:
        if not self.text_for(scope):
            self._no_tune("Print")
            return
        dialog = QPrintDialog(self.printer, self._dialog_parent())
        dialog.setWindowTitle("Print Tune" if scope == TUNE else "Print Tunebook")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(self.printer, scope)

    def print_to(self, printer: QPrinter, scope: str) -> int:
        """Engrave `scope` for `printer`'s paper in the background, then print it; emits `printed`.
        Returns the request number (0 when there is nothing to print)."""
        text = self.text_for(scope)
        if not text:
            return 0
        self._print_target = printer
        self.status_message.emit("Engraving for print…", 0)
        return self.jobs.submit("print", engrave_pages, text, page_format_of(printer))

    # ------------------------------------------------------------------------------------ exporting
    def export_dialog(self, scope: str, suffix: str) -> None:
        if not self.text_for(scope):
            self._no_tune("Export")
            return
        name, _ = QFileDialog.getSaveFileName(self._dialog_parent(), f"Export as {suffix[1:].upper()}",
                                              self._suggested_path(scope, suffix), EXPORT_FILTERS[suffix])
        if name:
            self.export_to(name, scope)

    def export_to(self, path: str | Path, scope: str) -> int:
        """Write `scope` to `path` in the background, the format by extension (.pdf, .svg, .musicxml; MusicXML
        takes the current tune only); emits `exported` with the files written. Returns the request number."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in EXPORT_FILTERS:
            raise ValueError(f"cannot export to {path.name}: use {', '.join(EXPORT_FILTERS)}")
        tune = self.document.current_tune  # the first tune when the cursor is above every tune
        if tune is None:
            return 0
        whole = scope == BOOK and suffix != ".musicxml"
        options = ExportOptions(suffix=suffix, line=None if whole else tune.line,
                                page_format=page_format_of(self.printer))
        self.status_message.emit(f"Exporting {path.name}…", 0)
        self.export_cancelled = threading.Event()
        self.cancel_export_action.setEnabled(True)
        job = functools.partial(run_with_time_limit, export_text, limit=self.export_time_limit,
                                cancelled=self.export_cancelled)
        return self.jobs.submit("export", job, self.document.text, str(path), options)

    def cancel_export(self) -> None:
        """Stop the export that is running (its child process is killed; no file is left half written)."""
        self.export_cancelled.set()

    # ------------------------------------------------------------------------------------ importing
    def import_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self._dialog_parent(), "Import MusicXML or MIDI", start, IMPORT_FILTER)
        if name:
            self.import_from(name)

    def import_from(self, path: str | Path) -> int:
        """Read a MusicXML or MIDI file in the background; when done, it becomes the (untitled,
        modified) document if the person agrees to leave the current one, and `imported` is emitted."""
        self.status_message.emit(f"Importing {Path(path).name}…", 0)
        return self.jobs.submit("import", _import, str(path))

    # -------------------------------------------------------------------------------------- results
    def _printed(self, pages) -> None:
        """Paint the engraved pages on the printer chosen."""
        printer, self._print_target = self._print_target, None
        sheets = paint_pages(printer, pages) if printer is not None else 0
        self.status_message.emit(f"Printed {sheets} page{'s' if sheets != 1 else ''}", 5000)
        self.printed.emit(sheets)

    def _imported(self, result) -> None:
        """Offer the imported tune as the document; say what the import could not carry over."""
        status = self.status_message
        request = OpenRequest(result.text)
        self.open_requested.emit(request)
        if not request.accepted:
            status.emit("Import cancelled", 3000)
            return
        report = result.report()
        status.emit("Imported" + (" (some things could not be carried over)" if report else ""), 5000)
        if report:
            self._show_report(report)
        self.imported.emit(result)

    def _exported(self, outcome: Outcome) -> None:
        """Say what was written, and which tunes were left out and why."""
        self.cancel_export_action.setEnabled(False)
        self.status_message.emit(f"Exported {', '.join(p.name for p in outcome.written)}", 5000)
        if outcome.failed:
            self._show_message(QMessageBox.Icon.Warning, "Some tunes were not exported",
                               f"{len(outcome.failed)} tune{'s' if len(outcome.failed) > 1 else ''} could not be "
                               "exported; the others were.",
                               "\n".join(str(error) for error in outcome.failed))
        self.exported.emit([str(p) for p in outcome.written])

    def _export_failed(self, error: Exception) -> None:
        self.cancel_export_action.setEnabled(False)
        self._on_failed("Export", error)

    def _on_failed(self, what: str, error: Exception) -> None:
        """Say that `what` ("Print", "Export", "Import") failed, and why."""
        self.status_message.emit(f"{what} failed", 5000)
        self._show_message(QMessageBox.Icon.Warning, f"{what} failed", str(error))
        self.failed.emit(what, str(error))

    def _show_report(self, report: str) -> None:
        """What the import left out or guessed."""
        self._show_message(QMessageBox.Icon.Information, "Import report",
                           "Imported. Some things could not be carried over into ABC:", report)

    def _show_message(self, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> None:
        """A message in a window that does not block the editor (kept in `message_box`)."""
        box = QMessageBox(icon, title, text, parent=self._dialog_parent())
        if details:
            box.setInformativeText(details)
        box.setModal(False)
        box.show()
        self.message_box = box


def add_to_menus(controller: PrintExport, file_menu: QMenu, export_menu: QMenu) -> None:
    """Add Import…, Page Setup…, Print Tune…/Print Tunebook… to `file_menu` (just before `export_menu`'s entry
    in it, or at its end), and the PDF, SVG and MusicXML exports to `export_menu`."""
    anchor = export_menu.menuAction() if export_menu.menuAction() in file_menu.actions() else None
    for action in (controller.import_action, None, controller.page_setup_action, controller.print_tune_action,
                   controller.print_book_action, None):
        if action is None:
            file_menu.insertSeparator(anchor) if anchor is not None else file_menu.addSeparator()
        elif anchor is not None:
            file_menu.insertAction(anchor, action)
        else:
            file_menu.addAction(action)
    export_menu.addSeparator()
    for action in controller.export_actions:
        export_menu.addAction(action)
