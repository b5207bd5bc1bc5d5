"""Each measure of a music21 part with its start, beat length, pickup padding and key signature."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from music21 import stream

__all__ = ["TimedMeasure", "timed_measures"]


@dataclass(frozen=True)
class TimedMeasure:
    start: Fraction  # quarter notes from the start of the part
    beat: Fraction  # beat length in quarter notes (a quarter note without M:)
    padding: Fraction  # the missing start of a pickup bar
    key: object  # music21 KeySignature in force, or None
    measure: object  # music21 Measure (or the whole part when it has no measures)


def timed_measures(part: stream.Part) -> Iterator[TimedMeasure]:
    """Each measure of `part` with its start, beat length, pickup padding and key signature.

    A part without measures is one long measure.
    """
    from music21 import stream

    measures = list(part.getElementsByClass(stream.Measure))
    if not measures:
        signatures = list(part.recurse().getElementsByClass("KeySignature"))
        yield TimedMeasure(Fraction(0), Fraction(0), Fraction(0), signatures[0] if signatures else None, part)
        return
    signature = key = None
    for measure in measures:
        if measure.timeSignature is not None:
            signature = measure.timeSignature
        if measure.keySignature is not None:
            key = measure.keySignature
        beat = Fraction(signature.beatDuration.quarterLength) if signature is not None else Fraction(1)
        yield TimedMeasure(Fraction(measure.offset), beat, Fraction(measure.paddingLeft or 0), key, measure)
