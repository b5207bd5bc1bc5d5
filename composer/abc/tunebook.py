"""Read a tunebook (path, string or file object) into tunes with their header fields, body and source places."""

from __future__ import annotations

import bisect
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import IO

from composer.abc.text_encoding import decode

FIELD_LINE = re.compile(r"^([A-Za-z+]):(.*)$")
# Fields that may stand in a tune header (ABC 2.1, section 3.1), plus the informal ones we tolerate.
HEADER_FIELDS = frozenset("ABCDFGHIKLMmNOPQRrSsTUVWwXZY+")
KNOWN_FIELDS = frozenset("ABCDFGHIKLMNOPQRSTUVWXYZmrsw+")


@dataclass(frozen=True)
class Field:
    """One `N:value` field line (or inline field) with where it stands in the source."""

    name: str
    value: str
    line: int
    column: int = 1


@dataclass(frozen=True)
class BodyLine:
    """One line of a tune body, as written, with its 1-based source line number."""

    text: str
    line: int


@dataclass(frozen=True)
class Tune:
    """One tune of a tunebook: header fields up to and including K:, then the body lines."""

    reference: int | None
    header: tuple[Field, ...]
    body: tuple[BodyLine, ...]
    line: int
    end_line: int
    path: str | None = None
    index: int = 0
    file_header: tuple[Field, ...] = dataclass_field(default=(), repr=False)
    source_lines: tuple[str, ...] = dataclass_field(default=(), repr=False, compare=False)

    def field(self, name: str) -> str | None:
        """The value of the first header field `name` (file header as fallback), or None."""
        for f in self.header:
            if f.name == name:
                return f.value.strip()
        for f in self.file_header:
            if f.name == name:
                return f.value.strip()
        return None

    def fields(self, name: str) -> list[str]:
        """Every value of header field `name`, in order."""
        return [f.value.strip() for f in self.header if f.name == name]

    @property
    def title(self) -> str:
        return self.field("T") or ""

    @property
    def meter(self) -> str | None:
        return self.field("M")

    @property
    def unit(self) -> str | None:
        return self.field("L")

    @property
    def key(self) -> str | None:
        return self.field("K")

    @property
    def rhythm(self) -> str | None:
        return self.field("R")

    @property
    def has_key(self) -> bool:
        return any(f.name == "K" for f in self.header)

    def text(self) -> str:
        """The tune's text as it stood in the source (comments and all), newline-terminated lines."""
        return "".join(self.source_lines)

    @property
    def label(self) -> str:
        """A short name for messages: `X:3 The Kesh` or `tune 4`."""
        ref = f"X:{self.reference}" if self.reference is not None else f"tune {self.index + 1}"
        return f"{ref} {self.title}".strip()


@dataclass(frozen=True)
class Tunebook:
    """The tunes of one file, with the file header and the text between tunes."""

    tunes: tuple[Tune, ...]
    file_header: tuple[Field, ...]
    path: str | None
    text: str

    def __iter__(self) -> Iterator[Tune]:
        return iter(self.tunes)

    def __len__(self) -> int:
        return len(self.tunes)

    def tune(self, reference: int) -> Tune:
        """The first tune whose X: is `reference`."""
        for t in self.tunes:
            if t.reference == reference:
                return t
        raise KeyError(f"no tune X:{reference}")

    def tune_at_line(self, line: int) -> Tune | None:
        """The tune whose text covers 1-based `line`, else the nearest one above it (a binary search: the tunes
        are in line order, and the window asks on every cursor move)."""
        after = bisect.bisect_right(self.tunes, line, key=_first_line)
        return self.tunes[after - 1] if after else None


def _first_line(tune: Tune) -> int:
    return tune.line


Source = str | os.PathLike | IO[str] | IO[bytes] | bytes


def read_text(source: Source) -> tuple[str, str | None]:
    """The text of `source` and its path when it has one. A str is ABC text unless it names a file."""
    if isinstance(source, bytes):
        return decode(source), None
    if isinstance(source, os.PathLike):
        return decode(Path(source).read_bytes(), os.fspath(source)), os.fspath(source)
    if isinstance(source, str):
        if "\n" not in source and len(source) < 4096 and source.endswith((".abc", ".ABC", ".txt")) \
                and Path(source).is_file():
            return decode(Path(source).read_bytes(), source), source
        return source, None
    data = source.read()
    name = getattr(source, "name", None)
    path = name if isinstance(name, str) else None
    if isinstance(data, bytes):
        return decode(data, path), path
    return data, path


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _field_of(line: str, number: int) -> Field | None:
    m = FIELD_LINE.match(line)
    if not m:
        return None
    return Field(m.group(1), m.group(2).strip(), number, 1)


def _reference(value: str) -> int | None:
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else None


def read_tunebook(source: Source) -> Tunebook:
    """Read every tune of `source`: a path, ABC text, bytes, or a text or binary file object.

    A tune starts at an `X:` line, or at a field block holding a `K:` when `X:` is missing, and ends at
    the next empty line. Text between tunes is kept only in `Tunebook.text`.
    """
    text, path = read_text(source)
    text = normalize_newlines(text)
    lines = text.split("\n")
    tunes: list[Tune] = []
    file_header: list[Field] = []
    blocks = list(line_blocks(lines))
    for block_index, (start, block) in enumerate(blocks):
        first_fields = [_field_of(ln, start + i) for i, ln in enumerate(block)]
        is_tune = bool(first_fields[0] and first_fields[0].name == "X")
        if not is_tune:
            # A block without X: is a tune when it is made of header fields up to a K: line.
            names = []
            for f in first_fields:
                if f is None:
                    break
                names.append(f.name)
            is_tune = "K" in names
        if not is_tune:
            if block_index == 0 and not tunes:
                file_header.extend(f for f in first_fields if f is not None)
            continue
        tunes.append(_tune_from_block(block, start, path, len(tunes), tuple(file_header)))
    return Tunebook(tuple(tunes), tuple(file_header), path, text)


def line_blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Runs of non-empty lines with the 1-based number of their first line. A new X: also starts a block."""
    block: list[str] = []
    start = 1
    for number, raw in enumerate(lines, start=1):
        blank = not raw.strip()
        if blank or (raw.startswith("X:") and block):
            if block:
                yield start, block
            block = []
            if blank:
                continue
        if not block:
            start = number
        block.append(raw)
    if block:
        yield start, block


def _tune_from_block(block: list[str], start: int, path: str | None, index: int,
                     file_header: tuple[Field, ...]) -> Tune:
    header: list[Field] = []
    body: list[BodyLine] = []
    in_body = False
    for offset, raw in enumerate(block):
        number = start + offset
        line = raw.rstrip("\n")
        if not in_body:
            if line.lstrip().startswith("%"):
                continue
            f = _field_of(line, number)
            if f is not None:
                header.append(f)
                if f.name == "K":
                    in_body = True
                continue
            # Music before any K: line: the header ended without a key (the checker says so).
            in_body = True
        body.append(BodyLine(line, number))
    reference = _reference(header[0].value) if header and header[0].name == "X" else None
    return Tune(reference, tuple(header), tuple(body), start, start + len(block) - 1, path, index,
                file_header, tuple(ln + "\n" for ln in block))


def tunes_of(sources: list[Source] | Source) -> Iterator[Tune]:
    """Every tune of one or more sources, in order."""
    if not isinstance(sources, list):
        sources = [sources]
    for src in sources:
        yield from read_tunebook(src).tunes


def read_string(text: str) -> Tunebook:
    """Read ABC text (never a path)."""
    return read_tunebook(io.StringIO(text))


def read_tune_at(text: str, line: int) -> Tunebook:
    """The file header, the first tune and the tune covering 1-based `line` of ABC `text` (else the nearest tune
    above it), read without reading the tunes between them: one tune of a 5 MB tunebook in milliseconds.

    Line numbers, `text` and `tune_at_line` are those of the whole tunebook; only `Tune.index` is not (the
    tunes between are not counted).
    """
    text = normalize_newlines(text)
    lines = text.split("\n")
    keep = set()
    first = next((i for i, raw in enumerate(lines) if raw.strip()), None)
    if first is not None:
        keep.update(range(first, _block_end(lines, first)))  # the file header, or the first tune
        start = first
        while start < len(lines):  # the first tune, after a file header
            end = _block_end(lines, start)
            if _is_tune_block(lines[start:end], start + 1):
                keep.update(range(start, end))
                break
            start = next((i for i in range(end, len(lines)) if lines[i].strip()), len(lines))
        covering = _covering_block(lines, min(line, len(lines)) - 1)
        if covering is not None:
            keep.update(range(covering, _block_end(lines, covering)))
    partial = "\n".join(raw if number in keep else "" for number, raw in enumerate(lines))
    book = read_string(partial)
    return Tunebook(book.tunes, book.file_header, None, text)


def _block_end(lines: list[str], start: int) -> int:
    """The 0-based index just past the block that starts at 0-based `start` (see line_blocks)."""
    end = start + 1
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("X:"):
        end += 1
    return end


def _covering_block(lines: list[str], index: int) -> int | None:
    """The 0-based start of the last tune block starting at or above 0-based `index`, or None."""
    while index >= 0:
        while index >= 0 and not lines[index].strip():
            index -= 1
        if index < 0:
            return None
        start = index
        while start > 0 and lines[start - 1].strip() and not lines[start].startswith("X:"):
            start -= 1
        if _is_tune_block(lines[start:_block_end(lines, start)], start + 1):
            return start
        index = start - 1
    return None


def _is_tune_block(block: list[str], start: int) -> bool:
    """Whether a block is a tune: it starts with X:, or it is header fields up to a K: line (as read_tunebook)."""
    names = []
    for i, raw in enumerate(block):
        f = _field_of(raw, start + i)
        if f is None:
            break
        if i == 0 and f.name == "X":
            return True
        names.append(f.name)
    return "K" in names
