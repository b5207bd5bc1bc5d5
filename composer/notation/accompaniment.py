"""Chord symbols played as abc2midi's accompaniment: a bass note or the chord on every beat."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

from composer.notation.measures import timed_measures
from composer.notation.sounding import Sounding

if TYPE_CHECKING:
    from music21 import stream

__all__ = ["ACCOMPANIMENT_CHANNEL", "ACCOMPANIMENT_PROGRAM", "accompaniment_notes"]

ACCOMPANIMENT_CHANNEL = 8
ACCOMPANIMENT_PROGRAM = 24  # GM acoustic guitar (nylon)
_BASS_VELOCITY, _CHORD_VELOCITY = 80, 70


def accompaniment_notes(part: stream.Part) -> Iterator[Sounding]:
    """The accompaniment of chord symbols: a bass note on the first beat of the bar, on the middle beat of
    4-beat bars and where the chord changes, the chord on the other beats; each lasts half a beat."""
    from music21 import harmony

    changes: list[tuple[Fraction, object]] = []
    for bar in timed_measures(part):
        for symbol in bar.measure.flatten().getElementsByClass(harmony.Harmony):
            changes.append((bar.start + Fraction(symbol.offset), symbol))
    if not changes:
        return
    changes.sort(key=lambda c: c[0])
    starts = [offset for offset, _ in changes]
    previous = -1
    for beat_start, beat_index, beats_in_bar, beat in _beats(part):
        number = bisect.bisect_right(starts, beat_start) - 1
        changed, previous = number != previous, number
        current = changes[number][1] if number >= 0 else None
        if current is None or isinstance(current, harmony.NoChord) or not current.pitches:
            continue
        length = beat / 2
        if beat_index == 0 or changed or (beats_in_bar == 4 and beat_index == 2):
            bass = current.bass() or current.root()
            yield Sounding(beat_start, length, _in_range(bass.pitchClass, 40), _BASS_VELOCITY,
                           ACCOMPANIMENT_CHANNEL, ACCOMPANIMENT_PROGRAM)
        else:
            for pitch_class in sorted({p.pitchClass for p in current.pitches}):
                yield Sounding(beat_start, length, _in_range(pitch_class, 52), _CHORD_VELOCITY,
                               ACCOMPANIMENT_CHANNEL, ACCOMPANIMENT_PROGRAM)


def _beats(part: stream.Part) -> Iterator[tuple[Fraction, int, int, Fraction]]:
    """(start, index in the bar, beats in a full bar, beat length) of every beat the part sounds."""
    for bar in timed_measures(part):
        beat, padding, measure_start = bar.beat, bar.padding, bar.start
        if beat <= 0:
            continue
        length = Fraction(bar.measure.duration.quarterLength)
        full = padding + length
        beats_in_bar = max(1, round((full if padding else length) / beat))
        index = 0
        position = Fraction(0)
        while position < full:
            if position >= padding:
                yield measure_start + position - padding, index, beats_in_bar, beat
            position += beat
            index += 1


def _in_range(pitch_class: int, lowest: int) -> int:
    """The MIDI note of `pitch_class` in the octave starting at `lowest`."""
    return lowest + (pitch_class - lowest) % 12
