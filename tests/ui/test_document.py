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


def test_a_very_long_tunebook_opens_plain_with_every_tune_listed(qtbot, window, settle, tmp_path):
    from composer.ui.editor.editor import HIGHLIGHT_MAX_LINES

    count = HIGHLIGHT_MAX_LINES // 6 + 10
    path = tmp_path / "long.abc"
    path.write_text("\n".join(f"X:{n}\nT:Tune {n}\nM:4/4\nL:1/8\nK:C\nCDEF GABc|\n" for n in range(1, count + 1)))
    window.open_path(path, ask=False)
    assert window.editor.highlighter.document() is None  # not coloured: that would take seconds at once
    settle(window, 120_000)
    assert window.tune_list.row_count() == count and window.tune_list.row_texts()[-1][1] == f"Tune {count}"
    window.load_text(TWO_TUNES, None)
    assert window.editor.highlighter.document() is window.editor.document()


def test_thousands_of_problems_are_counted_and_the_first_thousand_shown(qtbot, window, settle):
    from composer.ui.editor.checking import MAX_SHOWN_PROBLEMS

    count = MAX_SHOWN_PROBLEMS + 200
    text = "\n".join(f"X:{n}\nT:t\nM:4/4\nL:1/8\nK:C\nCDEF GABc|CDEF GABc d|C8|\n" for n in range(1, count + 1))
    window.load_text(text, None)
    settle(window, 120_000)
    assert len(window.problems) == count
    assert len(window.editor.problems) == window.problems_list.topLevelItemCount() == MAX_SHOWN_PROBLEMS
    assert window.problems_dock.windowTitle() == f"Problems ({count}, the first {MAX_SHOWN_PROBLEMS} shown)"
