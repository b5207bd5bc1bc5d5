"""Print, export and import from the real window offscreen: PDFs printed through QPrinter, files written, and
imports that become the document."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from composer.abc.tunebook import read_tunebook
from composer.notation.pages import PAPER_SIZES


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_page_size(path: Path) -> tuple[float, float]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", out, re.M).groups()
    return float(width), float(height)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # Typographic apostrophes (abcm2ps) and ligatures such as "ﬂ" (Qt's text shaping) back to plain letters.
    return unicodedata.normalize("NFKC", out).replace("\u2019", "'")


@pytest.fixture
def controlled(window, examples):
    """The window showing the example tunebook, with the print/export actions installed."""
    from composer.ui.menus import add_print_export

    window.load_text(examples.read_text(encoding="utf-8"), examples)
    controller = add_print_export(window)
    yield window, controller
    controller.jobs.wait_for_done(10_000)


def pdf_printer(path: Path, paper=None):
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    if paper is not None:
        printer.setPageSize(QPageSize(paper))
    return printer


def test_the_actions_sit_in_the_file_and_export_menus(controlled):
    window, controller = controlled
    file_texts = [a.text() for a in window.menu("File").actions()]
    export_position = file_texts.index(window.export_menu.menuAction().text())
    for action in (controller.import_action, controller.page_setup_action, controller.print_tune_action,
                   controller.print_book_action):
        assert file_texts.index(action.text()) < export_position
    assert controller.print_tune_action.shortcut().toString() == "Ctrl+P"
    export_texts = [a.text() for a in window.export_menu.actions()]
    assert all(a.text() in export_texts for a in controller.export_actions)
    assert window.export_tune_abc_action.text() in export_texts  # the window's own exports stay


def test_printing_the_current_tune_gives_one_page_with_its_title(controlled, qtbot, tmp_path):
    window, controller = controlled
    cooley = next(t for t in read_tunebook(window.path) if t.title == "Cooley's")
    window.editor.go_to(cooley.line + 8, 1)
    target = tmp_path / "tune.pdf"
    with qtbot.waitSignal(controller.printed, timeout=20_000) as printed:
        assert controller.print_to(pdf_printer(target), "tune")
    assert printed.args == [1]
    assert pdf_pages(target) == 1
    text = pdf_text(target)
    assert "Cooley's" in text and "The Kesh" not in text


def test_printing_the_tunebook_puts_every_tune_on_its_own_pages_of_the_chosen_paper(controlled, qtbot,
                                                                                    tmp_path):
    from PySide6.QtGui import QPageSize

    window, controller = controlled
    tunes = read_tunebook(window.path).tunes
    target = tmp_path / "book.pdf"
    with qtbot.waitSignal(controller.printed, timeout=30_000) as printed:
        controller.print_to(pdf_printer(target, QPageSize.PageSizeId.A5), "book")
    assert printed.args[0] >= len(tunes)
    assert pdf_pages(target) == printed.args[0]
    assert pdf_page_size(target) == pytest.approx(PAPER_SIZES["a5"], abs=1.5)
    text = pdf_text(target)
    assert all(t.title in text for t in tunes)


def test_exports_write_pdf_svg_pages_and_musicxml(controlled, qtbot, tmp_path):
    window, controller = controlled
    tunes = read_tunebook(window.path).tunes
    window.editor.go_to(1, 1)
    with qtbot.waitSignal(controller.exported, timeout=30_000) as done:
        controller.export_to(tmp_path / "book.pdf", "book")
    assert done.args == [[str(tmp_path / "book.pdf")]]
    assert pdf_pages(tmp_path / "book.pdf") >= len(tunes)
    with qtbot.waitSignal(controller.exported, timeout=30_000) as done:
        controller.export_to(tmp_path / "kesh.svg", "tune")
    [svg] = done.args[0]
    assert "The Kesh" in Path(svg).read_text(encoding="utf-8")
    with qtbot.waitSignal(controller.exported, timeout=60_000) as done:
        controller.export_to(tmp_path / "kesh.musicxml", "book")  # MusicXML: the current tune only
    xml = (tmp_path / "kesh.musicxml").read_text(encoding="utf-8")
    assert "<movement-title>The Kesh</movement-title>" in xml and "<ending" in xml
    with pytest.raises(ValueError):
        controller.export_to(tmp_path / "kesh.doc", "tune")


def test_an_export_can_be_cancelled_and_runs_under_a_time_limit(controlled, qtbot, tmp_path):
    window, controller = controlled
    window.editor.go_to(1, 1)
    with qtbot.waitSignal(controller.failed, timeout=30_000) as done:
        controller.export_to(tmp_path / "book.pdf", "book")
        assert controller.cancel_export_action.isEnabled()
        controller.cancel_export()
    assert done.args[0] == "Export" and "cancelled" in done.args[1]
    assert not controller.cancel_export_action.isEnabled()
    controller.export_time_limit = 0.05  # less than a child process takes to start
    with qtbot.waitSignal(controller.failed, timeout=30_000) as done:
        controller.export_to(tmp_path / "book.pdf", "book")
    assert "longer than 0.05 s" in done.args[1]
    assert [p.name for p in tmp_path.iterdir() if "book" in p.name] == []  # no temporary file either


def test_a_tunebook_export_writes_the_good_tunes_and_says_which_were_left_out(window, qtbot, tmp_path):
    from composer.ui.menus import add_print_export

    window.load_text("X:1\nT:Good\nM:4/4\nL:1/8\nK:D\nABcd efga|]\n\n"
                     "X:2\nT:Huge Meter\nM:999999/1\nL:1/8\nK:D\nABcd|]\n\n"
                     "X:3\nT:Zero Unit\nM:4/4\nL:1/0\nK:D\nABcd|]\n", None)
    controller = add_print_export(window)
    with qtbot.waitSignal(controller.exported, timeout=60_000) as done:
        controller.export_to(tmp_path / "book.svg", "book")
    assert done.args == [[str(tmp_path / "book.svg")]]  # one page: the good tune
    assert "Huge Meter" not in (tmp_path / "book.svg").read_text(encoding="utf-8")
    box = controller.message_box
    assert box.isVisible() and "2 tunes could not be exported" in box.text()
    assert "tune X:2" in box.informativeText() and "M:999999/1" in box.informativeText()
    assert "tune X:3" in box.informativeText() and "L:1/0" in box.informativeText()


def test_an_import_becomes_the_untitled_document_and_reports_what_was_left_out(controlled, qtbot, tmp_path):
    from composer.notation.midi import write_midi

    window, controller = controlled
    kesh = next(t for t in read_tunebook(window.path) if t.title == "The Kesh")
    write_midi(kesh, tmp_path / "kesh.mid", accompaniment=True)
    with qtbot.waitSignal(controller.imported, timeout=60_000) as done:
        controller.import_from(tmp_path / "kesh.mid")
    imported = done.args[0]
    assert window.text == imported.text and window.path is None
    assert window.editor.document().isModified()
    assert window.current_tune is not None and window.current_tune.key
    box = controller.message_box
    assert box is not None and box.isVisible() and "accompaniment" in box.informativeText()


def test_a_broken_import_is_reported_and_leaves_the_document_alone(controlled, qtbot, tmp_path):
    window, controller = controlled
    before = window.text
    (tmp_path / "broken.musicxml").write_text("<score-partwise><part", encoding="utf-8")
    with qtbot.waitSignal(controller.failed, timeout=30_000) as failed:
        controller.import_from(tmp_path / "broken.musicxml")
    assert failed.args[0] == "Import" and "broken.musicxml" in failed.args[1]
    assert window.text == before and window.path is not None
    assert controller.message_box.windowTitle() == "Import failed"
