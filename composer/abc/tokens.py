"""Tokenize ABC tune bodies into frozen token records carrying their 1-based source line and column.

`tokenize(text)` reads body text line by line and yields one record per element: notes, rests, chords,
tuplets, broken rhythm, ties, slurs, grace groups, decorations, chord symbols and annotations, bar lines,
variant endings, inline fields, field lines, comments, continuations, spaces, line ends, and every
character that means nothing in ABC (kind `UNKNOWN`, which the checker reports). Tokens cover the text:
joining `token.text` over a line gives the line back, so editors can highlight from the records alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from composer.abc.lengths import parse_length
from composer.abc.tunebook import Tune

__all__ = [
    "Bar", "Broken", "ChordEnd", "Decoration", "Field", "GraceStart", "Kind", "Note", "Quoted", "Rest",
    "Token", "Tuplet", "Variant", "parse_length", "tokenize", "tokenize_line", "tokenize_tune",
]


class Kind(StrEnum):
    """What a token is."""

    NOTE = "note"
    REST = "rest"                  # z (visible) or x (invisible), with a length
    MULTI_REST = "multi_rest"      # Z or X: whole bars of rest
    SPACER = "spacer"              # y: space without time
    CHORD_START = "chord_start"    # [
    CHORD_END = "chord_end"        # ] with the chord's length multiplier
    TUPLET = "tuplet"              # (p:q:r
    BROKEN = "broken"              # > >> < <<
    TIE = "tie"                    # - (or .-)
    SLUR_START = "slur_start"      # (
    SLUR_END = "slur_end"          # )
    GRACE_START = "grace_start"    # { or {/
    GRACE_END = "grace_end"        # }
    DECORATION = "decoration"      # !trill! +trill+ . ~ H L M O P S T u v
    CHORD_SYMBOL = "chord_symbol"  # "Am7/G"
    ANNOTATION = "annotation"      # "^text" "_text" "<text" ">text" "@text"
    BAR = "bar"                    # | || |] [| |: :| :: and the like
    VARIANT = "variant"            # [1 [2 or the 1 of |1 and :|2
    INLINE_FIELD = "inline_field"  # [K:D] [M:6/8] [L:1/16] [P:B]
    FIELD = "field"                # a whole body line that is a field: K:G, M:3/4, w:lyrics ...
    OVERLAY = "overlay"            # & voice overlay
    CONTINUATION = "continuation"  # \ at the end of a line
    SPACE = "space"                # spaces, tabs and ` beam spacers
    COMMENT = "comment"            # % to the end of the line (and %% directives)
    EOL = "eol"                    # the end of a source line
    UNKNOWN = "unknown"            # a character that means nothing in ABC here


@dataclass(frozen=True, slots=True)
class Token:
    """One element of a tune body: its kind, its exact text and where that text starts (1-based)."""

    kind: Kind
    text: str
    line: int
    column: int

    @property
    def end_column(self) -> int:
        """The column just after the token."""
        return self.column + len(self.text)


@dataclass(frozen=True, slots=True)
class Note(Token):
    """A note: accidental (`^ ^^ _ __ =` or ``), letter, octave (0 for C–B, 1 for c–b, ±1 per ' or ,),
    and length as a multiple of the unit length L:."""

    accidental: str
    letter: str
    octave: int
    length: Fraction

    @property
    def step(self) -> str:
        """The upper-case note name, C to B."""
        return self.letter.upper()


@dataclass(frozen=True, slots=True)
class Rest(Token):
    """A rest: `z`/`x` with a length in units of L:, or `Z`/`X` with a number of whole bars."""

    invisible: bool
    length: Fraction  # units of L: for z/x; bars for Z/X


@dataclass(frozen=True, slots=True)
class ChordEnd(Token):
    """The `]` closing a chord, with the chord's length multiplier (`[CEG]2` → 2)."""

    length: Fraction


@dataclass(frozen=True, slots=True)
class Tuplet(Token):
    """`(p:q:r`: p notes in the time of q for the next r notes; q and r are None when not written."""

    p: int
    q: int | None
    r: int | None


@dataclass(frozen=True, slots=True)
class Broken(Token):
    """Broken rhythm: direction `>` (first note dotted) or `<`, repeated `count` times (1–3)."""

    direction: str
    count: int


@dataclass(frozen=True, slots=True)
class Decoration(Token):
    """A decoration: `name` without its `!`/`+` delimiters; `closed` False when the closing one is missing."""

    name: str
    closed: bool = True


@dataclass(frozen=True, slots=True)
class Quoted(Token):
    """A chord symbol or annotation: `content` without the quotes; `closed` False when unterminated."""

    content: str
    closed: bool = True


@dataclass(frozen=True, slots=True)
class Bar(Token):
    """A bar line such as `|`, `||`, `|]`, `[|`, `|:`, `:|`, `::`, `:|:`, `.|`, `[|]`."""

    @property
    def repeat_start(self) -> bool:
        return self.text.endswith(":")

    @property
    def repeat_end(self) -> bool:
        return self.text.startswith(":")

    @property
    def is_double(self) -> bool:
        """`||`, `|]`, `[|` (bars that end a section without a repeat)."""
        body = self.text.strip(":")
        return body in ("||", "|]", "[|", "[|]") and not self.repeat_start and not self.repeat_end


@dataclass(frozen=True, slots=True)
class Variant(Token):
    """A 1st/2nd-ending mark: `[1`, `[1,3`, `[1-2`, or the number right after a bar line (`|2`)."""

    endings: str

    @property
    def numbers(self) -> tuple[int, ...]:
        """The passes this ending is played on: `1,3` → (1, 3); `1-3` → (1, 2, 3)."""
        out: list[int] = []
        for part in self.endings.split(","):
            if "-" in part:
                low, _, high = part.partition("-")
                if low.isdigit() and high.isdigit() and int(high) - int(low) < 100:
                    out.extend(range(int(low), int(high) + 1))
            elif part.isdigit():
                out.append(int(part))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class GraceStart(Token):
    """`{` opening grace notes; `{/` marks an acciaccatura."""

    acciaccatura: bool


@dataclass(frozen=True, slots=True)
class Field(Token):
    """A field inside the body: an inline `[K:D]` (kind INLINE_FIELD) or a whole field line (kind FIELD)."""

    name: str
    value: str
    closed: bool = True


_LENGTH = r"\d*(?:/+\d*)?"
_MAIN = re.compile(
    r"(?P<space>[ \t`]+)"
    r"|(?P<comment>%.*)"
    r"|(?P<continuation>\\[ \t]*(?=%|$))"
    r'|(?P<quoted>"(?P<qtext>[^"]*)(?P<qclose>"?))'
    r"|(?P<deco>!(?P<dname>[^!\s]*)(?P<dclose>!?))"
    r"|(?P<pdeco>\+(?P<pname>[^+\s]*)\+)"
    r"|(?P<inline>\[(?P<iname>[A-Za-z]):(?P<ivalue>[^\]\n]*)(?P<iclose>\]?))"
    r"|(?P<bar>(?::*(?:\[\|\]|\[\||\|[|\]]*)(?::+)?|::+|\.\|)(?P<bnum>\d+(?:[,-]\d+)*)?)"
    r"|(?P<variant>\[(?P<vnum>\d+(?:[,-]\d+)*))"
    r"|(?P<tuplet>\((?P<tp>[1-9]\d*)(?::(?P<tq>\d*))?(?::(?P<tr>\d*))?)"
    rf"|(?P<note>(?P<acc>\^\^|\^|__|_|=)?(?P<letter>[A-Ga-g])(?P<oct>[,']*)(?P<nlen>{_LENGTH}))"
    rf"|(?P<rest>(?P<rletter>[zx])(?P<rlen>{_LENGTH}))"
    r"|(?P<mrest>(?P<mletter>[ZX])(?P<mbars>\d*))"
    rf"|(?P<spacer>y(?:{_LENGTH}))"
    rf"|(?P<chordend>\](?P<clen>{_LENGTH}))"
    r"|(?P<chordstart>\[)"
    r"|(?P<broken>>{1,3}|<{1,3})"
    r"|(?P<tie>\.?-)"
    r"|(?P<slurstart>\()"
    r"|(?P<slurend>\))"
    r"|(?P<gracestart>\{(?P<acciaccatura>/?))"
    r"|(?P<graceend>\})"
    r"|(?P<shortdeco>[.~HLMOPSTuv])"
    r"|(?P<overlay>&)"
    r"|(?P<unknown>.)",
    re.S,
)
_FIELD_LINE = re.compile(r"^([A-Za-z+]):(.*)$")
_SIMPLE_KINDS = {
    "space": Kind.SPACE, "comment": Kind.COMMENT, "continuation": Kind.CONTINUATION,
    "chordstart": Kind.CHORD_START, "tie": Kind.TIE, "slurstart": Kind.SLUR_START, "slurend": Kind.SLUR_END,
    "graceend": Kind.GRACE_END, "overlay": Kind.OVERLAY, "unknown": Kind.UNKNOWN, "spacer": Kind.SPACER,
}
_OCTAVE_BASE = {c: 0 for c in "CDEFGAB"} | {c: 1 for c in "cdefgab"}


def _octave(letter: str, marks: str) -> int:
    return _OCTAVE_BASE[letter] + marks.count("'") - marks.count(",")


def tokenize_line(text: str, line: int = 1, column: int = 1) -> Iterator[Token]:
    """Tokens of one body line (no EOL token). A field line (`K:G`, `w:...`) is one FIELD token."""
    field_match = _FIELD_LINE.match(text)
    if field_match and column == 1:
        yield Field(Kind.FIELD, text, line, 1, field_match.group(1), field_match.group(2).strip())
        return
    if text.startswith("%") and column == 1:
        yield Token(Kind.COMMENT, text, line, 1)
        return
    pos = 0
    end = len(text)
    match = _MAIN.match
    while pos < end:
        m = match(text, pos)
        group = m.lastgroup
        start = pos
        pos = m.end()
        col = column + start
        chunk = m.group(group)
        if group == "note":
            yield Note(Kind.NOTE, chunk, line, col, m.group("acc") or "", m.group("letter"),
                       _octave(m.group("letter"), m.group("oct")), parse_length(m.group("nlen")))
        elif group in _SIMPLE_KINDS:
            yield Token(_SIMPLE_KINDS[group], chunk, line, col)
        elif group == "bar":
            number = m.group("bnum")
            bar_text = chunk[: len(chunk) - len(number)] if number else chunk
            yield Bar(Kind.BAR, bar_text, line, col)
            if number:
                yield Variant(Kind.VARIANT, number, line, col + len(bar_text), number)
        elif group == "rest":
            yield Rest(Kind.REST, chunk, line, col, m.group("rletter") == "x", parse_length(m.group("rlen")))
        elif group == "chordend":
            yield ChordEnd(Kind.CHORD_END, chunk, line, col, parse_length(m.group("clen")))
        elif group == "quoted":
            content = m.group("qtext")
            closed = bool(m.group("qclose"))
            kind = Kind.ANNOTATION if content[:1] in ("^", "_", "<", ">", "@") else Kind.CHORD_SYMBOL
            yield Quoted(kind, chunk, line, col, content, closed)
        elif group == "deco":
            yield Decoration(Kind.DECORATION, chunk, line, col, m.group("dname"), bool(m.group("dclose")))
        elif group == "pdeco":
            yield Decoration(Kind.DECORATION, chunk, line, col, m.group("pname"))
        elif group == "shortdeco":
            yield Decoration(Kind.DECORATION, chunk, line, col, chunk)
        elif group == "inline":
            yield Field(Kind.INLINE_FIELD, chunk, line, col, m.group("iname"), m.group("ivalue").strip(),
                        bool(m.group("iclose")))
        elif group == "variant":
            yield Variant(Kind.VARIANT, chunk, line, col, m.group("vnum"))
        elif group == "tuplet":
            q, r = m.group("tq"), m.group("tr")
            yield Tuplet(Kind.TUPLET, chunk, line, col, int(m.group("tp")), int(q) if q else None,
                         int(r) if r else None)
        elif group == "mrest":
            bars = m.group("mbars")
            yield Rest(Kind.MULTI_REST, chunk, line, col, m.group("mletter") == "X",
                       Fraction(int(bars) if bars else 1))
        elif group == "broken":
            yield Broken(Kind.BROKEN, chunk, line, col, chunk[0], len(chunk))
        elif group == "gracestart":
            yield GraceStart(Kind.GRACE_START, chunk, line, col, bool(m.group("acciaccatura")))


def _unclosed_decorations(tokens: Iterator[Token]) -> Iterator[Token]:
    """Turn a lone `!` or `+` (read as UNKNOWN) into an unclosed decoration token."""
    for tok in tokens:
        if tok.kind is Kind.UNKNOWN and tok.text in ("!", "+"):
            yield Decoration(Kind.DECORATION, tok.text, tok.line, tok.column, "", False)
        else:
            yield tok


def tokenize(text: str, line: int = 1) -> Iterator[Token]:
    """Tokens of body text (one or more lines, `\\n`-separated) whose first line is source line `line`.

    Each source line ends with an EOL token whose column is just past the line's last character.
    """
    for offset, raw in enumerate(text.split("\n")):
        if raw.endswith("\r"):
            raw = raw[:-1]
        number = line + offset
        yield from _unclosed_decorations(tokenize_line(raw, number))
        yield Token(Kind.EOL, "\n", number, len(raw) + 1)


def tokenize_tune(tune: Tune) -> Iterator[Token]:
    """Tokens of a tune's body lines, with their real line numbers in the tunebook."""
    for body_line in tune.body:
        yield from _unclosed_decorations(tokenize_line(body_line.text, body_line.line))
        yield Token(Kind.EOL, "\n", body_line.line, len(body_line.text) + 1)
