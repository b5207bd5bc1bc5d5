"""The job system: Job objects with their own signals, newest-only lanes, an interactive and a slow pool."""

from __future__ import annotations

import threading
import time

import pytest

from composer.ui.jobs import NewestOnly


@pytest.fixture
def jobs(qtbot):
    """A NewestOnly owned by a widget that pytest-qt closes and deletes after the test."""
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    qtbot.addWidget(owner)
    made = NewestOnly(owner)
    yield made
    made.wait_for_done(5000)


def slow_echo(value: int, delay: float) -> tuple[int, str]:
    time.sleep(delay)
    return value, threading.current_thread().name


def test_only_the_newest_request_of_a_lane_is_answered(qtbot, jobs):
    answers = []
    jobs.finished.connect(lambda lane, result: answers.append((lane, result[0])))
    for value in range(6):
        jobs.submit("engrave", slow_echo, value, 0.05)
    qtbot.waitUntil(jobs.is_idle, timeout=5000)
    assert answers == [("engrave", 5)]
    assert jobs.dropped == 5  # four replaced while waiting, the first answered too late


def test_work_runs_off_the_ui_thread_and_lanes_are_independent(qtbot, jobs):
    answers = {}
    jobs.finished.connect(lambda lane, result: answers.__setitem__(lane, result))
    jobs.submit("a", slow_echo, 1, 0.01)
    jobs.submit("b", slow_echo, 2, 0.01)
    qtbot.waitUntil(jobs.is_idle, timeout=5000)
    assert answers["a"][0] == 1 and answers["b"][0] == 2
    assert threading.main_thread().name not in (answers["a"][1], answers["b"][1])


def test_an_exception_is_delivered_as_a_failure(qtbot, jobs):

    def broken() -> None:
        raise ValueError("bad tune")

    with qtbot.waitSignal(jobs.failed) as signal:
        jobs.submit("check", broken)
    assert signal.args[0] == "check" and str(signal.args[1]) == "bad tune"


def test_a_job_reports_started_progress_result_and_finished_in_order_with_its_request(qtbot):
    from composer.ui.jobs import Answer, Job

    def counting(n: int):
        yield from range(n)
        return "done"

    job = Job(counting, 3, lane="count", request=42)
    seen = []
    job.started.connect(lambda request: seen.append(("started", request)))
    job.progress.connect(lambda value: seen.append(("progress", value)))
    job.result.connect(lambda answer: seen.append(("result", answer)))
    job.finished.connect(lambda request: seen.append(("finished", request)))
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.start()
    assert seen == [("started", 42), ("progress", 0), ("progress", 1), ("progress", 2),
                    ("result", Answer("count", 42, "done")), ("finished", 42)]


def test_a_cancelled_generator_job_stops_between_yields(qtbot):
    from composer.ui.jobs import Job

    gate = threading.Event()
    yielded = []

    def endless():
        i = 0
        while True:
            gate.wait(5)
            yield i
            i += 1

    job = Job(endless, lane="endless")
    job.progress.connect(yielded.append)
    job.start()
    job.cancel()
    gate.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert len(yielded) <= 1


def test_cancel_reaches_a_plain_function_through_its_cancel_keyword(qtbot):
    from composer.ui.jobs import Job

    started = threading.Event()

    def waits(label: str, *, stop: threading.Event) -> str:
        started.set()
        return label if stop.wait(30) else "not cancelled"

    job = Job(waits, "stopped", lane="waits", cancel_keyword="stop")
    answers = []
    job.result.connect(lambda answer: answers.append(answer.value))
    with qtbot.waitSignal(job.finished, timeout=30_000):
        job.start()
        assert started.wait(30)
        job.cancel()
    assert answers == ["stopped"]


def test_newest_only_answers_say_which_request_they_answer(qtbot, jobs):
    answers = []
    jobs.answered.connect(answers.append)
    jobs.submit("engrave", slow_echo, 1, 0.0)
    qtbot.waitUntil(jobs.is_idle, timeout=5000)
    number = jobs.submit("engrave", slow_echo, 2, 0.0)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=5000)
    assert answers[-1].request == number == jobs.newest("engrave") and answers[-1].value[0] == 2


def test_slow_work_does_not_delay_interactive_work(qtbot, jobs):
    # Two exports fill the slow pool; engraving still runs at once on the interactive one.
    release = threading.Event()
    jobs.submit("export", lambda: release.wait(10))
    jobs.submit("import", lambda: release.wait(10))
    with qtbot.waitSignal(jobs.finished, timeout=2000) as signal:
        jobs.submit("engrave", slow_echo, 7, 0.0)
    release.set()
    assert signal.args[0] == "engrave" and signal.args[1][0] == 7
    assert signal.args[1][1].startswith("composer-interactive")
