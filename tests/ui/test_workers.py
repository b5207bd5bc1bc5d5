"""Background jobs: off the UI thread, newest request wins, stale results dropped, errors delivered."""

from __future__ import annotations

import threading
import time

import pytest

from composer.ui.workers import BackgroundJobs


@pytest.fixture
def jobs(qtbot):
    """A BackgroundJobs owned by a widget that pytest-qt closes and deletes after the test."""
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    qtbot.addWidget(owner)
    made = BackgroundJobs(owner)
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
