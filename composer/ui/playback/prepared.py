"""The tune under the cursor, built for playing (`prepare_tune_at`), as a frozen `PreparedTune`. Qt-free: it runs
in the job system's slow executor (`composer.ui.jobs`), with a string snapshot of the text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from composer.abc.tunebook import read_tune_at
from composer.audio.performance import Performance


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
