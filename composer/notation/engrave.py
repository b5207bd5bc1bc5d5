"""Engrave ABC to SVG with abcm2ps, out of process, keeping every symbol's box and source line/column."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from composer.abc.tunebook import Tunebook, read_string
from composer.errors import AbcError

__all__ = [
    "ABCM2PS",
    "EngravedPage",
    "EngravedTune",
    "EngraverMessage",
    "EngravingError",
    "Symbol",
    "engrave_svg",
    "isolate_tune",
]

#: The engraver binary (Debian package `abcm2ps`).
ABCM2PS = "abcm2ps"

#: The side margins of a reflowed page, in SVG pixels.
REFLOW_MARGIN = 12

#: abcm2ps annotation letters (`-A`) and what they mark.
SYMBOL_KINDS: dict[str, str] = {
    "N": "note",
    "R": "rest",
    "B": "bar",
    "g": "grace",
    "c": "clef",
    "K": "key",
    "M": "meter",
    "b": "beam-start",
    "e": "beam-end",
}
#: Kinds a person clicks on and the cursor lands on (beam marks and staff furniture are left out).
MUSIC_KINDS = frozenset({"note", "rest", "bar", "grace"})

# Output buffer in KiB: the default overflows on a tune of about 200 bars.
_BUFFER_KIB = "8192"
_SVG_DOCUMENT = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(?:px)?"[^>]*?\bheight="([\d.]+)(?:px)?"', re.S)
_ANNOTATION = re.compile(r"<abc\s+([^>]*?)/>\n?")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_MESSAGE = re.compile(r"^[^:\n]*:(\d+):(\d+): (error|warning): (.*)$", re.M)


class EngravingError(AbcError):
    """The engraver is missing, crashed, or took longer than its timeout."""


@dataclass(frozen=True)
class Symbol:
    """One engraved symbol: what it is, its box on its page (SVG px), and where it stands in the source."""

    kind: str
    line: int
    column: int
    page: int
    x: float
    y: float
    width: float
    height: float

    def contains(self, x: float, y: float) -> bool:
        """Whether the page point (x, y) falls inside this symbol's box."""
        return self.x <= x <= self.x + self.width and self.y <= y <= self.y + self.height

    def distance(self, x: float, y: float) -> float:
        """Distance from the page point (x, y) to this symbol's box (0 inside it)."""
        dx = max(self.x - x, 0.0, x - (self.x + self.width))
        dy = max(self.y - y, 0.0, y - (self.y + self.height))
        return (dx * dx + dy * dy) ** 0.5


@dataclass(frozen=True)
class EngraverMessage:
    """An error or warning abcm2ps printed, placed at a 1-based line and column of the source."""

    severity: str
    message: str
    line: int
    column: int


@dataclass(frozen=True)
class EngravedPage:
    """One SVG picture (abcm2ps writes one per tune) without the annotation elements, and its size in px."""

    svg: str
    width: float
    height: float


@dataclass(frozen=True)
class EngravedTune:
    """The pictures of engraved ABC text, every annotated symbol, and the engraver's messages."""

    pages: tuple[EngravedPage, ...]
    symbols: tuple[Symbol, ...]
    messages: tuple[EngraverMessage, ...]

    @property
    def is_empty(self) -> bool:
        """True when nothing could be drawn (a header still being typed, say)."""
        return not self.pages

    def music_symbols(self) -> Iterator[Symbol]:
        """Notes, rests, bar lines and grace groups, in drawing order."""
        return (s for s in self.symbols if s.kind in MUSIC_KINDS)

    def symbol_at(self, page: int, x: float, y: float, slack: float = 4.0) -> Symbol | None:
        """The music symbol under page point (x, y), or the nearest one within `slack` px; None if none."""
        best: Symbol | None = None
        best_distance = slack
        for symbol in self.music_symbols():
            if symbol.page != page:
                continue
            d = symbol.distance(x, y)
            # Inside two boxes (a grace group and its note): the smaller box is the more precise answer.
            if d < best_distance or (d == best_distance == 0 and best is not None
                                     and symbol.width * symbol.height < best.width * best.height):
                best, best_distance = symbol, d
        return best

    def symbol_for(self, line: int, column: int) -> Symbol | None:
        """The music symbol the source place (line, 1-based column) belongs to: the last one starting at or
        before it on that line, else the first one on the line; None when the line has none."""
        on_line = sorted((s for s in self.music_symbols() if s.line == line), key=lambda s: s.column)
        if not on_line:
            return None
        before = [s for s in on_line if s.column <= column]
        return before[-1] if before else on_line[0]


def isolate_tune(text: str, line: int, book: Tunebook | None = None) -> str:
    """`text` with every line blanked except the file header and the tune covering 1-based `line`.

    Line numbers survive, so the engraver's rows are the document's rows. Pass `book` when `text` has
    already been read, to save reading it again.
    """
    book = book if book is not None else read_string(text)
    lines = book.text.split("\n")
    tune = book.tune_at_line(line)
    if tune is None:
        return "\n" * (len(lines) - 1)
    keep = set(range(tune.line, tune.end_line + 1))
    first_tune_line = book.tunes[0].line
    for number, raw in enumerate(lines, start=1):
        if number >= first_tune_line or not raw.strip():
            break
        keep.add(number)
    return "\n".join(raw if number in keep else "" for number, raw in enumerate(lines, start=1))


def engrave_svg(text: str, *, first_line: int = 1, timeout: float = 5.0,
                engraver: str | None = None, page_width: int | None = None) -> EngravedTune:
    """Engrave ABC `text` (one or more tunes) to SVG pictures with abcm2ps.

    `page_width` (SVG pixels) reflows the music to pages that wide, breaking lines where abcm2ps likes (the
    staff view on a narrow pane); None keeps the tunes' own lines on abcm2ps's default page.

    Symbol lines are counted from `first_line` (the source line `text` starts at). Text abcm2ps cannot draw
    yields an empty result and its messages, never an exception; a missing, crashing or hung engraver raises
    EngravingError.
    """
    program = engraver or shutil.which(ABCM2PS)
    if program is None:
        raise EngravingError("abcm2ps is not installed (Debian/Ubuntu: apt install abcm2ps)")
    command = [program, "-g", "-A", "-q", "-S", "-k", _BUFFER_KIB]
    if page_width is not None:
        command += ["-c", "--pagewidth", f"{page_width}pt", "--leftmargin", f"{REFLOW_MARGIN}pt",
                    "--rightmargin", f"{REFLOW_MARGIN}pt"]
    command += ["-O", "-", "-"]
    try:
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise EngravingError(f"abcm2ps took longer than {timeout:g} s") from exc
    except OSError as exc:
        raise EngravingError(f"abcm2ps could not be started: {exc}") from exc
    output = done.stdout.decode("utf-8", errors="replace")
    messages = tuple(_messages(done.stderr.decode("utf-8", errors="replace"), first_line))
    if done.returncode < 0 and "<svg" not in output:
        raise EngravingError(f"abcm2ps crashed (signal {-done.returncode})")
    pages: list[EngravedPage] = []
    symbols: list[Symbol] = []
    for found in _SVG_DOCUMENT.finditer(output):
        document = found.group(0)
        page_number = len(pages)
        symbols.extend(_symbols(document, page_number, first_line))
        size = _SVG_SIZE.search(document)
        width, height = (float(size.group(1)), float(size.group(2))) if size else (0.0, 0.0)
        pages.append(EngravedPage(_ANNOTATION.sub("", document), width, height))
    return EngravedTune(tuple(pages), tuple(symbols), messages)


def _symbols(document: str, page: int, first_line: int) -> Iterator[Symbol]:
    for match in _ANNOTATION.finditer(document):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        try:
            yield Symbol(
                kind=SYMBOL_KINDS.get(attributes["type"], attributes["type"]),
                line=int(attributes["row"]) + first_line - 1,
                column=int(attributes["col"]) + 1,
                page=page,
                x=float(attributes["x"]),
                y=float(attributes["y"]),
                width=float(attributes["width"]),
                height=float(attributes["height"]),
            )
        except (KeyError, ValueError):
            continue


def _messages(stderr: str, first_line: int) -> Iterator[EngraverMessage]:
    for match in _MESSAGE.finditer(stderr):
        yield EngraverMessage(match.group(3), match.group(4).strip(),
                              int(match.group(1)) + first_line - 1, int(match.group(2)) + 1)
