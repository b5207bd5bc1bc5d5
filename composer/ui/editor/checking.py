"""The check job (BookChecking): the tune at the cursor first, then the rest of the tunebook in parts, each part's
diagnostics shown as the editor's Problems as it comes. What was checked is remembered (composer.abc.book_check),
so a check after typing checks the edited tune alone; a newer check stops an older one between two parts."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal

from composer.abc.book_check import BookCheck, CheckedPart
from composer.ui.courier import call_in_ui_thread, prepare_courier
from composer.ui.editor.editor import Problem
from composer.ui.jobs import NewestOnly

#: The most problems underlined and listed at once (a long, messy tunebook can have thousands).
MAX_SHOWN_PROBLEMS = 1000
#: While a check goes on, the problems found so far are shown at most this often (ms); the tune at the cursor's
#: problems and the whole book's are shown at once. Each showing rebuilds a thousand underlines and list rows.
SHOW_EVERY_MS = 1000
#: The longest the rest of a new document's first check waits for its first reading (seconds): both run Python,
#: and a 5 MB tunebook is read, listed and drawn sooner while its check does not share the interpreter.
REST_WAIT_S = 10.0


@dataclass(frozen=True)
class ProblemsPart:
    """The problems of tunebook blocks `start` to `stop` (see CheckedPart), out of `total` blocks."""

    start: int
    stop: int
    total: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class FoundProblems:
    """The problems found so far: the first MAX_SHOWN_PROBLEMS in place order (`shown`, and whether they differ
    from the last ones shown), how many in all, how much of the tunebook has been checked (0 to 1) and whether
    the check is complete."""

    shown: tuple[Problem, ...]
    shown_changed: bool
    count: int
    checked: float
    complete: bool

    @property
    def title(self) -> str:
        """The Problems panel's title."""
        if not self.complete:
            return f"Problems ({self.count} so far, {int(self.checked * 100)}% of the tunebook checked)"
        if len(self.shown) < self.count:
            return f"Problems ({self.count}, the first {len(self.shown)} shown)"
        return f"Problems ({self.count})" if self.count else "Problems"


def check_tunebook(book_check: BookCheck, text: str, path: str | None, line: int,
                   report: Callable[[ProblemsPart], None], stop: threading.Event,
                   rest_after: threading.Event | None = None) -> list[Problem] | None:
    """Check `text` (runs in a worker thread): the tune at 1-based `line` first, then the rest in parts, each
    handed to `report` as it comes. With `rest_after`, the rest waits until it is set (at most REST_WAIT_S).
    Every Problem in place order; None when `stop` was set meanwhile."""
    checking, parts = book_check.parts(text, path, line), []
    while not stop.is_set():
        part = next(checking, None)
        if part is None:
            return [problem for part in sorted(parts, key=_place) for problem in part.problems]
        parts.append(_problems_of(part))
        report(parts[-1])
        if rest_after is not None and len(parts) == 1:
            deadline = time.monotonic() + REST_WAIT_S
            while not (rest_after.wait(0.05) or stop.is_set() or time.monotonic() > deadline):
                pass
    return None


class BookChecking(QObject):
    """The window's checks of its tunebook in the `check` lane of `jobs`, newest first; `found(FoundProblems)`
    when the first part of the newest check comes (the tune at the cursor), then at most every SHOW_EVERY_MS as
    more parts come, and when it has all been checked."""

    found = Signal(object)  # FoundProblems
    failed = Signal(object)  # the exception the newest check raised

    def __init__(self, jobs: NewestOnly, parent: QObject | None = None) -> None:
        super().__init__(parent)
        prepare_courier()
        self.jobs = jobs
        self.book_check = BookCheck()
        self._parts: list[ProblemsPart] = []  # of the newest check, in place order
        self._checked = self._total = 0  # blocks in those parts, blocks in the book
        self._final: list[Problem] | None = []
        self._shown: tuple[Problem, ...] = ()
        self._stop = threading.Event()
        self._answer_wanted = False  # the newest check is the document's (not one of a document replaced since)
        self._fresh = False  # no part of the newest check has come yet (the last check's problems stay shown)
        self._show_later = QTimer(self)
        self._show_later.setSingleShot(True)
        self._show_later.setInterval(SHOW_EVERY_MS)
        self._show_later.timeout.connect(self._show_parts)
        jobs.on("check", result=self._on_checked, failed=self._on_failed)

    @property
    def problems(self) -> list[Problem]:
        """Every problem found so far by the newest check, in place order."""
        if self._final is not None:
            return list(self._final)
        return [problem for part in self._parts for problem in part.problems]

    def check(self, text: str, path: str | None, line: int, *, rest_after: threading.Event | None = None) -> None:
        """Check `text`, the tune at 1-based `line` first; an older check stops at its next part. With
        `rest_after`, the rest of the tunebook waits until that event is set (see check_tunebook)."""
        self._stop.set()
        self._stop = stop = threading.Event()
        self._fresh = self._answer_wanted = True
        self.jobs.submit("check", check_tunebook, self.book_check, text, path, line,
                         partial(call_in_ui_thread, self, self._on_part, stop), stop, rest_after)

    def clear(self) -> None:
        """Another document: stop the running check and show no problems."""
        self._stop.set()
        self._answer_wanted, self._fresh, self._parts = False, False, []
        self._show([], 1.0, complete=True)

    def _on_part(self, stop: threading.Event, part: ProblemsPart) -> None:
        if stop is not self._stop:
            return  # from a check that a newer one replaced
        first = self._fresh
        if first:
            self._fresh, self._parts, self._checked, self._final = False, [], 0, None
        self._parts.insert(bisect.bisect(self._parts, (part.start, part.stop), key=_place), part)
        self._checked += part.stop - part.start
        self._total = part.total
        if first:
            self._show_parts()
        if not self._show_later.isActive():
            self._show_later.start()

    def _show_parts(self) -> None:
        if self._final is None and self._parts:
            self._show(self.problems, self._checked / self._total if self._total else 1.0, complete=False)

    def _on_checked(self, problems: list[Problem] | None) -> None:
        if self._answer_wanted and problems is not None:
            self._fresh, self._parts = False, []
            self._show(problems, 1.0, complete=True)

    def _on_failed(self, error: Exception) -> None:
        if self._answer_wanted:
            self.failed.emit(error)

    def _show(self, problems: list[Problem], checked: float, *, complete: bool) -> None:
        if complete:
            self._final = list(problems)
            self._show_later.stop()
        shown = tuple(problems[:MAX_SHOWN_PROBLEMS])  # thousands of underlines would stall every repaint
        changed, self._shown = shown != self._shown, shown
        self.found.emit(FoundProblems(shown, changed, len(problems), checked, complete))


def _problems_of(part: CheckedPart) -> ProblemsPart:
    return ProblemsPart(part.start, part.stop, part.total, tuple(
        Problem(d.severity, d.message, d.line or 1, d.column or 1) for d in part.diagnostics))


def _place(part: ProblemsPart) -> tuple[int, int]:
    return part.start, part.stop
