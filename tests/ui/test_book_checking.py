"""The window's check: the whole book's problems are check_text's, the tune at the cursor comes first, an edit
checks its tune alone again, and a newer check replaces an older one."""

from __future__ import annotations

import threading

import pytest

from composer.abc.book_check import BookCheck
from composer.abc.checker import check_text
from composer.abc.tunebook import read_string
from composer.ui.editor.checking import CheckSoFar, check_rest, check_tunebook
from composer.ui.editor.editor import Problem


def _problems(text: str, path: str | None = None) -> list[Problem]:
    return [Problem(d.severity, d.message, d.line or 1, d.column or 1) for d in check_text(text, path)]


@pytest.fixture
def hornpipes(tmp_path, nottingham_folder):
    """Nottingham's 65 hornpipes, a copy the window may save over."""
    path = tmp_path / "hpps.abc"
    path.write_text((nottingham_folder / "hpps.abc").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_the_whole_books_problems_are_check_texts_and_an_edit_checks_its_tune_alone(qtbot, window, settle,
                                                                                   hornpipes):
    window.open_path(hornpipes, ask=False)
    settle(window, 60_000)
    assert window.problems == _problems(window.text, str(hornpipes)) != []
    assert window.problems_list.topLevelItemCount() == len(window.problems)
    assert window.problems_dock.windowTitle() == f"Problems ({len(window.problems)})"
    tunes = read_string(window.text).tunes
    memory = window.checking.book_check
    checked = memory.stats.checked
    assert checked == len(tunes)

    tune = tunes[30]
    window.editor.go_to(tune.end_line, len(tune.source_lines[-1]))
    window.editor.insertPlainText(" z9|")  # an overfull bar in one tune
    settle(window, 60_000)
    assert memory.stats.checked == checked + 1
    assert window.problems == _problems(window.text, str(hornpipes))
    assert any(p.line == tune.end_line and "overfills" in p.message for p in window.problems)


def test_the_tune_at_the_cursor_is_shown_first_then_the_rest(qtbot, window, settle, hornpipes):
    window.open_path(hornpipes, ask=False)
    settle(window, 60_000)
    tunes = read_string(window.text).tunes
    cursor = next(t for t in tunes[20:] if _problems(t.text()))  # a tune with a problem
    window.editor.go_to(cursor.line + 1, 1)
    window.checking.book_check = BookCheck()  # a first check again, from nothing remembered
    found = []
    window.checking.found.connect(found.append)
    window.check_now()
    settle(window, 60_000)
    first = found[0]
    assert not first.complete and first.shown and first.checked == 1 / len(tunes)
    assert all(cursor.line <= p.line <= cursor.end_line for p in first.shown)
    assert found[-1].complete and list(found[-1].shown) == window.problems == _problems(window.text, str(hornpipes))
    assert [f.checked for f in found[:-1]] == sorted(f.checked for f in found[:-1])  # the panel fills as parts come


def test_a_newer_check_replaces_an_older_one(qtbot, window, settle, nottingham_folder):
    window.load_text("X:1\nT:t\nM:4/4\nL:1/8\nK:C\nCDEF|\n", None)
    settle(window)
    jigs = (nottingham_folder / "jigs.abc").read_text(encoding="utf-8")
    newer = "X:1\nT:Overfull\nM:4/4\nL:1/8\nK:C\nCDEF GABc|CDEF GABc d|C8|\n"
    older, found = [], []
    window.checking.found.connect(older.append)
    window.checking.check(jigs, None, check_text(jigs)[0].line)  # 340 tunes, from one with a problem
    qtbot.waitUntil(lambda: bool(older), timeout=30_000)  # the older check runs: its first part is on show
    assert older[0].shown and not older[0].complete
    window.checking.found.connect(found.append)
    window.checking.check(newer, None, 1)
    settle(window, 60_000)
    assert window.problems == _problems(newer) != []
    assert found and all(set(f.shown) <= set(_problems(newer)) for f in found)  # nothing of the older check
    assert found[-1].complete and found[-1].count == len(_problems(newer))


def test_a_check_stops_between_two_parts_when_a_newer_one_is_asked_for(nottingham_folder):
    text = (nottingham_folder / "hpps.abc").read_text(encoding="utf-8")
    stop, reported = threading.Event(), []

    def report(part) -> None:
        reported.append(part)
        stop.set()  # as BookChecking.check does for the running check when a newer one comes

    memory = BookCheck()
    assert check_tunebook(memory, text, None, 1, report, stop) is None
    assert len(reported) == 1 and memory.stats.checked == 1  # the tune at the cursor alone
    assert check_tunebook(memory, text, None, 1, lambda _part: None, threading.Event()) == _problems(text)


def test_the_rest_of_a_first_check_waits_for_the_first_reading_without_holding_a_worker(nottingham_folder):
    text = (nottingham_folder / "jigs.abc").read_text(encoding="utf-8")
    reports = []
    so_far = check_tunebook(BookCheck(), text, None, 40, reports.append, threading.Event(), pause_after_first=True)
    assert isinstance(so_far, CheckSoFar) and len(reports) == 1  # the tune at the cursor, then it returns
    assert check_rest(so_far, reports.append, threading.Event()) == _problems(text)
    assert len(reports) > 1


def test_a_new_documents_check_pauses_with_no_job_running_until_the_book_is_read(qtbot, nottingham_folder):
    from composer.ui.editor.checking import BookChecking
    from composer.ui.jobs import NewestOnly

    text = (nottingham_folder / "jigs.abc").read_text(encoding="utf-8")
    jobs = NewestOnly()
    checking = BookChecking(jobs)
    found = []
    checking.found.connect(found.append)
    checking.check(text, None, 40)
    qtbot.waitUntil(lambda: jobs.is_idle() and bool(found), timeout=60_000)
    assert not found[-1].complete  # the tune at the cursor only, and no worker thread waits for the reading
    checking.reading_done()
    qtbot.waitUntil(lambda: found[-1].complete, timeout=120_000)
    assert checking.problems == _problems(text)


def test_a_window_closed_before_its_book_is_read_leaves_no_job_running(qtbot, make_window, hornpipes):
    window = make_window()
    window.open_path(hornpipes, ask=False)
    window.editor.document().setModified(False)
    assert window.close()
    # Its check may not wait for a reading that cannot come while the window waits for its jobs.
    assert window.jobs.wait_for_done(0)
