"""The Document: the tunebook is parsed off the UI thread, newest wins, whether or not abcm2ps can draw it."""

from __future__ import annotations

import threading

from composer.abc.tunebook import read_string

TWO_TUNES = "X:1\nT:First\nM:4/4\nL:1/8\nK:G\nGABc dedB|\n\nX:2\nT:Second\nM:6/8\nL:1/8\nK:D\nDFA dAF|\n"


def test_the_tunebook_follows_the_text_when_abcm2ps_is_missing(qtbot, window, settle, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no abcm2ps here: every engraving fails
    failures = []
    window.jobs.failed.connect(lambda lane, error: failures.append(lane))
    with qtbot.waitSignal(window.document.tunebook_changed, timeout=10_000):
        window.load_text(TWO_TUNES, None)
    settle(window)
    assert "engrave" in failures and window.staff.engraved is None
    assert [row[1] for row in window.tune_list.row_texts()] == ["First", "Second"]
    window.editor.go_to(8, 1)
    window.editor.insertPlainText("X:3\nT:Third\nK:C\nC\n\n")
    qtbot.waitUntil(lambda: [row[1] for row in window.tune_list.row_texts()] == ["First", "Third", "Second"],
                    timeout=10_000)
    window.editor.go_to(15, 1)  # in the tune called Second
    assert window.document.current_tune.title == "Second"
    assert window.book.tune_at_line(15).title == "Second"


def test_parsing_runs_off_the_ui_thread_and_only_the_newest_text_is_taken(qtbot, window, settle, monkeypatch):
    from composer.ui import document

    threads: list[str] = []
    real = document.parse_tunebook

    def parse_and_note_thread(text: str):
        threads.append(threading.current_thread().name)
        return real(text)

    # Record where the real parse runs (the parse itself is unchanged).
    monkeypatch.setattr(document, "parse_tunebook", parse_and_note_thread)
    window.load_text(TWO_TUNES, None)
    for _ in range(5):
        window.editor.insertPlainText("%\n")
    settle(window)
    qtbot.waitUntil(lambda: window.document.is_parsed, timeout=10_000)
    assert threads and all(name.startswith("composer-interactive") for name in threads)
    assert window.book.text == read_string(window.text).text


def test_a_new_document_resets_the_views_and_says_so(qtbot, window, settle, tmp_path):
    window.load_text(TWO_TUNES, None)
    settle(window)
    path = tmp_path / "one.abc"
    path.write_text("X:1\nT:Only\nK:C\nC\n")
    with qtbot.waitSignal(window.document.reset), qtbot.waitSignal(window.document.path_changed) as changed:
        window.open_path(path, ask=False)
    assert changed.args == [str(path)]
    assert window.tune_list.row_texts() == [] or window.document.is_parsed
    settle(window)
    assert [row[1] for row in window.tune_list.row_texts()] == ["Only"]
