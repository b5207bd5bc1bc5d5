"""A note timed in quarter notes (Sounding), grace notes given their time, and struck unisons kept apart."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["GRACE_DIVIDER", "Sounding", "retimed", "timed_graces", "without_overlaps"]

#: abc2midi's default `%%MIDI gracedivider`: a grace note lasts this fraction of the unit length L:.
GRACE_DIVIDER = 4


@dataclass(frozen=True)
class Sounding:
    """A note timed in quarter notes, before the tempo turns it into seconds."""

    start: Fraction
    duration: Fraction
    pitch: int
    velocity: int
    channel: int
    program: int
    grace: bool = False
    element: int = 0  # which written note or chord it comes from (grace chords sound together)


def timed_graces(notes: list[Sounding], grace_length: Fraction) -> list[Sounding]:
    """Grace notes get `grace_length` each, taken from the start of the note they lead to.

    When that note is too short to lend it (abc2midi then gives the graces no time at all), the graces
    share half of it instead, so that no note is ever zero-length.
    """
    timed: list[Sounding] = []
    pending: list[Sounding] = []
    index = 0
    while index < len(notes):
        current = notes[index]
        if current.grace:
            pending.append(current)
            index += 1
            continue
        end = index + 1  # the notes struck with it (a chord): the run starting at the same time
        while end < len(notes) and not notes[end].grace and notes[end].start == current.start:
            end += 1
        group, index = notes[index:end], end
        if not pending:
            timed.extend(group)
            continue
        main_length = min(n.duration for n in group)
        graces = _grace_runs(pending)
        each = grace_length if grace_length * len(graces) < main_length else main_length / (2 * len(graces))
        for i, run in enumerate(graces):
            timed.extend(retimed(n, start=current.start + i * each, duration=each) for n in run)
        taken = each * len(graces)
        timed.extend(retimed(n, start=n.start + taken, duration=n.duration - taken) for n in group)
        pending = []
    if pending:  # grace notes at the very end lead to nothing: give them their own length
        for i, run in enumerate(_grace_runs(pending)):
            timed.extend(retimed(n, start=n.start + i * grace_length, duration=grace_length) for n in run)
    return timed


def _grace_runs(pending: list[Sounding]) -> list[list[Sounding]]:
    """Grace notes grouped into successive sounding slots: one per written grace note or grace chord."""
    runs: list[list[Sounding]] = []
    for n in pending:
        if runs and runs[-1][0].element == n.element:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def retimed(sounding: Sounding, *, start: Fraction, duration: Fraction) -> Sounding:
    return Sounding(start, duration, sounding.pitch, sounding.velocity, sounding.channel, sounding.program,
                    sounding.grace, sounding.element)


def without_overlaps(soundings: list[Sounding]) -> list[Sounding]:
    """One sounding note per channel and pitch at a time: a note is cut where the same pitch strikes again
    on its channel (a unison in a chord, overlapping accompaniment beats), and dropped if nothing is left;
    otherwise a synthesizer would release the second note with the first one's note-off."""
    ordered = sorted(soundings, key=lambda s: (s.channel, s.pitch, s.start, -s.duration))
    kept: list[Sounding] = []
    for index, s in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if following is not None and (following.channel, following.pitch) == (s.channel, s.pitch) \
                and following.start < s.start + s.duration:
            s = retimed(s, start=s.start, duration=following.start - s.start)
        if s.duration > 0:
            kept.append(s)
    return sorted(kept, key=lambda s: (s.start, s.channel, s.pitch))
