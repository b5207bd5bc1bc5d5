"""Background jobs on a thread pool, one lane per kind of work, where only the newest request is answered."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from composer.ui.courier import call_in_ui_thread, prepare_courier


@dataclass(frozen=True)
class _Request:
    lane: str
    number: int
    function: Callable[..., Any]
    arguments: tuple[Any, ...]


# Python threads (not QThreadPool's): Python joins them at exit, before it tears down its own objects.
_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="composer-job")


def _run(request: _Request, jobs: BackgroundJobs) -> None:
    """The body of a pool thread: call the function, hand its result (or exception) to the UI thread."""
    try:
        result, error = request.function(*request.arguments), None
    except Exception as exc:  # handed to the UI thread as a value, never raised in the worker
        result, error = None, exc
    call_in_ui_thread(jobs, jobs._on_done, request, result, error)


class BackgroundJobs(QObject):
    """Runs `function(*snapshot)` off the UI thread, one at a time per lane.

    A request made while its lane is busy waits, replacing any older waiting request; a result that is not
    from the lane's newest request is dropped. Arguments must be snapshots (strings, frozen values), never
    live Qt objects.
    """

    finished = Signal(str, object)  # lane, result
    failed = Signal(str, object)  # lane, exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._futures: set[Future] = set()
        prepare_courier()
        self._newest: dict[str, int] = {}
        self._running: dict[str, _Request] = {}
        self._waiting: dict[str, _Request] = {}
        self._count = 0
        self.dropped = 0

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

    def is_idle(self) -> bool:
        """True when no lane has work running or waiting."""
        return not self._running and not self._waiting

    def wait_for_done(self, msecs: int = 10_000) -> bool:
        """Block until this object's jobs have run (their results still arrive through the event loop)."""
        _done, pending = wait(list(self._futures), timeout=msecs / 1000)
        return not pending

    def _start(self, request: _Request) -> None:
        self._running[request.lane] = request
        future = _EXECUTOR.submit(_run, request, self)
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
        if error is not None:
            self.failed.emit(request.lane, error)
        else:
            self.finished.emit(request.lane, result)
