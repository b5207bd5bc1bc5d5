"""Playback's slow work off the UI thread: building the tune under the cursor for playing (`prepare_tune_at`)
and rendering WAV, on one daemon thread of its own (`PlaybackJobs`), so the window's engraving and checking never
wait for it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from composer.abc.tunebook import read_tune_at
from composer.audio.performance import Performance
from composer.ui.courier import call_in_ui_thread, prepare_courier
from composer.ui.jobs import quick_gil_switching

PREPARE = "prepare"
EXPORT = "export"


@dataclass(frozen=True)
class PreparedTune:
    """A version of a tune ready to play: its first line and text, its performance, and the length of the
    text of each note (line, column) → characters, for marking the sounding note in the editor."""

    line: int
    text: str
    performance: Performance
    note_lengths: Mapping[tuple[int, int], int] = field(default_factory=dict)


def prepare_tune_at(text: str, line: int) -> PreparedTune | None:
    """Read `text` and build the performance of the tune covering `line` (else the first tune); runs in a
    worker thread. None when the text has no tune; AbcError when the tune cannot be played."""
    from composer.abc.tokens import Kind, tokenize_tune
    from composer.audio.performance import build_performance

    book = read_tune_at(text, line)  # only that tune: the Document reads the whole tunebook
    tune = book.tune_at_line(line) or (book.tunes[0] if book.tunes else None)
    if tune is None:
        return None
    performance = build_performance(tune)
    try:
        lengths = {(t.line, t.column): len(t.text) for t in tokenize_tune(tune) if t.kind is Kind.NOTE}
    except Exception:  # noqa: BLE001  (the mark falls back to one character)
        lengths = {}
    return PreparedTune(tune.line, tune.text(), performance, lengths)


class PlaybackJobs(QObject):
    """Playback's slow work (building performances, rendering WAV) on one daemon thread of its own.

    `submit(kind, number, function, *snapshot)` runs `function(*snapshot)` there; `done(kind, number, result,
    error)` comes back in the UI thread. A PREPARE request that a newer one has replaced before it starts is
    skipped. The thread is a daemon, so a slow build never holds up the end of the program.
    """

    done = Signal(str, int, object, object)  # kind, number, result, exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        prepare_courier()
        self._requests: queue.Queue = queue.Queue()
        self.newest_prepare = 0
        self._thread = threading.Thread(target=self._run, name="composer-playback-jobs", daemon=True)
        self._thread.start()

    def submit(self, kind: str, number: int, function: Callable, *arguments: object) -> threading.Event:
        """Queue `function(*arguments)`; the returned event is set once it has run."""
        if kind == PREPARE:
            self.newest_prepare = number
        finished = threading.Event()
        self._requests.put((kind, number, function, arguments, finished))
        return finished

    def stop(self) -> None:
        self._requests.put(None)

    def _run(self) -> None:
        while (request := self._requests.get()) is not None:
            kind, number, function, arguments, finished = request
            try:
                if kind == PREPARE and number != self.newest_prepare:
                    continue  # replaced while waiting
                try:
                    with quick_gil_switching():
                        result, error = function(*arguments), None
                except Exception as exc:  # noqa: BLE001  (handed to the UI thread as a value)
                    result, error = None, exc
                call_in_ui_thread(self, self.done.emit, kind, number, result, error)
            finally:
                finished.set()
