"""Print/export/import and the co-writer in the editor work from their parts alone: the Document (or the editor)
in, requests out. Built alone they run with no window; wired into one, nothing they hold reaches it."""

from __future__ import annotations

from support.references import references_of


def test_print_export_works_from_a_document_alone_and_asks_to_replace_it(qtbot, examples):
    """No window: the Document in; the text to print follows its cursor, and an import asks to become the
    document with a request that whoever owns the text answers."""
    from PySide6.QtGui import QTextDocument

    from composer.ui.document import Document
    from composer.ui.jobs import NewestOnly
    from composer.ui.main_window import MainWindow
    from composer.ui.tunebook.print_export import BOOK, TUNE, OpenRequest, PrintExport

    text = QTextDocument()
    text.setPlainText(examples.read_text(encoding="utf-8"))
    document = Document(text.toPlainText, NewestOnly())
    document.replace(examples)
    controller = PrintExport(document)
    messages, requests = [], []
    controller.status_message.connect(lambda message, _ms: messages.append(message))
    kesh = next(t for t in document.tunebook().tunes if t.title == "The Kesh")
    document.move_cursor(kesh.line + 3, 1)
    assert "T:The Kesh" in controller.text_for(TUNE) and "T:Cooley's" not in controller.text_for(TUNE)
    assert controller.text_for(BOOK) == document.tunebook().text
    assert controller._suggested_path(TUNE, ".pdf") == str(examples.parent / "the-kesh.pdf")

    controller.open_requested.connect(requests.append)
    controller._imported(_Imported("X:1\nT:New\nK:D\nABc|]\n"))
    assert [r.text for r in requests] == ["X:1\nT:New\nK:D\nABc|]\n"] and messages[-1] == "Import cancelled"
    controller.open_requested.connect(lambda request: setattr(request, "accepted", True))
    with qtbot.waitSignal(controller.imported):
        controller._imported(_Imported("X:1\nT:New\nK:D\nABc|]\n"))
    assert isinstance(requests[-1], OpenRequest) and messages[-1] == "Imported"
    assert controller.parent() is None
    assert not [thing for thing in references_of(controller) if isinstance(thing, MainWindow)]


class _Imported:
    """An import's result (composer.notation.abc_from_score.ImportedAbc) as far as the controller reads it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def report(self) -> str:
        return ""


def test_in_the_window_print_export_and_the_editor_cowriter_hold_no_reference_to_it(window, tmp_path,
                                                                                  monkeypatch, examples):
    from composer.ui.menus import add_print_export

    (tmp_path / "user-data" / "models").mkdir(parents=True)
    monkeypatch.setenv("COMPOSER_DATA", str(tmp_path / "user-data"))
    controller = add_print_export(window)
    panel = window.add_generation_panel()
    try:
        window.load_text(examples.read_text(encoding="utf-8"), examples)
        cowriter = window.editor_cowriter
        for root, parts in ((controller, (window.document, controller.printer)),
                            (cowriter, (window.editor, cowriter.suggestions, window.settings))):
            reached = references_of(root)
            assert all(any(thing is part for thing in reached) for part in parts)  # the walk reaches its parts
            assert not [thing for thing in reached if thing is window]
            assert not [thing for thing in reached if thing is window.transport or thing is window.playback]
        assert controller.parent() is window and cowriter.parent() is window  # dialogs sit over the window
    finally:
        controller.jobs.wait_for_done(10_000)
        panel.shutdown()


def test_in_the_window_the_files_and_the_exports_hold_no_reference_to_it(window, tmp_path, examples):
    """TunebookFiles and TuneExports get the editor, the Document and the job system, never the window: their
    dialogs sit over the editor (in the window all the same), and the window's title and modified mark follow
    their signals."""
    from PySide6.QtWidgets import QMessageBox

    window.load_text(examples.read_text(encoding="utf-8"), examples)
    for root, parts in ((window.files, (window.editor, window.document, window.settings, window.autosave)),
                        (window.exports, (window.document, window.jobs))):
        reached = references_of(root)
        assert all(any(thing is part for thing in reached) for part in parts)  # the walk reaches its parts
        assert not [thing for thing in reached if thing is window]
        assert root.parent() is not window
    assert window.windowTitle() == "examples.abc[*] — Composer" and window.windowFilePath() == str(examples)
    window.load_text("X:1\nT:Changed\nK:D\n", None, modified=True, untitled_name="Imported")
    assert window.windowTitle() == "Imported[*] — Composer" and window.isWindowModified()

    binary = tmp_path / "picture.abc"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert not window.open_path(binary, ask=False)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and boxes[0].window() is boxes[0] and boxes[0].parentWidget().window() is window
    boxes[0].button(QMessageBox.StandardButton.Ok).click()
