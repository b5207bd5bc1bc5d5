"""Check ABC tunes and report problems as diagnostics with a line, a column and a severity.

The checker reads the tokens of each tune and reports: a missing or misplaced K:, unknown fields, bars whose
length disagrees with M: and L:, unbalanced chord / slur / quote / decoration / grace brackets, unterminated
repeats, chord symbols that players reject, and characters that mean nothing in ABC. It never raises.
The checks of one tune are composer.abc.tune_checker's; bar lengths are walked as abc2midi plays them
(composer.abc.bar_walk).
"""

from __future__ import annotations

from composer.abc.diagnostic import ERROR, WARNING, Diagnostic
from composer.abc.tune_checker import TuneChecker
from composer.abc.tunebook import Tune, Tunebook, read_string

__all__ = ["check_text", "check_tune", "check_tunebook", "export_blockers"]


def check_text(text: str, path: str | None = None) -> list[Diagnostic]:
    """Diagnostics for every tune of ABC `text` (a whole tunebook); `path` is only used in the results."""
    try:
        book = read_string(text)
    except Exception as exc:  # noqa: BLE001 - the checker reports, it never raises
        return [Diagnostic(ERROR, f"cannot read the text as ABC: {exc}", 1, 1, None, path)]
    book = Tunebook(tuple(_with_path(t, path) for t in book.tunes), book.file_header, path, book.text)
    if not book.tunes:
        if text.strip():
            return [Diagnostic(ERROR, "no tune found: a tune starts with an X: line or a header ending in K:",
                               1, 1, None, path)]
        return [Diagnostic(WARNING, "the text is empty: no tune found", 1, 1, None, path)]
    return check_tunebook(book)


def _with_path(tune: Tune, path: str | None) -> Tune:
    if tune.path == path:
        return tune
    return Tune(tune.reference, tune.header, tune.body, tune.line, tune.end_line, path, tune.index,
                tune.file_header, tune.source_lines)


def check_tunebook(book: Tunebook) -> list[Diagnostic]:
    """Diagnostics of every tune of `book`, in order."""
    out: list[Diagnostic] = []
    for tune in book.tunes:
        out.extend(check_tune(tune))
    return out


def export_blockers(tune: Tune) -> list[Diagnostic]:
    """The errors an exporter refuses `tune` for (see Diagnostic.blocks_export), in order; [] when none."""
    return [d for d in check_tune(tune) if d.blocks_export]


def check_tune(tune: Tune) -> list[Diagnostic]:
    """Diagnostics of one tune, sorted by place."""
    try:
        found = TuneChecker(tune).run()
    except Exception as exc:  # noqa: BLE001 - a safety net; tests assert it is never reached
        found = [Diagnostic(ERROR, f"internal checker error: {type(exc).__name__}: {exc}", tune.line, 1,
                            tune.reference, tune.path)]
    return sorted(found, key=lambda d: (d.line, d.column))

