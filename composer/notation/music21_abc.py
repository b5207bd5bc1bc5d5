"""Hand one tune to music21's ABC reader: mend what it misreads or drops, wrap its failures in AbcError."""

from __future__ import annotations

import re
import warnings
from fractions import Fraction
from typing import TYPE_CHECKING

from composer.abc.bounds import MAX_METER_BEATS, MAX_METER_DENOMINATOR, meter_problem, unit_problem
from composer.abc.checker import check_tune, export_blockers
from composer.abc.diagnostic import ERROR, printable
from composer.abc.keys import bar_length, parse_key
from composer.abc.lengths import default_unit_length, meter_numbers, parse_unit
from composer.abc.tunebook import Tune
from composer.errors import AbcError
from composer.notation.abc_writer import standalone_tune_text
from composer.notation.music21_form import open_implied_repeats, play_parts_in_order
from composer.notation.music21_mends import (
    keep_chord_symbols,
    keep_grace_accidentals_to_themselves,
    mend_broken_rhythm,
    show_invisible_bars,
    space_field_letters,
    spell_out_bar_rests,
    split_inline_fields,
    write_tuplet_times,
)
from composer.notation.ornament_markers import mark_ornaments
from composer.notation.sections import join_sections, section_texts

if TYPE_CHECKING:
    from music21 import stream

__all__ = [
    "conversion_error", "meter_as_read", "music21_score", "music21_sections", "music21_text", "require_exportable",
    "tune_name",
]

_FIELD_LINE = re.compile(r"^[A-Za-z+]:")


def music21_text(tune: Tune) -> str:
    """The tune's ABC as handed to music21: standalone (file header folded in), read as ABC 2.1, chord
    symbols mended and other quoted text removed, the invisible bar line `[|]` written `|` (`:[|]` too:
    abc2midi repeats nothing there) or dropped before another bar line, inline key/meter/length fields put
    on lines of their own, implied start repeats written out, `(5` `(7` `(9` given abc2midi's time, and the
    trill and roll decorations, which music21's reader drops, turned into markers it keeps."""
    text = standalone_tune_text(tune)
    if tune.unit is None:  # music21 needs L: or M: to time notes; abc2midi's default is ABC's
        first, _, rest = text.partition("\n")
        text = f"{first}\nL:{default_unit_length(tune.meter)}\n{rest}"
    text = play_parts_in_order(text, tune.field("P"))
    bar = bar_length(tune.meter)
    bar_units = bar / (parse_unit(tune.unit or "") or Fraction(default_unit_length(tune.meter))) if bar else None
    lines: list[str] = []
    in_body = False
    music_lines = []
    key = None
    meter = tune.meter
    for line in text.split("\n"):
        if _FIELD_LINE.match(line):
            in_body = in_body or line.startswith("K:")
            if line.startswith("K:"):
                key = parse_key(line[2:])
            elif line.startswith("M:"):
                meter = line[2:]
                line = f"M:{meter_as_read(meter)}"
            lines.append(line)
        elif in_body and not line.lstrip().startswith("%"):
            music = mend_broken_rhythm(mark_ornaments(keep_chord_symbols(line)))
            music = show_invisible_bars(spell_out_bar_rests(music, bar_units))
            for piece in split_inline_fields(music):
                if piece.startswith("K:"):
                    key = parse_key(piece[2:])
                elif piece.startswith("M:"):
                    meter = piece[2:]
                    piece = f"M:{meter_as_read(meter)}"
                elif not _FIELD_LINE.match(piece):
                    music_lines.append(len(lines))
                    piece = write_tuplet_times(keep_grace_accidentals_to_themselves(piece, key), meter)
                    piece = space_field_letters(piece)
                lines.append(piece)
        else:
            lines.append(line)
    # ABC 2.1 rules (music21 otherwise reads as 1.3): an accidental holds for the rest of the bar, in
    # every octave, as abc2midi plays it.
    return "%abc-2.1\n" + "\n".join(open_implied_repeats(lines, music_lines))


def meter_as_read(value: str) -> str:
    """An M: value written the way the checker reads it, for music21, which reads the digits on each side of
    the `/` whatever stands between them (`2+3+2/8` is 232/8 to it, `¸999999/1` 999,999/1): `7/8`; `C`,
    `C|` and `none` as they are; `none` for text that is not a meter (the checker warns about it)."""
    meter = value.split("%", 1)[0].strip()
    if meter in ("C", "C|", "none"):
        return meter
    numbers = meter_numbers(meter)
    return f"{numbers[0]}/{numbers[1]}" if numbers else "none"


def tune_name(tune: Tune) -> str:
    """The tune for a message: `X:3 The Kesh`, at most 60 characters, control characters escaped."""
    label = tune.label
    return printable(label if len(label) <= 60 else label[:59] + "…")


def require_exportable(tune: Tune) -> None:
    """Refuse a tune the checker finds unplayable (composer.abc.checker.export_blockers: numbers outside
    musical bounds, no K:) before music21 sees it, which would run for minutes or take gigabytes on it.

    Raises AbcError naming the tune, the place and the reason.
    """
    blockers = export_blockers(tune)
    if not blockers:
        return
    first = blockers[0]
    others = len(blockers) - 1
    more = f" ({others} more such problem{'s' if others > 1 else ''} in the tune)" if others else ""
    raise AbcError(f"{tune_name(tune)} cannot be exported: {first.message}{more}", path=tune.path,
                   tune=tune.reference, line=first.line, column=first.column)


#: A meter or unit length anywhere in the text music21 is given: its tokenizer finds fields in more places than
#: the ABC standard (and the checker) do, and a meter of 999,999 beats hangs it.
_FIELD_ANYWHERE = re.compile(r"([ML]):([^\]\n|]*)")


def _refuse_fields_out_of_bounds(tune: Tune, text: str) -> None:
    """AbcError when `text`, about to be handed to music21, holds a meter or unit length outside musical
    bounds wherever it stands (a last guard behind the checker's bounds, which read fields where ABC puts them)."""
    for match in _FIELD_ANYWHERE.finditer(text):
        name, value = match.groups()
        problem = (meter_problem(value) or _music21_meter_problem(value)) if name == "M" else (
            unit_problem(value) if re.match(r"\s*\d+\s*/\s*\d+", value) else None)
        if problem:
            raise AbcError(f"{tune_name(tune)} cannot be exported: {problem}", path=tune.path,
                           tune=tune.reference, line=tune.line)


def _music21_meter_problem(value: str) -> str | None:
    """What is wrong with an M: value as music21 reads it: the ASCII digits on each side of its one `/`,
    whatever stands between them (`M:¸999999/1` and `M:9+9+9/8` are meters of 999,999 and 999 beats to it)."""
    sides = value.split("%", 1)[0].strip().split("/")
    if len(sides) != 2:
        return None  # music21 raises on it, and the failure is reported as such
    beats, denominator = ("".join(c for c in side if c in "0123456789") for side in sides)
    if beats and denominator and (int(beats) > MAX_METER_BEATS or int(denominator) > MAX_METER_DENOMINATOR):
        return (f"M:{printable(value.strip()[:20])} is outside the meters music uses (at most "
                f"{MAX_METER_BEATS} beats to a bar, none shorter than 1/{MAX_METER_DENOMINATOR})")
    return None


def conversion_error(tune: Tune, what: str) -> AbcError:
    """The AbcError for a tune music21 failed on: the checker's first error says what and where, else the
    tune is named without the library's internals (the exception stays chained as the cause)."""
    errors = [d for d in check_tune(tune) if d.severity == ERROR]
    if errors:
        first = errors[0]
        return AbcError(f"{tune_name(tune)} {what}: {first.message}", path=tune.path, tune=tune.reference,
                        line=first.line, column=first.column)
    return AbcError(f"{tune_name(tune)} {what}: its notes use something the converter does not handle, "
                    "though the checker finds no error", path=tune.path, tune=tune.reference, line=tune.line)


def music21_score(tune: Tune) -> stream.Score:
    """The tune as a music21 Score; AbcError naming the tune (and the place, when the checker finds it) when
    the tune is outside musical bounds (see require_exportable) or music21 cannot read it.

    A long tune is read in sections (see music21_sections) and joined, as music21's reader takes time that
    grows with the square of the tune's length."""
    return join_sections(music21_sections(tune))


def music21_sections(tune: Tune) -> list[stream.Score]:
    """The tune as one music21 Score per section of about SECTION_BARS bars (one Score for a short tune or a
    tune with voices): each section stands alone, with the key, meter and unit length in force where it
    starts, so that every later step (expanding repeats, merging ties, beaming) takes time in proportion to
    the tune's length. AbcError as for music21_score."""
    from music21 import abcFormat
    from music21.abcFormat import translate

    require_exportable(tune)
    scores = []
    for text in section_texts(music21_text(tune)):
        _refuse_fields_out_of_bounds(tune, text)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                handler = abcFormat.ABCFile().readstr(text)
                score = translate.abcToStreamScore(handler)
        except Exception as exc:  # music21 raises many unrelated types on bad input
            raise conversion_error(tune, "cannot be read as music") from exc
        if not score.parts:
            raise AbcError(f"{tune_name(tune)} has no music to export", path=tune.path, tune=tune.reference,
                           line=tune.line)
        scores.append(score)
    return scores
