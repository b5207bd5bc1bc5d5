"""The notes a trill or a roll sounds, timed as abc2midi plays them."""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["held_on", "neighbour_pitch", "roll_pattern", "trill_note_length", "trill_pattern"]


def trill_note_length(qpm: float) -> Fraction:
    """The length of one trill note, in quarter notes, as abc2midi picks it (measured on its output): a 32nd
    note from 75 to 150 quarter notes a minute, doubled for every doubling of the tempo above that and halved
    below, so that it lasts 1/20 to 1/10 s."""
    return Fraction(1, 8) * Fraction(2) ** math.floor(math.log2(max(qpm, 1.0) / 75.0) + 1e-9)


def held_on(pattern: list[tuple[Fraction, Fraction, int]], duration: Fraction) -> list[tuple[Fraction, Fraction, int]]:
    """An ornament's notes with the last one held to `duration` (the length of the tied note)."""
    at, _, step = pattern[-1]
    return [*pattern[:-1], (at, duration - at, step)]


def trill_pattern(duration: Fraction, note: Fraction) -> list[tuple[Fraction, Fraction, int]]:
    """(offset, length, scale step from the note) of each note of a trill, starting on the upper note."""
    count = max(1, int(duration / note))
    pattern = [(i * note, note, 1 if i % 2 == 0 else 0) for i in range(count - 1)]
    last = (count - 1) * note
    pattern.append((last, duration - last, 1 if (count - 1) % 2 == 0 else 0))
    return pattern


def roll_pattern(duration: Fraction, unit: Fraction) -> list[tuple[Fraction, Fraction, int]]:
    """abc2midi's roll: on a note three units long, note-upper-note-lower-note; otherwise a short upper
    note (a quarter unit) and the note."""
    unit_quarters = unit * 4
    short = unit_quarters / 4
    if duration == 3 * unit_quarters:
        rest = unit_quarters - short
        return [(Fraction(0), unit_quarters, 0), (unit_quarters, short, 1), (unit_quarters + short, rest, 0),
                (2 * unit_quarters, short, -1), (2 * unit_quarters + short, rest, 0)]
    if duration <= short:
        return [(Fraction(0), duration, 0)]
    return [(Fraction(0), short, 1), (short, duration - short, 0)]


def neighbour_pitch(element, key, step: int) -> int:
    """The MIDI note one scale step above (+1) or below (-1) a note, in the key signature."""
    from music21 import pitch as m21pitch

    steps = "CDEFGAB"
    here = element.pitch
    index = steps.index(here.step) + step
    octave = (here.octave if here.octave is not None else 4) + index // 7
    neighbour = m21pitch.Pitch(steps[index % 7] + str(octave))
    accidental = key.accidentalByStep(neighbour.step) if key is not None else None
    if accidental is not None:
        neighbour.accidental = accidental.alter
    return int(neighbour.midi)
