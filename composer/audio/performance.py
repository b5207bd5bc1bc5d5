"""What a player plays: a tune's notes in time with their source places, its bars and metronome clicks."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Protocol

from composer.abc.lengths import meter_fraction, meter_numbers
from composer.abc.tunebook import Tune
from composer.audio.synth import DRUM_CHANNEL
from composer.errors import AbcError

MELODY = "melody"
ACCOMPANIMENT = "accompaniment"
METRONOME = "metronome"
COUNT_IN = "count-in"

DEFAULT_QUARTER_BPM = 120.0
# General MIDI percussion keys for the clicks: high wood block on the first beat of a bar, low on the others.
CLICK_STRONG, CLICK_WEAK = 76, 77


class NoteLike(Protocol):
    """Anything with the fields of composer.notation.midi.NoteEvent."""

    start: float
    duration: float
    pitch: int
    velocity: int
    channel: int
    program: int


@dataclass(frozen=True)
class PlayedNote:
    """One note of a performance: when and what it sounds, which part it belongs to, where it is written."""

    start: float
    duration: float
    pitch: int
    velocity: int
    channel: int
    program: int
    part: str = MELODY
    line: int | None = None
    column: int | None = None

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class Bar:
    """One bar in playing order (repeats unfolded): its time span, beats, and where its first note stands."""

    index: int
    start: float
    end: float
    beats: int
    line: int | None = None
    column: int | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Performance:
    """A tune ready to play: notes sorted by start (melody, accompaniment, metronome) and bars, in seconds.

    `tempo_bpm` counts the meter's beats (a dotted quarter in 6/8) per minute at these times; a player
    changes tempo by scaling time, so it never has to rebuild the performance.
    """

    notes: tuple[PlayedNote, ...]
    bars: tuple[Bar, ...]
    tempo_bpm: float
    duration: float
    title: str = ""

    def bar_at(self, time: float) -> Bar | None:
        """The bar sounding at `time` (the last bar after the end, the first before the start)."""
        if not self.bars:
            return None
        starts = [b.start for b in self.bars]
        i = bisect.bisect_right(starts, time) - 1
        return self.bars[max(0, min(i, len(self.bars) - 1))]

    def bar_at_source(self, line: int, column: int = 1) -> Bar | None:
        """The first bar (in playing order) holding the note written at or just before (line, column)."""
        best: PlayedNote | None = None
        for note in self.notes:
            if note.part != MELODY or note.line is None or note.column is None:
                continue
            if (note.line, note.column) <= (line, column) and (
                    best is None or (note.line, note.column) > (best.line, best.column)):
                best = note
        if best is None:
            return self.bars[0] if self.bars else None
        for note in self.notes:
            if note.part == MELODY and (note.line, note.column) == (best.line, best.column):
                return self.bar_at(note.start + 1e-6)
        return None

    def melody(self) -> list[PlayedNote]:
        return [n for n in self.notes if n.part == MELODY]

    def parts(self) -> set[str]:
        return {n.part for n in self.notes}


def beats_per_bar(meter: str | None) -> int:
    """Beats a musician counts in a bar: 6/8 → 2, 9/8 → 3, 3/4 → 3, C| → 2, C → 4; 4 for free meter."""
    numbers = meter_numbers(meter)
    if numbers is None:
        return 4
    top = numbers[0]
    if top > 3 and top % 3 == 0:
        return top // 3  # compound time: dotted beats
    return max(1, top)


def tune_tempo(tune: Tune) -> float:
    """The tune's tempo in quarter notes a minute, read from Q: as abc2midi reads it (120 without Q:)."""
    from composer.notation.midi import tempo_qpm

    return tempo_qpm(tune)


def beat_seconds(meter: str | None, quarter_bpm: float) -> float:
    """The length in seconds of the beat beats_per_bar() counts, at `quarter_bpm`."""
    whole = 240.0 / quarter_bpm
    bar = meter_fraction(meter) if meter and meter.strip() not in ("none", "") else Fraction(1)
    bar = bar or Fraction(1)
    return whole * float(bar) / beats_per_bar(meter)


def effective_meter(tune: Tune) -> str | None:
    """The meter the music starts in: the header M:, or an M: line between K: and the first note."""
    meter = tune.meter
    for body_line in tune.body:
        text = body_line.text.strip()
        if text.startswith("M:"):
            meter = text[2:].split("%")[0].strip()
        elif text and not text.startswith("%") and not re.match(r"^[A-Za-z+]:", text):
            break
    return meter


def build_performance(tune: Tune, *, tempo_qpm: float | None = None, program: int | None = None,
                      accompaniment: bool = True, metronome: bool = True) -> Performance:
    """The tune's performance, with accompaniment and metronome parts a player may mute.

    `tempo_qpm` is in quarter notes a minute, as in note_events() and `composer export --tempo` (default:
    the tune's Q:). Notes come from composer.notation.midi.note_events; each melody note gets its source
    place (see composer.audio.follow). Raises AbcError when the tune cannot be turned into notes.
    """
    quarter_bpm = tempo_qpm if tempo_qpm and tempo_qpm > 0 else tune_tempo(tune)
    meter = effective_meter(tune)
    from composer.notation.accompaniment import ACCOMPANIMENT_CHANNEL
    from composer.notation.midi import note_events

    events = note_events(tune, accompaniment=accompaniment, tempo_bpm=quarter_bpm, program=program or 0)
    melody = [e for e in events if e.channel != ACCOMPANIMENT_CHANNEL]
    backing = [e for e in events if e.channel == ACCOMPANIMENT_CHANNEL]
    return performance_from_events(melody, tune=tune, meter=meter, quarter_bpm=quarter_bpm,
                                   accompaniment=backing, metronome=metronome)


def performance_from_events(melody: Sequence[NoteLike], *, tune: Tune | None = None,
                            meter: str | None = None, quarter_bpm: float = DEFAULT_QUARTER_BPM,
                            accompaniment: Iterable[NoteLike] = (), metronome: bool = True,
                            places: Sequence[tuple[int, int] | None] | None = None) -> Performance:
    """A performance from note events (e.g. note_events() or a MIDI file's notes).

    With `tune`, melody notes are matched to their written notes (composer.audio.follow) unless `places`
    gives each melody event's (line, column) already; bars then start where the music's bar lines are.
    """
    meter = meter if meter is not None else (tune.meter if tune is not None else None)
    melody = sorted(melody, key=lambda e: (e.start, e.pitch))
    bar_starts: list[float] | None = None
    if places is None and tune is not None:
        from composer.audio.follow import follow_tune
        try:
            following = follow_tune(tune, melody, whole_note_seconds=240.0 / quarter_bpm)
        except AbcError:
            following = None
        if following is not None:
            places = following.places
            bar_starts = following.bar_starts
    played = [
        PlayedNote(e.start, e.duration, e.pitch, e.velocity, e.channel, e.program, MELODY,
                   *(places[i] if places is not None and i < len(places) and places[i] else (None, None)))
        for i, e in enumerate(melody)
    ]
    played += [PlayedNote(e.start, e.duration, e.pitch, e.velocity, e.channel, e.program, ACCOMPANIMENT)
               for e in accompaniment]
    end = max((n.end for n in played), default=0.0)
    beat = beat_seconds(meter, quarter_bpm)
    bars = _bars(bar_starts, end, beat, beats_per_bar(meter))
    bars = _bar_places(bars, played)
    if metronome:
        played += list(metronome_clicks(bars, beat, beats_per_bar(meter)))
    played.sort(key=lambda n: (n.start, n.part != MELODY, n.pitch))
    return Performance(tuple(played), tuple(bars), 60.0 / beat, end, tune.title if tune else "")


def _bars(bar_starts: list[float] | None, end: float, beat: float, beats: int) -> list[Bar]:
    """Bars from measured bar starts (first bar may be a pickup), else a grid of full bars from time 0."""
    if not bar_starts:
        length = beat * beats
        count = max(1, int(end / length + 0.999))
        bar_starts = [i * length for i in range(count)]
    starts = sorted({round(s, 6) for s in bar_starts if s < end - 1e-6} | {0.0})
    bars = []
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else max(end, start + beat * beats)
        bars.append(Bar(i, start, stop, max(1, round((stop - start) / beat)), None, None))
    return bars


def _bar_places(bars: list[Bar], notes: list[PlayedNote]) -> list[Bar]:
    """Each bar with the source place of its first melody note."""
    melody = [n for n in notes if n.part == MELODY and n.line is not None]
    starts = [n.start for n in melody]
    placed = []
    for bar in bars:
        i = bisect.bisect_left(starts, bar.start - 1e-6)
        if i < len(melody) and melody[i].start < bar.end - 1e-6:
            bar = replace(bar, line=melody[i].line, column=melody[i].column)
        placed.append(bar)
    return placed


def metronome_clicks(bars: Sequence[Bar], beat: float, beats: int) -> Iterable[PlayedNote]:
    """A click on every beat of every bar, stronger on the first beat; a short first bar (a pickup) is the
    end of a bar of `beats` beats, so its clicks are the last beats of that bar."""
    for bar in bars:
        count = max(1, round(bar.duration / beat))
        step = bar.duration / count
        skipped = beats - count if bar.index == 0 and count < beats else 0
        for k in range(count):
            strong = (skipped + k) % beats == 0
            yield PlayedNote(bar.start + k * step, min(0.1, step * 0.5),
                             CLICK_STRONG if strong else CLICK_WEAK, 100 if strong else 70, DRUM_CHANNEL, 0,
                             METRONOME)


def count_in_clicks(performance: Performance, start: float, bars: int = 1) -> list[PlayedNote]:
    """`bars` bars of clicks ending at `start`, in the performance's time (negative times are fine)."""
    bar = performance.bar_at(start) or Bar(0, 0.0, 2.0, 4)
    beats = max(1, bar.beats)
    beat = 60.0 / performance.tempo_bpm
    total = beats * bars
    return [PlayedNote(start - (total - k) * beat, min(0.1, beat * 0.5),
                       CLICK_STRONG if k % beats == 0 else CLICK_WEAK, 100 if k % beats == 0 else 70,
                       DRUM_CHANNEL, 0, COUNT_IN)
            for k in range(total)]
