"""Generation as a Job of the job system, on the shipped model: its signals in order, its own executor, and
cancel stopping the stream between two sampling steps."""

from __future__ import annotations

import threading

import pytest

from composer.model.generate import Finished, Request, Sampled, Started
from composer.model.sampling import SamplingOptions
from composer.paths import default_model_path
from composer.ui.cowriter.generation_job import GenerationJob, generate_in_batches
from composer.ui.jobs import Answer, Job

LONG_WAIT = 60_000
PRIME = "X:1\nT:Test\nM:6/8\nL:1/8\nK:D\n"


@pytest.fixture
def model():
    if not default_model_path().is_file():
        pytest.skip("models/default.onnx is not there (it is trained separately)")
    return default_model_path()


def request(count: int, bars: int) -> Request:
    return Request(PRIME, count=count, sampling=SamplingOptions(seed=11), max_bars=bars)


def watch(job: Job) -> list[tuple[str, object]]:
    """Every signal of `job` as (name, argument), in the order they arrive."""
    seen: list[tuple[str, object]] = []
    for name in ("started", "progress", "result", "failed", "finished"):
        getattr(job, name).connect(lambda value, name=name: seen.append((name, value)))
    return seen


def test_a_generation_job_reports_started_batches_its_answer_and_finished_in_order(qtbot, model):
    job = GenerationJob(model, request(2, 2), request=5)
    seen = watch(job)
    with qtbot.waitSignal(job.finished, timeout=LONG_WAIT):
        job.start()

    assert seen[0] == ("started", 5)
    assert seen[-2:] == [("result", Answer("generate", 5, "done")), ("finished", 5)]
    batches = seen[1:-2]
    assert batches and {name for name, _ in batches} == {"progress"}
    events = [event for _, batch in batches for event in batch]
    assert isinstance(events[0], Started) and events[0].candidates == 2
    finished = {event.candidate: event for event in events if isinstance(event, Finished)}
    assert sorted(finished) == [0, 1] and {event.reason for event in finished.values()} <= {"bars", "end", "chars"}
    for candidate, last in finished.items():  # the batches carry every character, in order
        assert "".join(e.text for e in events if isinstance(e, Sampled) and e.candidate == candidate) == last.text


def test_cancel_reaches_the_sampling_loop_between_two_steps(model):
    cancel = threading.Event()
    batches = generate_in_batches(model, request(4, 64), cancel, flush_seconds=0)  # one event per batch
    handed = [next(batches) for _ in range(12)]  # Started, then a few characters of each candidate
    assert isinstance(handed[0][0], Started) and all(isinstance(b[0], Sampled) for b in handed[1:])
    cancel.set()
    with pytest.raises(StopIteration) as stop:
        last = next(batches)  # held back until the stream ended: every candidate's end in one batch
        next(batches)
    assert stop.value.value == "cancelled"
    ends = [e for e in last if isinstance(e, Finished)]
    assert [(e.candidate, e.reason) for e in ends] == [(c, "cancelled") for c in range(4)]
    rest = [e for e in last if isinstance(e, Sampled)]  # the rest of the step the cancel came in, nothing after
    assert len({e.candidate for e in rest}) == len(rest) < 4
    for end in ends:  # each keeps exactly the characters it was given
        given = [b[0] for b in handed[1:]] + rest
        assert end.text == "".join(e.text for e in given if e.candidate == end.candidate)

def test_a_cancelled_generation_job_stops_mid_stream_and_still_finishes(qtbot, model):
    job = GenerationJob(model, request(8, 64), request=9)
    seen = watch(job)
    job.progress.connect(lambda _batch: job.cancel())  # at the first batch of characters
    with qtbot.waitSignal(job.finished, timeout=LONG_WAIT):
        job.start()

    assert seen[0] == ("started", 9) and seen[-1] == ("finished", 9)
    name, answer = seen[-2]
    assert name == "result" and answer.request == 9 and answer.value in (None, "cancelled")
    events = [event for name, batch in seen if name == "progress" for event in batch]
    natural = [e for e in events if isinstance(e, Finished) and e.reason != "cancelled"]
    assert len(natural) < 8  # 8 candidates of 64 bars were far from done


def test_generation_does_not_wait_behind_slow_work(qtbot, model):
    release = threading.Event()
    exports = [Job(release.wait, 30, lane="export").start() for _ in range(2)]  # the slow pool is full
    try:
        job = GenerationJob(model, request(1, 1), request=1)
        with qtbot.waitSignal(job.result, timeout=LONG_WAIT) as answer:
            job.start()
        assert answer.args[0].value == "done"
        assert not release.is_set() and all(export.is_running() for export in exports)
    finally:
        release.set()
        for export in exports:
            export.wait()
