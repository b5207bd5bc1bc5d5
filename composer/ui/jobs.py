"""One job system: work off the UI thread as Job objects with their own signals, on an interactive or a slow pool.

- `Job` runs one function (or generator) on an executor. Its signals are `started`, `progress` (each value a
  generator yields), `result` (an `Answer`, which names the request it answers), `failed` and `finished`.
  `cancel()` asks a generator to stop between two yields, and sets the event a function given `cancel_keyword`
  gets, for work that stops sooner (a sampling loop, a child process).
- `NewestOnly` keeps one lane per kind of work where only the newest request is answered (engraving, checking,
  previews): a request made while its lane is busy waits, replacing any older waiting request.
- Interactive work (engrave, check, parse, preview) and slow work (export, model load, torch) run on separate
  executors, so a music21 export never delays engraving; sampling candidates (the `generate` lane) has a third.
- Work in a child process (fine-tuning) is a `composer.ui.process_job.ProcessJob`: the same signals, with each
  JSON line the child prints as `progress`, and pause, resume and cancel-then-kill.

Workers never emit on an object the UI may delete: every signal goes through the courier
(`composer.ui.courier.call_in_ui_thread`), which drops it when its receiver is gone. Arguments must be snapshots
(strings, frozen values), never live Qt objects.
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from composer.ui.courier import call_in_ui_thread, prepare_courier

# Python threads (not QThreadPool's): Python joins them at exit, before it tears down its own objects.
#: Work a person waits on while typing: engraving, checking, parsing, previews.
INTERACTIVE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="composer-interactive")
#: Work that may take seconds: exports, imports, model loads, torch imports, samples.
SLOW = ThreadPoolExecutor(max_workers=2, thread_name_prefix="composer-slow")
#: Sampling candidates (seconds to minutes): its own thread, so it neither delays engraving nor waits behind exports.
GENERATE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="composer-generate")

#: How often the GIL changes hands while a job runs (seconds). The UI thread calls into Python many times an
#: event (overridden paint, resize and key handlers); with the default 5 ms, each call may wait that long for a
#: worker parsing or checking in pure Python, and one layout pass of the window stalled ~100 ms.
GIL_SWITCH_SECONDS = 0.0005

#: Lanes of `NewestOnly` that run on the interactive executor; every other lane runs on the slow one, except
#: `generate`, which has its own.
INTERACTIVE_LANES = frozenset({"parse", "engrave", "check", "preview", "audition", "form", "suggest"})


_switching_lock = threading.Lock()
_jobs_running = 0
_interval_before = sys.getswitchinterval()


@contextmanager
def quick_gil_switching() -> Iterator[None]:
    """While any job runs, hand the GIL over every GIL_SWITCH_SECONDS; the interval before comes back after."""
    global _jobs_running, _interval_before
    with _switching_lock:
        if _jobs_running == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_before, GIL_SWITCH_SECONDS))
        _jobs_running += 1
    try:
        yield
    finally:
        with _switching_lock:
            _jobs_running -= 1
            if _jobs_running == 0:
                sys.setswitchinterval(_interval_before)


@dataclass(frozen=True)
class Answer:
    """A job's result and the request it answers (the lane and the request number it was given)."""

    lane: str
    request: int
    value: Any


#: The executor of each lane that does not run on the slow one.
_EXECUTORS: dict[str, Executor] = {**dict.fromkeys(INTERACTIVE_LANES, INTERACTIVE), "generate": GENERATE}


def executor_for(lane: str) -> Executor:
    """The executor a lane's work runs on."""
    return _EXECUTORS.get(lane, SLOW)


class Job(QObject):
    """`function(*arguments)` on `executor`, reported through this object's signals in the UI thread.

    A generator function's yielded values arrive as `progress`; its return value (or a plain function's) as
    `result`, wrapped in an `Answer`. `finished` always comes last, after `result` or `failed`. With
    `cancel_keyword`, the function also gets the job's cancel event under that name.
    """

    started = Signal(int)  # request
    progress = Signal(object)  # a value the generator yielded
    result = Signal(object)  # Answer
    failed = Signal(object)  # the exception
    finished = Signal(int)  # request

    def __init__(self, function: Callable[..., Any], *arguments: Any, lane: str = "job", request: int = 0,
                 executor: Executor | None = None, cancel_keyword: str | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        prepare_courier()
        self.function = function
        self.arguments = arguments
        self.lane = lane
        self.request = request
        self.executor = executor or executor_for(lane)
        self.future: Future | None = None
        self._cancel = threading.Event()
        self.keywords = {cancel_keyword: self._cancel} if cancel_keyword else {}

    def start(self) -> Job:
        """Submit the work; returns self."""
        self.future = self.executor.submit(self._run)
        return self

    def cancel(self) -> None:
        """Ask a generator to stop at its next yield, and set the cancel event the function was given (a plain
        function without one runs to its end)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self.future is not None and not self.future.done()

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until the work has run (its signals still arrive through the event loop)."""
        if self.future is None:
            return True
        _done, pending = wait([self.future], timeout=timeout)
        return not pending

    def _run(self) -> None:
        call_in_ui_thread(self, self.started.emit, self.request)
        try:
            with quick_gil_switching():
                value = self.function(*self.arguments, **self.keywords)
                if inspect.isgenerator(value):
                    value = self._drain(value)
        except Exception as exc:  # handed to the UI thread as a value, never raised in the worker
            call_in_ui_thread(self, self.failed.emit, exc)
        else:
            call_in_ui_thread(self, self.result.emit, Answer(self.lane, self.request, value))
        call_in_ui_thread(self, self.finished.emit, self.request)

    def _drain(self, generator) -> Any:
        while True:
            if self._cancel.is_set():
                generator.close()
                return None
            try:
                yielded = next(generator)
            except StopIteration as stop:
                return stop.value
            call_in_ui_thread(self, self.progress.emit, yielded)


@dataclass(frozen=True)
class _Request:
    lane: str
    number: int
    function: Callable[..., Any]
    arguments: tuple[Any, ...]


def _run(request: _Request, jobs: NewestOnly) -> None:
    """The body of a pool thread: call the function, hand its result (or exception) to the UI thread."""
    try:
        with quick_gil_switching():
            result, error = request.function(*request.arguments), None
    except Exception as exc:  # handed to the UI thread as a value, never raised in the worker
        result, error = None, exc
    call_in_ui_thread(jobs, jobs._on_done, request, result, error)


class NewestOnly(QObject):
    """Runs `function(*snapshot)` off the UI thread, one at a time per lane, answering only the newest request.

    A request made while its lane is busy waits, replacing any older waiting request; a result that is not
    from the lane's newest request is dropped. `finished(lane, result)` and `failed(lane, exception)` come
    with `answered(Answer)`, which also names the request; `on(lane, result=..., failed=...)` routes one lane.
    """

    finished = Signal(str, object)  # lane, result
    failed = Signal(str, object)  # lane, exception
    answered = Signal(object)  # Answer

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._futures: set[Future] = set()
        prepare_courier()
        self._newest: dict[str, int] = {}
        self._running: dict[str, _Request] = {}
        self._waiting: dict[str, _Request] = {}
        self._handlers: dict[str, tuple[Callable[[Any], None] | None, Callable[[Exception], None] | None]] = {}
        self._count = 0
        self.dropped = 0

    def on(self, lane: str, result: Callable[[Any], None] | None = None,
           failed: Callable[[Exception], None] | None = None) -> None:
        """Call `result(value)` or `failed(exception)` for the answers of `lane`."""
        self._handlers[lane] = (result, failed)

    def submit(self, lane: str, function: Callable[..., Any], *arguments: Any) -> int:
        """Ask for `function(*arguments)` in `lane`; returns the request number."""
        self._count += 1
        request = _Request(lane, self._count, function, arguments)
        self._newest[lane] = request.number
        if lane in self._running:
            if lane in self._waiting:
                self.dropped += 1
            self._waiting[lane] = request
        else:
            self._start(request)
        return request.number

    def newest(self, lane: str) -> int:
        """The number of the newest request made in `lane` (0: none)."""
        return self._newest.get(lane, 0)

    def is_idle(self) -> bool:
        """True when no lane has work running or waiting."""
        return not self._running and not self._waiting

    def wait_for_done(self, msecs: int = 10_000) -> bool:
        """Block until this object's jobs have run (their results still arrive through the event loop)."""
        _done, pending = wait(list(self._futures), timeout=msecs / 1000)
        return not pending

    def _start(self, request: _Request) -> None:
        self._running[request.lane] = request
        future = executor_for(request.lane).submit(_run, request, self)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def _on_done(self, request: _Request, result: Any, error: Exception | None) -> None:
        self._running.pop(request.lane, None)
        waiting = self._waiting.pop(request.lane, None)
        if waiting is not None:
            self._start(waiting)
        if request.number != self._newest.get(request.lane):
            self.dropped += 1
            return
        on_result, on_failed = self._handlers.get(request.lane, (None, None))
        if error is not None:
            if on_failed is not None:
                on_failed(error)
            self.failed.emit(request.lane, error)
        else:
            if on_result is not None:
                on_result(result)
            self.answered.emit(Answer(request.lane, request.number, result))
            self.finished.emit(request.lane, result)

