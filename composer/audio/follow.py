"""Score following: match the notes a tune plays to the notes written in its text, and find its bars in time.

How: the tune body is tokenized (composer.abc.tokens); each written note gets a MIDI pitch from the key
signature (K: fields, inline [K:]) and the bar's accidentals; repeats and 1st/2nd endings are unfolded into
playing order, tied continuations dropped (they sound as one note); then the written pitch sequence is
aligned with the played melody's pitch sequence (difflib's longest matching blocks, trying octave shifts
for clef/transposition tricks). A played note gets the (line, column) of the written note it lines up with;
unmatched notes get none. A bar starts at the time of its first matched note, less the rests written
before that note.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from composer.abc import tokens as abc_tokens
from composer.abc.keys import ACCIDENTAL_VALUES, NATURAL_SEMITONES, parse_key
from composer.abc.tokens import Kind
from composer.abc.tunebook import Tune

# A written tune longer than this after unfolding is not music we can follow (runaway repeats).
_MAX_UNFOLDED = 20000


class Pitched(Protocol):
    start: float
    pitch: int


@dataclass(frozen=True)
class WrittenNote:
    """A note as written: its sounding MIDI pitch, its source place, and whether it only continues a tie."""

    pitch: int
    line: int
    column: int
    tied_continuation: bool = False
    rest_before: Fraction = Fraction(0)  # written rests (in whole notes) between the bar line and this note


@dataclass(frozen=True)
class Following:
    """The result of following a tune: each played melody note's source place, and bar start times."""

    places: tuple[tuple[int, int] | None, ...]
    bar_starts: tuple[float, ...]
    matched: int
    written: int

    @property
    def coverage(self) -> float:
        """Share of the played notes that found their written note."""
        return self.matched / len(self.places) if self.places else 0.0


def key_signature(value: str | None) -> dict[str, int]:
    """Letter → semitone change for a K: value: `D` → {F: +1, C: +1, ...}; unreadable keys give C major."""
    key = parse_key(value)
    return dict(key.alterations) if key is not None else {}


def _pitch(note: abc_tokens.Note, signature: dict[str, int],
           bar_accidentals: dict[tuple[str, int], int]) -> int:
    step = note.step
    if note.accidental:
        alter = ACCIDENTAL_VALUES[note.accidental]
        bar_accidentals[(step, note.octave)] = alter
    else:
        alter = bar_accidentals.get((step, note.octave), signature.get(step, 0))
    return 60 + 12 * note.octave + NATURAL_SEMITONES[step] + alter


def _unit(tune: Tune) -> Fraction:
    from composer.abc.lengths import default_unit_length

    unit = tune.unit or default_unit_length(tune.meter)
    try:
        return Fraction(unit.strip())
    except (ValueError, ZeroDivisionError):
        return Fraction(1, 8)


def written_items(tune: Tune) -> list[tuple[str, object]]:
    """The tune body as a flat list of ("note", WrittenNote), ("chord", [WrittenNote...]), ("bar", Bar),
    ("variant", Variant) and ("part", letter) items, in written order."""
    signature = key_signature(tune.key)
    bar_accidentals: dict[tuple[str, int], int] = {}
    unit = _unit(tune)
    items: list[tuple[str, object]] = []
    chord: list[WrittenNote] | None = None
    tied: set[int] = set()
    next_tied: set[int] = set()
    rest_before = Fraction(0)
    in_grace = False
    for tok in abc_tokens.tokenize_tune(tune):
        kind = tok.kind
        if kind is Kind.NOTE:
            pitch = _pitch(tok, signature, bar_accidentals)
            written = WrittenNote(pitch, tok.line, tok.column, pitch in tied and not in_grace, rest_before)
            if chord is not None:
                chord.append(written)
            else:
                items.append(("note", written))
                if not in_grace:
                    tied = set()
                    next_tied = {pitch}
            rest_before = Fraction(0)
        elif kind is Kind.TIE:
            tied = next_tied
        elif kind is Kind.CHORD_START:
            chord = []
        elif kind is Kind.CHORD_END and chord is not None:
            if chord:
                items.append(("chord", sorted(chord, key=lambda n: n.pitch)))
                next_tied = {n.pitch for n in chord}
                tied = set()
            chord = None
        elif kind is Kind.GRACE_START:
            in_grace = True
        elif kind is Kind.GRACE_END:
            in_grace = False
        elif kind is Kind.REST and not tok.invisible:
            rest_before += tok.length * unit
        elif kind is Kind.BAR:
            bar_accidentals = {}
            rest_before = Fraction(0)
            items.append(("bar", tok))
        elif kind is Kind.VARIANT:
            items.append(("variant", tok))
        elif kind in (Kind.INLINE_FIELD, Kind.FIELD):
            if tok.name == "P":
                items.append(("part", tok.value.strip()[:1]))
            elif tok.name == "K":
                signature = key_signature(tok.value)
            elif tok.name == "L":
                try:
                    unit = Fraction(tok.value.strip())
                except (ValueError, ZeroDivisionError):
                    pass
    return items


def part_order(value: str | None) -> str:
    """The parts to play from a header P: (`ABACA`, `A2B`, `(AB)2C`, `A.B.A`) as a string of part letters."""
    if not value:
        return ""
    text = re.sub(r"[^A-Za-z0-9()]", "", value)

    def expand(match: re.Match) -> str:
        return match.group(1) * min(int(match.group(2) or 1), 16)

    text = re.sub(r"([A-Za-z])(\d+)", lambda m: m.group(1) * min(int(m.group(2)), 16), text)
    for _ in range(5):  # innermost parentheses first
        text, n = re.subn(r"\(([A-Za-z]*)\)(\d*)", expand, text)
        if not n:
            break
    return re.sub(r"[^A-Za-z]", "", text)[:64]


def in_part_order(items: list[tuple[str, object]], order: str) -> list[tuple[str, object]]:
    """The items with their P: parts played in `order`; unchanged when there are no parts or no order."""
    parts: dict[str, list[tuple[str, object]]] = {}
    current = ""
    lead: list[tuple[str, object]] = []
    for item in items:
        if item[0] == "part":
            current = item[1]
            parts.setdefault(current, [])
        elif current:
            parts[current].append(item)
        else:
            lead.append(item)
    if not order or not parts or any(p not in parts for p in order):
        return [item for item in items if item[0] != "part"]
    out = list(lead)
    for p in order:
        out += parts[p]
    return out


def unfold(items: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The items in playing order: `|: ... :|` twice, 1st and 2nd endings on their pass, as abc2midi plays."""
    out: list[tuple[str, object]] = []
    section_start = 0
    taken: set[int] = set()
    ending_pass = 1
    i = 0
    while i < len(items) and len(out) < _MAX_UNFOLDED:
        kind, value = items[i]
        if kind == "bar":
            out.append((kind, value))
            if value.repeat_end and i not in taken:
                taken.add(i)
                i = section_start
                ending_pass = 2
                continue
            if value.repeat_end or value.repeat_start or value.is_double:
                section_start = i + 1
                if not (value.repeat_end and _next_is_variant(items, i)):
                    ending_pass = 1
        elif kind == "variant":
            if ending_pass not in value.numbers:
                j = i + 1
                while j < len(items) and not (
                        items[j][0] == "variant" and ending_pass in items[j][1].numbers):
                    j += 1
                if j < len(items):
                    i = j
                    continue
        else:
            out.append((kind, value))
        i += 1
    return out


def _next_is_variant(items: list[tuple[str, object]], i: int) -> bool:
    return i + 1 < len(items) and items[i + 1][0] == "variant"


def follow_tune(tune: Tune, melody: Sequence[Pitched], *,
                whole_note_seconds: float | None = None) -> Following:
    """Match `melody` (played notes sorted by start) to the tune's written notes; see the module docstring."""
    played = unfold(in_part_order(written_items(tune), part_order(tune.field("P"))))
    notes: list[WrittenNote] = []
    bar_first_note: list[int] = []  # index into `notes` of the first note after each bar line
    for kind, value in played:
        if kind == "bar":
            bar_first_note.append(len(notes))
        elif kind == "note":
            if not value.tied_continuation:
                notes.append(value)
        elif kind == "chord":
            notes.extend(n for n in value if not n.tied_continuation)
    written = [n.pitch for n in notes]
    heard = [e.pitch for e in melody]
    best: list[tuple[int, int, int]] = []
    best_count = -1
    for shift in (0, -12, 12, -24, 24):
        matcher = difflib.SequenceMatcher(None, [p + shift for p in written], heard, autojunk=False)
        blocks = matcher.get_matching_blocks()
        count = sum(b.size for b in blocks)
        if count > best_count:
            best, best_count = blocks, count
        if count >= 0.9 * len(heard):
            break
    places: list[tuple[int, int] | None] = [None] * len(heard)
    played_index_of: dict[int, int] = {}
    for a, b, size in best:
        for k in range(size):
            places[b + k] = (notes[a + k].line, notes[a + k].column)
            played_index_of[a + k] = b + k
    if whole_note_seconds is None:
        whole_note_seconds = 2.0
    bar_starts = []
    for first in bar_first_note:
        # The first matched note at or after the bar line (a bar of rests or unmatched notes is skipped).
        k = first
        while k < len(notes) and k not in played_index_of:
            k += 1
        if k < len(notes) and k == first:
            start = melody[played_index_of[k]].start - float(notes[k].rest_before) * whole_note_seconds
            bar_starts.append(max(0.0, start))
    return Following(tuple(places), tuple(sorted(set(bar_starts))), max(best_count, 0), len(written))
