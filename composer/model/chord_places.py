"""Where a tune's chord symbols stand and where new ones may go: its bars, timed, mapped onto the model's text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from composer.abc.keys import default_tuplet_time
from composer.abc.lengths import default_unit_length, meter_fraction, meter_numbers, parse_unit
from composer.abc.tokens import Broken, ChordEnd, Kind, Note, Quoted, Token, Tuplet, tokenize_tune
from composer.abc.tunebook import Tune
from composer.errors import AbcError
from composer.model.canonical import canonical_header, strip_comment
from composer.model.vocab import transliterate_char

__all__ = [
    "DOWNBEAT", "MIDDLE", "ChordPlace", "ModelText", "PlacedSymbol", "TuneLayout", "apply_edits", "layout",
    "model_text", "without_chord_symbols",
]

DOWNBEAT, MIDDLE = "downbeat", "middle"
#: Tokens that may stand between a chord symbol and its note: `"G"~G`, `"D"{B}A`, `"Em"(3BcB`, `"C"[CEG]`.
_PREFIX_KINDS = frozenset({Kind.TUPLET, Kind.SLUR_START, Kind.DECORATION, Kind.CHORD_SYMBOL, Kind.ANNOTATION,
                           Kind.GRACE_START, Kind.GRACE_END})
_BODY_FIELD = re.compile(r"^([A-Za-z+]):")
_MUSICAL_BODY_FIELDS = frozenset("KLMPV")
_BROKEN_FACTORS = {1: Fraction(3, 2), 2: Fraction(7, 4), 3: Fraction(15, 8)}


@dataclass(frozen=True)
class ChordPlace:
    """A place where a chord symbol may be written: before source `line`:`column`, in written bar `bar`."""

    line: int
    column: int
    bar: int
    beat: str  # DOWNBEAT or MIDDLE
    chorded: bool  # a chord symbol already stands there


@dataclass(frozen=True)
class PlacedSymbol:
    """A chord symbol as written: its place, its name (without quotes) and the written bar it falls in."""

    line: int
    column: int
    length: int
    name: str
    bar: int


@dataclass(frozen=True)
class TuneLayout:
    """A tune's bars as written (numbered from 1, a pickup included), its chord places and its chord symbols."""

    bars: int
    places: tuple[ChordPlace, ...]
    symbols: tuple[PlacedSymbol, ...]

    def bar_chords(self) -> tuple[str | None, ...]:
        """The first chord symbol of each written bar, None for a bar without one."""
        first: dict[int, str] = {}
        for symbol in self.symbols:
            first.setdefault(symbol.bar, symbol.name)
        return tuple(first.get(bar) for bar in range(1, self.bars + 1))


@dataclass
class _Bar:
    number: int
    events: list[tuple[Fraction, int]]  # onset in whole notes, index of the note's (or chord's) token
    length: Fraction = Fraction(0)
    closed: bool = False


def _beats(meter: str | None) -> int | None:
    """Beats in a bar: 6/8 has 2, 4/4 and C have 4, C| has 2; None for free meter."""
    numbers = meter_numbers(meter)
    if numbers is None:
        return None
    count, bottom = numbers
    if count > 3 and count % 3 == 0 and bottom in (8, 16):
        return count // 3
    return count or None


def _timed_bars(tune: Tune, tokens: list[Token]) -> tuple[list[_Bar], dict[int, int]]:
    """The written bars with the onset of each note or chord, and the bar of every chord-symbol token."""
    meter = tune.meter
    unit = parse_unit(tune.unit or default_unit_length(meter)) or Fraction(1, 8)
    bars = [_Bar(1, [])]
    symbol_bars: dict[int, int] = {}
    pos = Fraction(0)
    tuplet_left, tuplet_factor = 0, Fraction(1)
    pending = Fraction(1)  # the second note of a broken pair
    last_duration: Fraction | None = None
    in_grace = in_chord = False
    chord_first: Fraction | None = None
    voices: set[str] = set()

    def factor() -> Fraction:
        nonlocal tuplet_left, pending
        value = pending * (tuplet_factor if tuplet_left > 0 else 1)
        tuplet_left = max(tuplet_left - 1, 0)
        pending = Fraction(1)
        return value

    for index, token in enumerate(tokens):
        kind = token.kind
        bar = bars[-1]
        if kind in (Kind.FIELD, Kind.INLINE_FIELD):
            name, value = token.name, token.value  # type: ignore[attr-defined]
            if name == "M":
                meter = value
            elif name == "L":
                unit = parse_unit(value) or unit
            elif name == "V" and value.split():
                voices.add(value.split()[0])
                if len(voices) > 1:
                    raise AbcError("harmonize reads tunes of one voice; this one has more (V: fields)",
                                   path=tune.path, tune=tune.reference, line=token.line, column=token.column)
        elif kind is Kind.OVERLAY:
            raise AbcError("harmonize reads tunes of one voice; this one has a voice overlay (&)",
                           path=tune.path, tune=tune.reference, line=token.line, column=token.column)
        elif kind is Kind.GRACE_START:
            in_grace = True
        elif kind is Kind.GRACE_END:
            in_grace = False
        elif in_grace:
            continue
        elif kind is Kind.CHORD_SYMBOL:
            symbol_bars[index] = bar.number
        elif kind is Kind.CHORD_START:
            in_chord, chord_first = True, None
            bar.events.append((pos, index))
        elif kind is Kind.NOTE and in_chord:
            assert isinstance(token, Note)
            chord_first = token.length if chord_first is None else chord_first
        elif kind is Kind.CHORD_END and in_chord:
            assert isinstance(token, ChordEnd)
            in_chord = False
            last_duration = (chord_first or Fraction(1)) * token.length * unit * factor()
            pos += last_duration
        elif kind is Kind.NOTE:
            assert isinstance(token, Note)
            bar.events.append((pos, index))
            last_duration = token.length * unit * factor()
            pos += last_duration
        elif kind is Kind.REST:
            last_duration = token.length * unit * factor()  # type: ignore[attr-defined]
            pos += last_duration
        elif kind is Kind.MULTI_REST:
            pos += meter_fraction(meter) or Fraction(1)
        elif kind is Kind.TUPLET:
            assert isinstance(token, Tuplet)
            tuplet_factor = Fraction(token.q or default_tuplet_time(token.p, meter), token.p)
            tuplet_left = token.r or token.p
        elif kind is Kind.BROKEN and last_duration is not None:
            assert isinstance(token, Broken)
            longer = _BROKEN_FACTORS.get(token.count, Fraction(15, 8))
            first = longer if token.direction == ">" else 2 - longer
            pos += last_duration * (first - 1)
            pending = 2 - first
        elif kind is Kind.BAR:
            if pos > 0 or bar.events:
                bar.length, bar.closed = pos, True
                bars.append(_Bar(bar.number + 1, []))
            pos = Fraction(0)
    bars[-1].length = pos
    if not bars[-1].events and bars[-1].length == 0 and len(bars) > 1:
        bars.pop()
    return bars, symbol_bars


def _prefix_start(tokens: list[Token], index: int) -> int:
    """The index of the first token of the run (decorations, grace notes, tuplet and slur marks, chord symbols,
    annotations) written right before the note at `index`, on its line."""
    start = index
    while start > 0 and tokens[start - 1].kind in _PREFIX_KINDS and tokens[start - 1].line == tokens[index].line:
        if tokens[start - 1].kind is Kind.GRACE_END:
            start -= 1
            while start > 0 and tokens[start - 1].kind is not Kind.GRACE_START:
                start -= 1
        start -= 1
    return start


def layout(tune: Tune, *, per: str = "bar") -> TuneLayout:
    """The tune's written bars, its chord symbols and the places a chord may stand: the first note of each bar,
    and with `per="beat"` also the note on the middle beat of a bar of an even number of beats (4/4, 6/8, 2/2)."""
    if per not in ("bar", "beat"):
        raise ValueError(f"per must be 'bar' or 'beat', not {per!r}")
    tokens = list(tokenize_tune(tune))
    bars, symbol_bars = _timed_bars(tune, tokens)
    full = meter_fraction(tune.meter)
    beats = _beats(tune.meter)
    symbols = tuple(PlacedSymbol(t.line, t.column, len(t.text), t.content, symbol_bars[i])  # type: ignore
                    for i, t in enumerate(tokens) if i in symbol_bars and isinstance(t, Quoted) and t.closed)
    places = []
    for bar in bars:
        shift = Fraction(0)
        if bar.number == 1 and bar.closed and full is not None and bar.length < full:
            shift = full - bar.length  # a pickup: its notes lead into the first full bar
        wanted = {Fraction(0): DOWNBEAT}
        if per == "beat" and full is not None and beats and beats % 2 == 0:
            wanted[full / 2] = MIDDLE
        seen = set()
        for onset, index in bar.events:
            beat = wanted.get(onset + shift)
            if beat is None or onset in seen:
                continue
            seen.add(onset)
            start = _prefix_start(tokens, index)
            chorded = any(tokens[i].kind is Kind.CHORD_SYMBOL for i in range(start, index))
            places.append(ChordPlace(tokens[start].line, tokens[start].column, bar.number, beat, chorded))
    return TuneLayout(len(bars), tuple(places), symbols)


def without_chord_symbols(tune: Tune) -> str:
    """The tune's text with every chord symbol of its body taken out (annotations stay): its melody as written."""
    deletions = {(t.line, t.column): len(t.text) for t in tokenize_tune(tune) if t.kind is Kind.CHORD_SYMBOL}
    return apply_edits(tune, deletions, {})


def apply_edits(tune: Tune, deletions: dict[tuple[int, int], int], insertions: dict[tuple[int, int], str]) -> str:
    """The tune's text with the spans at (line, column) of the given lengths removed and texts inserted before
    (line, column); every other character stays as it was."""
    lines = list(tune.source_lines)
    touched = {line for line, _ in deletions} | {line for line, _ in insertions}
    for number in sorted(touched):
        index = number - tune.line
        text = lines[index].rstrip("\n")
        out = []
        skip_until = 0
        for column in range(1, len(text) + 2):
            out.append(insertions.get((number, column), ""))
            if (number, column) in deletions:
                skip_until = column + deletions[(number, column)]
            if column <= len(text) and column >= skip_until:
                out.append(text[column - 1])
        lines[index] = "".join(out) + "\n"
    return "".join(lines)


@dataclass(frozen=True)
class ModelText:
    """The canonical text the model reads for a tune (some chord symbols taken out), and where each source place
    of its body falls in that text."""

    text: str
    offsets: dict[tuple[int, int], int]  # (line, column) of a kept body line → offset in `text`

    def offset(self, line: int, column: int) -> int:
        return self.offsets[(line, column)]


def model_text(tune: Tune, deletions: dict[tuple[int, int], int]) -> ModelText:
    """`canonical_text` of the tune with the `deletions` made, and the map from source places into it."""
    header = canonical_header(tune.title, tune.meter, tune.unit, tune.key, tune.rhythm)
    pieces: list[str] = []
    offsets: dict[tuple[int, int], int] = {}
    at = len(header)
    for body_line in tune.body:
        deleted = set()
        for (line, column), length in deletions.items():
            if line == body_line.line:
                deleted.update(range(column, column + length))
        kept = [(c, ch) for c, ch in enumerate(body_line.text, start=1) if c not in deleted]
        text = "".join(ch for _, ch in kept).replace("\t", " ")
        field = _BODY_FIELD.match(text)
        if text.lstrip().startswith("%") or field and field.group(1) not in _MUSICAL_BODY_FIELDS:
            continue
        stripped = strip_comment(text).rstrip()
        if not stripped.strip():
            continue
        out = []
        line_offsets = {}
        for (column, _), ch in zip(kept, stripped, strict=False):
            line_offsets[column] = at
            written = transliterate_char(ch)
            out.append(written)
            at += len(written)
        following = at
        for column in range(len(body_line.text) + 1, 0, -1):  # deleted places: the next kept character's offset
            following = line_offsets.get(column, following)
            offsets[(body_line.line, column)] = following
        pieces.append("".join(out))
        at += 1  # the newline
    body = "\n".join(pieces)
    return ModelText(header + body + ("\n" if body else "") + "\n", offsets)
