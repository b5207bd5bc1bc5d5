"""The open tunebook as the views share it: its text, its tunebook parsed off the UI thread, the cursor, the tune there.

The editor owns the live text (a QTextDocument, for undo); the Document reads it through `text_source` when it
needs a snapshot. Parsing runs in the job system's `parse` lane, newest request wins, and does not depend on
engraving: when abcm2ps is missing or fails, the tune list, cursor sync and playback still see the tunebook as
typed. `reset` tells every view that a new document (another file, New) replaced the old one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from composer.abc.tunebook import Tune, Tunebook, read_string, read_tune_at
from composer.ui.jobs import NewestOnly
from composer.ui.long_lived import built_long_lived
from composer.ui.tunebook.tune_list import Row, rows_of

#: Quiet time after a keystroke before the tunebook is parsed again.
PARSE_DELAY_MS = 150
PARSE = "parse"


def parse_tunebook(text: str) -> tuple[str, Tunebook, list[Row]]:
    """The tunebook of `text`, with the text it was read from and the tune list's rows (runs in a worker thread:
    a tune's title, meter and key are read from its header on first use, seconds for 10,000 tunes)."""
    return built_long_lived(lambda: _read_with_rows(text))


def _read_with_rows(text: str) -> tuple[str, Tunebook, list[Row]]:
    book = read_string(text)
    return text, book, rows_of(book)


class Document(QObject):
    """The text, parsed tunebook, path, cursor and current tune that the panels share."""

    text_changed = Signal()
    tunebook_changed = Signal(object)  # Tunebook
    cursor_moved = Signal(int, int)  # line, column (1-based)
    current_tune_changed = Signal(object)  # Tune under the cursor (None: no tune)
    path_changed = Signal(str)  # "" when untitled
    reset = Signal()  # a new document replaced the old one: every view starts over

    def __init__(self, text_source: Callable[[], str], jobs: NewestOnly, *, parse_delay_ms: int = PARSE_DELAY_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text_source = text_source
        self._text: str | None = None
        self._jobs = jobs
        self._jobs.on(PARSE, result=self._take_parse)
        self.book: Tunebook = read_string("")
        self.rows: list[Row] = []  # the tune list's rows of `book`
        self._parsed_text = ""
        self.path: Path | None = None
        self.cursor: tuple[int, int] = (1, 1)
        self._current: Tune | None = None
        self._parse_timer = QTimer(self)
        self._parse_timer.setSingleShot(True)
        self._parse_timer.setInterval(parse_delay_ms)
        self._parse_timer.timeout.connect(self.parse_now)

    @property
    def text(self) -> str:
        """A snapshot of the whole text, copied out of the editor once per change (a 5 MB copy takes tens of
        milliseconds, and one pause in typing asks for it several times)."""
        if self._text is None:
            self._text = self._text_source()
        return self._text

    def forget_text(self) -> None:
        """The editor's text changed: the next `text` copies it again (connect before anything reads it)."""
        self._text = None

    @property
    def is_parsed(self) -> bool:
        """True when `book` was read from the text as it stands."""
        return not self._parse_timer.isActive() and self._parsed_text == self.text

    def tunebook(self) -> Tunebook:
        """The tunebook of the text as it stands: `book` when it is current, else read now (for commands)."""
        text = self.text
        if text != self._parsed_text:
            self._adopt(text, read_string(text))
        return self.book

    @property
    def current_tune(self) -> Tune | None:
        """The tune under the cursor (else the first) in the text as it stands. Between a keystroke and the
        next parse only that tune is read (read_tune_at), not the whole tunebook on the UI thread."""
        text = self.text
        book = self.book if text == self._parsed_text else read_tune_at(text, self.cursor[0])
        return book.tune_at_line(self.cursor[0]) or (book.tunes[0] if book.tunes else None)

    def suggested_export_path(self, suffix: str) -> Path:
        """Where an export of the tune under the cursor goes by default: its title, beside the tunebook."""
        tune = self.current_tune
        stem = re.sub(r"[^\w-]+", "-", (tune.title if tune else "") or "tune").strip("-").lower() or "tune"
        folder = self.path.parent if self.path else Path.home()
        return folder / f"{stem}{suffix}"

    def edited(self) -> None:
        """The editor's text changed: parse again after a quiet moment."""
        self._text = None
        self._parse_timer.start()
        self.text_changed.emit()

    def parse_now(self) -> None:
        """Parse the text in the background now; `tunebook_changed` follows."""
        self._parse_timer.stop()
        self._jobs.submit(PARSE, parse_tunebook, self.text)

    def move_cursor(self, line: int, column: int) -> None:
        self.cursor = (line, column)
        self.cursor_moved.emit(line, column)
        self._update_current()

    def replace(self, path: Path | None) -> None:
        """A new document (its text already in the editor) at `path`: every view starts over."""
        self.path = Path(path) if path else None
        self.cursor = (1, 1)
        self._current = None
        self._parsed_text = None  # type: ignore[assignment]  (nothing parsed from this document yet)
        self.reset.emit()
        self.path_changed.emit(str(self.path) if self.path else "")
        self.parse_now()

    def set_path(self, path: Path | None) -> None:
        self.path = Path(path) if path else None
        self.path_changed.emit(str(self.path) if self.path else "")

    def _take_parse(self, result: tuple[str, Tunebook, list[Row]]) -> None:
        text, book, rows = result
        if text == self.text:
            self._adopt(text, book, rows)

    def _adopt(self, text: str, book: Tunebook, rows: list[Row] | None = None) -> None:
        self._parsed_text = text
        self.book = book
        self.rows = rows if rows is not None else rows_of(book)
        self.tunebook_changed.emit(book)
        self._update_current()

    def _update_current(self) -> None:
        book = self.book
        tune = book.tune_at_line(self.cursor[0]) if self._parsed_text is not None else None
        before = self._current
        if tune is None:
            return  # between tunes: the last one stays current
        if before is None or (before.line, before.text()) != (tune.line, tune.text()):
            self._current = tune
            self.current_tune_changed.emit(tune)
