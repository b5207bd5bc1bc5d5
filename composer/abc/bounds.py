"""The musical bounds of a tune's numbers: meter, unit length, note length, tempo, bar rests, slurs, broken rhythm.

Outside them a tune is not music anyone plays, and the exporters (music21, FluidSynth) would take minutes or
gigabytes on it (`M:999999/1`, `A99999999`, `L:99999999/1`, ten thousand nested slurs). The checker reports
each as an error with its place, and the exporters refuse a tune that has one. Each `*_problem` function
returns what is wrong, in words, or None.
"""

from __future__ import annotations

import re
from fractions import Fraction

from composer.abc.lengths import meter_numbers, parse_unit

__all__ = [
    "MAX_BAR_REST", "MAX_BROKEN", "MAX_GRACE_NOTES", "MAX_METER_BEATS", "MAX_METER_DENOMINATOR", "MAX_NOTE",
    "MAX_PARTS_PLAYED", "MAX_SLUR_DEPTH", "MAX_TEMPO_QPM", "MAX_TUNE_CHARS", "MAX_UNIT", "MIN_NOTE",
    "MIN_TEMPO_QPM", "MIN_UNIT", "TEMPO_WORDS", "bar_rest_problem", "broken_problem", "grace_problem",
    "length_problem", "meter_problem", "note_length_problem", "parse_unit", "parts_played", "parts_problem",
    "quarter_notes_a_minute", "tempo_problem", "unit_problem",
]

#: The most beats (the numerator, summed for `2+3/8`) and the largest beat denominator of M:.
MAX_METER_BEATS = 64
MAX_METER_DENOMINATOR = 64
#: Unit length L: as a fraction of a whole note.
MIN_UNIT, MAX_UNIT = Fraction(1, 256), Fraction(4)
#: One note, rest or chord, in whole notes: a 1/1024 note up to 64 whole notes.
MIN_NOTE, MAX_NOTE = Fraction(1, 1024), Fraction(64)
#: Tempo in quarter notes a minute (MIDI itself cannot go below 3.6).
MIN_TEMPO_QPM, MAX_TEMPO_QPM = 8.0, 1000.0
#: Bars of one multi-bar rest `Z`.
MAX_BAR_REST = 1000
#: Slurs open at once.
MAX_SLUR_DEPTH = 32
#: `>` or `<` signs of one broken rhythm (ABC 2.1 defines up to three).
MAX_BROKEN = 3
#: Characters of one tune's body. The longest tunes of the training collections have a few thousand; a 1 MB
#: tune (a whole book pasted on one line) kept the MIDI export busy for more than 100 s.
MAX_TUNE_CHARS = 100_000
#: Notes of one group of grace notes (music21 takes time growing with the square of it: {g...} of 2,000 notes
#: kept the MusicXML export busy for minutes).
MAX_GRACE_NOTES = 32
#: Parts a header P: may play (`P:A99999999` would have the exporters lay out a hundred million parts).
MAX_PARTS_PLAYED = 256

#: abc2midi's quarter notes a minute for a tempo word in Q: (its guide's table).
TEMPO_WORDS = {
    "larghissimo": 40, "adagissimo": 44, "lentissimo": 48, "largo": 56, "adagio": 59, "lento": 62,
    "larghetto": 66, "adagietto": 76, "andante": 88, "andantino": 96, "moderato": 104, "allegretto": 112,
    "allegro": 120, "vivace": 168, "vivo": 180, "presto": 192, "allegrissimo": 208, "vivacissimo": 220,
    "prestissimo": 240,
}



def meter_problem(text: str) -> str | None:
    """What is wrong with the numbers of an M: value (`6/8`, `2+3/8`); None for a meter in bounds or one that
    is not numbers at all (`C`, `none`, or text the checker warns about on its own)."""
    # music21 reads the digits through stray letters (`M:99A999/1` is a meter of 99,999 beats to it).
    numbers = meter_numbers(re.sub(r"(?<=\d)[A-Za-z]+(?=\d)", "", text.split("%", 1)[0].strip()))
    if numbers is None:
        return None
    beats, denominator = numbers
    shown = _clip(text.split("%", 1)[0].strip())
    if denominator == 0:
        return f"M:{shown} divides by zero"
    if beats == 0:
        return f"M:{shown} has no beats in a bar"
    if beats > MAX_METER_BEATS or denominator > MAX_METER_DENOMINATOR:
        return (f"M:{shown} is outside the meters music uses (at most {MAX_METER_BEATS} beats to a bar, "
                f"none shorter than 1/{MAX_METER_DENOMINATOR})")
    return None


def unit_problem(text: str) -> str | None:
    """What is wrong with an L: value: not a length (`1/0`, `1/`, `/8`, `banana`) or out of bounds."""
    shown = _clip(text.split("%", 1)[0].strip())
    unit = parse_unit(text)
    if unit is None:
        return f"L:{shown} is not a unit length like 1/8"
    if not MIN_UNIT <= unit <= MAX_UNIT:
        return f"L:{shown} is outside the unit lengths music uses (1/{MIN_UNIT.denominator} to {MAX_UNIT})"
    return None


def note_length_problem(whole_notes: Fraction, written: str) -> str | None:
    """What is wrong with a note, rest or chord `written` so that it lasts `whole_notes`."""
    if whole_notes == 0 or MIN_NOTE <= whole_notes <= MAX_NOTE:
        return None
    longest = f"{MAX_NOTE} whole notes"
    if whole_notes > MAX_NOTE:
        return f"{_clip(written)} lasts {_whole(whole_notes)}, longer than any note music uses ({longest})"
    return f"{_clip(written)} lasts {_whole(whole_notes)}, shorter than any note music uses (1/{MIN_NOTE.denominator})"


def bar_rest_problem(bars: int, written: str) -> str | None:
    """What is wrong with a multi-bar rest `written` of `bars` bars."""
    if bars > MAX_BAR_REST:
        return f"{_clip(written)} rests {bars} bars; a multi-bar rest may be at most {MAX_BAR_REST}"
    return None


def broken_problem(signs: int, sign: str) -> str | None:
    """What is wrong with a broken rhythm of `signs` signs `sign` (`>` or `<`) in a row."""
    if signs > MAX_BROKEN:
        return f"broken rhythm with more than {MAX_BROKEN} {sign} signs in a row (ABC allows {sign * MAX_BROKEN})"
    return None


def length_problem(characters: int) -> str | None:
    """What is wrong with a tune body of `characters` characters."""
    if characters > MAX_TUNE_CHARS:
        return (f"the tune is {characters:,} characters long; a tune may have at most {MAX_TUNE_CHARS:,} "
                "(split it into tunes)")
    return None


def grace_problem(notes: int) -> str | None:
    """What is wrong with a group of `notes` grace notes."""
    if notes > MAX_GRACE_NOTES:
        return f"more than {MAX_GRACE_NOTES} grace notes in one group {{...}}"
    return None


def parts_played(spec: str) -> int:
    """How many parts a header P: plays, counted as composer.notation.music21_form.part_order lays them out
    (`A(AB)2C` plays 6) but without laying them out, so that a huge count costs nothing."""
    spec = spec.split("%", 1)[0]
    played = 0
    index = 0
    while index < len(spec):
        ch = spec[index]
        if ch == "(":
            end = spec.find(")", index)
            if end < 0:
                break
            count = re.match(r"\d*", spec[end + 1:]).group()
            played += parts_played(spec[index + 1:end]) * _count(count)
            index = end + 1 + len(count)
        elif ch.isalpha():
            count = re.match(r"\d*", spec[index + 1:]).group()
            played += _count(count)
            index += 1 + len(count)
        else:
            index += 1
    return played


def _count(digits: str) -> int:
    """A repeat count as written (none: once); a count of more digits than any bound is taken as 10**12,
    as Python will not read a number of thousands of digits."""
    if not digits:
        return 1
    return int(digits) if len(digits) <= 12 else 10 ** 12


def parts_problem(value: str) -> str | None:
    """What is wrong with a header P: value that plays more than MAX_PARTS_PLAYED parts."""
    played = parts_played(value)
    if played <= MAX_PARTS_PLAYED:
        return None
    shown = f"{played:,}" if played < 10 ** 12 else "more than a trillion"
    return (f"P:{_clip(value.strip())} plays {shown} parts; a tune may play at most {MAX_PARTS_PLAYED} "
            "(write the order out, or repeat fewer times)")


def quarter_notes_a_minute(value: str) -> float | None:
    """A Q: value as quarter notes a minute, read as abc2midi reads it; None when it names no tempo.

    `1/4=120` and `3/8=100` name their beat; a bare `100` counts quarter notes; a tempo word alone
    (`"Andante"`) has abc2midi's value for it (TEMPO_WORDS).
    """
    words = [TEMPO_WORDS.get(w.strip().lower()) for w in re.findall(r'"([^"]*)"', value)]
    text = re.sub(r'"[^"]*"', " ", value)
    match = re.search(r"((?:\d+/\d+\s*)+)=\s*(\d+(?:\.\d+)?)", text)
    if match:
        beat = sum((Fraction(int(n), int(d)) for n, d in re.findall(r"(\d+)/(\d+)", match.group(1))
                    if int(d) > 0), Fraction(0))
        bpm = float(match.group(2))
        if beat > 0 and bpm > 0:
            return bpm * float(beat * 4)
        return None
    bare = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*", text)
    if bare and float(bare.group(1)) > 0:
        return float(bare.group(1))
    known = [w for w in words if w]
    return float(known[0]) if known else None


def tempo_problem(value: str) -> str | None:
    """What is wrong with a Q: value whose tempo is outside MIN_TEMPO_QPM..MAX_TEMPO_QPM."""
    qpm = quarter_notes_a_minute(value.split("%", 1)[0])
    if qpm is None or MIN_TEMPO_QPM <= qpm <= MAX_TEMPO_QPM:
        return None
    return (f"Q:{_clip(value.strip())} is {qpm:g} quarter notes a minute, outside the tempos music uses "
            f"({MIN_TEMPO_QPM:g} to {MAX_TEMPO_QPM:g})")


def _whole(value: Fraction) -> str:
    if value >= 1:
        return f"{float(value):g} whole notes"
    return f"1/{float(1 / value):g} of a whole note"


def _clip(text: str, most: int = 24) -> str:
    """`text` for a message: at most `most` characters, control characters escaped."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                    for c in text[:most])
    return shown + ("…" if len(text) > most else "")
