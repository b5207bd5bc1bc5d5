"""A child process as a job: the signals of a `Job` (started, progress for each JSON line, result with an Answer,
failed, finished), cancel with a grace period then a kill, pause and resume, and the tail of stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from composer.ui.jobs import Answer, Job
from composer.ui.process_job import ProcessFailed, ProcessJob

posix_only = pytest.mark.skipif(os.name != "posix", reason="signals to the child need POSIX")


def recorded(job) -> list:
    """Every signal `job` emits, in order, as (name, argument)."""
    seen = []
    for name in ("started", "progress", "result", "failed", "finished"):
        getattr(job, name).connect(lambda value, name=name: seen.append((name, value)))
    return seen


def python(script: str, **options) -> ProcessJob:
    return ProcessJob(sys.executable, ["-c", script], **options)


def test_a_process_job_splits_events_from_text_across_reads(qtbot):
    script = ("import json, sys, time\n"
              "sys.stdout.write('{\"event\": \"A\", \"n\": 1}\\nplain text\\n{\"event\": \"B\"')\n"
              "sys.stdout.flush(); time.sleep(0.3)\n"
              "sys.stdout.write(', \"n\": 2}\\n{\"event\": \"C\"}')\n"  # the last line has no newline
              "sys.stderr.write('a warning\\n'); sys.exit(3)\n")
    job = python(script, lane="test", request=7)
    events, texts, failures = [], [], []
    job.progress.connect(events.append)
    job.text.connect(texts.append)
    job.failed.connect(failures.append)
    with qtbot.waitSignal(job.finished, timeout=30_000) as finished:
        assert job.start() is job
    assert events == [{"event": "A", "n": 1}, {"event": "B", "n": 2}, {"event": "C"}]
    assert texts == ["plain text"]
    assert [(f.exit_code, f.stderr) for f in failures] == [(3, "a warning")]
    assert isinstance(failures[0], ProcessFailed) and str(failures[0]) == "exit code 3: a warning"
    assert finished.args == [7]
    assert not job.running and not job.is_running() and job.pid is None


def test_a_process_job_reports_as_a_job_does(qtbot):
    """The same work as a generator in a Job and as a child printing JSON lines: the same signals, in the same
    order, with the same arguments; the result's Answer names the lane and the request."""
    def work():
        yield {"n": 1}
        yield {"n": 2}
        return "done"

    thread_job = Job(work, lane="same", request=5)
    thread_seen = recorded(thread_job)
    with qtbot.waitSignal(thread_job.finished, timeout=10_000):
        thread_job.start()
    script = "import sys\nprint('{\"n\": 1}'); print('{\"n\": 2}'); sys.stderr.write('done\\n')\n"
    process_job = python(script, lane="same", request=5)
    process_seen = recorded(process_job)
    with qtbot.waitSignal(process_job.finished, timeout=30_000):
        process_job.start()
    expected = [("started", 5), ("progress", {"n": 1}), ("progress", {"n": 2}),
                ("result", Answer("same", 5, "done")), ("finished", 5)]
    assert thread_seen == expected
    assert process_seen == expected


def test_a_program_that_cannot_start_fails_and_finishes(qtbot, tmp_path):
    job = ProcessJob(str(tmp_path / "no-such-program"), [], request=2)
    seen = recorded(job)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.start()
    assert [name for name, _value in seen] == ["failed", "finished"]
    failure = seen[0][1]
    assert failure.exit_code == -1 and "could not start" in failure.stderr and "no-such-program" in failure.stderr
    with pytest.raises(RuntimeError):
        job.start()  # a job runs once


READY_THEN_WAIT = ("import json, signal, sys, time\n"
                   "{handler}\n"
                   "print(json.dumps({{'ready': True}}), flush=True)\n"
                   "while True:\n"
                   "    time.sleep(0.05)\n")


@posix_only
def test_cancel_asks_the_child_to_stop_and_it_ends_cleanly(qtbot):
    """SIGTERM, which the child takes as "stop now, cleanly": what it prints on the way out still arrives."""
    handler = ("signal.signal(signal.SIGTERM, lambda *_: (print(json.dumps({'stopped': True}), flush=True), "
               "sys.exit(0)))")
    job = python(READY_THEN_WAIT.format(handler=handler), request=3)
    seen = recorded(job)
    with qtbot.waitSignal(job.progress, timeout=30_000):
        job.start()
    assert job.running and not job.cancelled
    with qtbot.waitSignal(job.finished, timeout=30_000):
        job.cancel()
    assert job.cancelled
    assert [name for name, _value in seen] == ["started", "progress", "progress", "result", "finished"]
    assert seen[2] == ("progress", {"stopped": True}) and seen[3] == ("result", Answer("process", 3, ""))


@posix_only
def test_a_child_that_ignores_cancel_is_killed_after_the_grace_period(qtbot):
    job = python(READY_THEN_WAIT.format(handler="signal.signal(signal.SIGTERM, signal.SIG_IGN)"))
    failures = []
    job.failed.connect(failures.append)
    with qtbot.waitSignal(job.progress, timeout=30_000):
        job.start()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        job.cancel(grace_ms=100)
    assert job.cancelled and not job.running
    assert [f.exit_code for f in failures] == [-1]


@posix_only
def test_pause_stops_the_child_and_resume_lets_it_go_on(qtbot):
    job = python(READY_THEN_WAIT.format(handler=""))
    changes = []
    job.paused_changed.connect(changes.append)
    with qtbot.waitSignal(job.progress, timeout=30_000):
        job.start()
    pid = job.pid
    assert job.pause() and not job.pause()  # pausing twice does nothing the second time
    qtbot.waitUntil(lambda: process_state(pid) == "T", timeout=5000)
    assert job.resume() and not job.resume()
    qtbot.waitUntil(lambda: process_state(pid) != "T", timeout=5000)
    assert changes == [True, False]
    assert job.pause()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        job.cancel()  # a stopped child is continued, so that it can act on SIGTERM
    assert changes == [True, False, True, False] and not job.paused


def process_state(pid: int) -> str:
    """The kernel's one-letter state of a process (T = stopped)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
