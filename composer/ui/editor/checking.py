"""The check job (BookChecking): the tune at the cursor first, then the rest of the tunebook in parts, each part's
diagnostics shown as the editor's Problems as it comes. What was checked is remembered (composer.abc.book_check),
so a check after typing checks the edited tune alone; a newer check stops an older one between two parts."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


@dataclass
class CheckSoFar:
    """A check paused after the tune at the cursor: its parts to come and the problems of those done. It goes on
    in another job (`check_rest`), so no worker thread waits while it is paused."""

    to_come: Iterator[CheckedPart]
    done: list[ProblemsPart] = field(default_factory=list)


def check_tunebook(book_check: BookCheck, text: str, path: str | None, line: int,
                   report: Callable[[ProblemsPart], None], stop: threading.Event, *,
                   pause_after_first: bool = False) -> list[Problem] | CheckSoFar | None:
    """Check `text` (runs in a worker thread): the tune at 1-based `line` first, then the rest in parts, each
    handed to `report` as it comes. Every Problem in place order; None when `stop` was set meanwhile; with
    `pause_after_first`, the check so far once the tune at the cursor is done (go on with `check_rest`)."""
    return check_rest(CheckSoFar(book_check.parts(text, path, line)), report, stop,
                      pause_after_first=pause_after_first)


def check_rest(so_far: CheckSoFar, report: Callable[[ProblemsPart], None], stop: threading.Event, *,
               pause_after_first: bool = False) -> list[Problem] | CheckSoFar | None:
    """Go on with a check (see check_tunebook)."""
    while not stop.is_set():
        part = next(so_far.to_come, None)
        if part is None:
            return [problem for part in sorted(so_far.done, key=_place) for problem in part.problems]
        so_far.done.append(_problems_of(part))
        report(so_far.done[-1])
        if pause_after_first and len(so_far.done) == 1:
            return so_far
    return None


class BookChecking(QObject):
    """The window's checks of its tunebook in the `check` lane of `jobs`, newest first; `found(FoundProblems)`
    when the first part of the newest check comes (the tune at the cursor), then at most every SHOW_EVERY_MS as
    more parts come, and when it has all been checked.

    Until a new document has been read once (`reading_done`), a check pauses after the tune at the cursor: both
    run Python, and a 5 MB tunebook is read, listed and drawn sooner while its check does not share the
    interpreter. The paused check holds no worker thread; `reading_done` sends the rest to the lane."""

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
        self._read = False  # the document has been read once since it was opened
        self._paused: CheckSoFar | None = None  # the newest check, waiting for that reading
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

    def check(self, text: str, path: str | None, line: int) -> None:
        """Check `text`, the tune at 1-based `line` first; an older check stops at its next part."""
        self._stop.set()
        self._stop = stop = threading.Event()
        self._fresh = self._answer_wanted = True
        self._paused = None
        self.jobs.submit("check", partial(check_tunebook, pause_after_first=not self._read), self.book_check,
                         text, path, line, self._reporter(stop), stop)

    def reading_done(self) -> None:
        """The document has been read: a check paused after the tune at the cursor goes on with the rest."""
        self._read = True
        paused, self._paused = self._paused, None
        if paused is not None and self._answer_wanted:
            self.jobs.submit("check", check_rest, paused, self._reporter(self._stop), self._stop)

    def stop(self) -> None:
        """Stop the running check at its next part (the window closes)."""
        self._stop.set()
        self._answer_wanted, self._paused = False, None

    def clear(self) -> None:
        """Another document: stop the running check and show no problems; the next check pauses after the tune
        at the cursor until the new document has been read."""
        self.stop()
        self._fresh, self._parts, self._read = False, [], False
        self._show([], 1.0, complete=True)

    def _reporter(self, stop: threading.Event) -> Callable[[ProblemsPart], None]:
        return partial(call_in_ui_thread, self, self._on_part, stop)

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

    def _on_checked(self, problems: list[Problem] | CheckSoFar | None) -> None:
        if isinstance(problems, CheckSoFar):
            self._paused = problems
            if self._read:
                self.reading_done()
            return
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
