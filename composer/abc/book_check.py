"""Check a tunebook tune by tune, remembering each tune's diagnostics (BookCheck): a check after an edit reads and
checks only the tunes whose text changed, and its answer equals `check_text`'s on the same text.

A tune's diagnostics depend only on its own lines and on the file header fields it inherits (M:, L:, K: and the
like as fallbacks): never on the other tunes, nor on where the tune stands. So BookCheck keeps them by those two,
with the line they were found at, and moves them to the tune's line when it stands elsewhere now. The tune at the
cursor can be checked first and the rest of the book in parts (`BookCheck.parts`), each part a `CheckedPart`.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator
from dataclasses import dataclass

from composer.abc.checker import check_text, check_tune
from composer.abc.diagnostic import Diagnostic
from composer.abc.tunebook import Field, Tune, line_blocks, normalize_newlines, read_string

__all__ = ["BookCheck", "CheckStats", "CheckedPart"]

#: How long one part of a check may run before it is handed over (seconds): a window shows each part as it comes.
PART_SECONDS = 0.2


@dataclass(frozen=True)
class CheckedPart:
    """The diagnostics of tunebook blocks `start` to `stop` (0-based, `stop` excluded), in order, out of `total`.

    The blocks are the runs of non-empty lines (tunes, mostly); the part with `start == stop == total`, when
    there is one, holds what is said of the whole book (no tune found, an empty text)."""

    start: int
    stop: int
    total: int
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class CheckStats:
    """How many blocks a BookCheck has checked, and how many it answered from what it remembered."""

    checked: int
    reused: int


@dataclass(frozen=True)
class _Block:
    line: int  # 1-based line of its first line
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Found:
    """What one block was found to hold, as of its last check: None for text that is no tune."""

    line: int
    path: str | None
    diagnostics: tuple[Diagnostic, ...] | None


class BookCheck:
    """Checks tunebooks tune by tune, remembering each tune's diagnostics by its lines and the file header it
    inherits. One check at a time; what it remembers is the tunes of the last book it checked to the end."""

    def __init__(self) -> None:
        self._found: dict[tuple, _Found] = {}
        self.checked = 0
        self.reused = 0

    @property
    def stats(self) -> CheckStats:
        """Blocks checked and blocks answered from memory since this BookCheck was made."""
        return CheckStats(self.checked, self.reused)

    def check(self, text: str, path: str | None = None) -> list[Diagnostic]:
        """Diagnostics for every tune of `text`, equal to `check_text(text, path)`."""
        return [d for part in sorted(self.parts(text, path), key=_place) for d in part.diagnostics]

    def parts(self, text: str, path: str | None = None, first_line: int = 1,
              part_seconds: float = PART_SECONDS) -> Iterator[CheckedPart]:
        """The check of `text` in parts: first the tune at 1-based `first_line` (else the nearest above it), then
        the rest of the book in order, a part each `part_seconds` of work; the whole book as one part when every
        other tune is remembered (typing in one tune). Together, in `start` order, the parts' diagnostics are
        `check_text(text, path)`'s."""
        try:
            header, blocks = _split(text)
        except Exception:  # noqa: BLE001 - the checker reports, it never raises: check_text says why
            yield CheckedPart(0, 0, 0, tuple(check_text(text, path)))
            return
        inherited = tuple((f.name, f.value) for f in header)
        keys = [(block.lines, inherited) for block in blocks]
        total = len(blocks)
        any_tune = False
        if total:
            first = max(bisect.bisect_right(blocks, first_line, key=_first_line) - 1, 0)
            if all(key in self._found for key in keys[:first] + keys[first + 1:]):
                spans, part_seconds = [(0, total)], float("inf")  # the rest is remembered: one quick part
            else:
                spans = [(first, first + 1), (0, first), (first + 1, total)]
            for start, stop in spans:
                while start < stop:
                    began, part, index = time.perf_counter(), [], start
                    while index < stop and (index == start or time.perf_counter() - began < part_seconds):
                        found = self._diagnostics(blocks[index], keys[index], header, path)
                        any_tune = any_tune or found is not None
                        part.extend(found or ())
                        index += 1
                    yield CheckedPart(start, index, total, tuple(part))
                    start = index
        if not any_tune:
            yield CheckedPart(total, total, total, tuple(check_text(text, path)))
        self._found = {key: self._found[key] for key in keys}  # the book checked to its end: forget the rest

    def _diagnostics(self, block: _Block, key: tuple, header: tuple[Field, ...],
                     path: str | None) -> tuple[Diagnostic, ...] | None:
        """The block's diagnostics at its place (None: it is no tune), checked only when not remembered."""
        found = self._found.get(key)
        if found is None:
            self.checked += 1
            found = _Found(1, None, _check_block(block.lines, header))
        else:
            self.reused += 1
        if found.diagnostics is not None and (found.line != block.line or found.path != path):
            shift = block.line - found.line
            found = _Found(block.line, path, tuple(
                Diagnostic(d.severity, d.message, d.line + shift, d.column, d.tune, path, d.blocks_export)
                for d in found.diagnostics))
        self._found[key] = found
        return found.diagnostics


def _place(part: CheckedPart) -> tuple[int, int]:
    return part.start, part.stop


def _first_line(block: _Block) -> int:
    return block.line


def _split(text: str) -> tuple[tuple[Field, ...], list[_Block]]:
    """The file header's fields and the blocks that may be tunes (every block but the file header), as
    read_tunebook reads them."""
    lines = normalize_newlines(text).split("\n")
    blocks = [_Block(start, tuple(block)) for start, block in line_blocks(lines)]
    if not blocks:
        return (), []
    first = blocks[0]
    book = read_string("\n" * (first.line - 1) + "\n".join(first.lines))  # the first block alone: cheap
    if book.tunes:
        return (), blocks
    return book.file_header, blocks[1:]


def _check_block(lines: tuple[str, ...], header: tuple[Field, ...]) -> tuple[Diagnostic, ...] | None:
    """The diagnostics of a block read on its own from line 1, inheriting `header`; None when it is no tune."""
    tunes = read_string("\n".join(lines)).tunes
    if not tunes:
        return None
    tune = tunes[0]
    tune = Tune(tune.reference, tune.header, tune.body, tune.line, tune.end_line, None, 0, header,
                tune.source_lines)
    return tuple(check_tune(tune))
