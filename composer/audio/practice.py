"""Practice loops: a tempo ramp (start slow, a step faster each time round, up to a target) and a practice loop
rendered offline through FluidSynth with the live player's own schedule, so what it plays is what the player plays.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from composer.audio.note_schedule import NoteSchedule
from composer.audio.performance import COUNT_IN, MELODY, Performance, count_in_clicks
from composer.audio.play_state import Loop
from composer.audio.soundfonts import SoundFont
from composer.audio.synth import SAMPLE_RATE, Synthesizer

__all__ = ["PracticeTake", "TempoRamp", "loop_span", "render_practice"]

#: Longest release tail rendered after the last round, in seconds.
MAX_TAIL = 3.0


@dataclass(frozen=True)
class TempoRamp:
    """Loop at `start` percent of the chosen tempo, `step` percent faster each time round, until `target`."""

    start: float = 70.0
    step: float = 5.0
    target: float = 100.0

    def __post_init__(self) -> None:
        if not 0 < self.start <= self.target:
            raise ValueError(f"a tempo ramp runs from a start above 0% up to its target, not {self.start:g}% "
                             f"to {self.target:g}%")
        if not self.step > 0:
            raise ValueError(f"a tempo ramp's step must be above 0%, not {self.step:g}%")

    def percent(self, round_: int) -> float:
        """The percent of the chosen tempo played in time round `round_` (from 1)."""
        return min(self.start + max(0, round_ - 1) * self.step, self.target)

    @property
    def rounds_to_target(self) -> int:
        """The first round played at the target."""
        return 1 + math.ceil((self.target - self.start) / self.step - 1e-9)


def loop_span(performance: Performance, loop: Loop | None) -> tuple[float, float]:
    """The loop's (start, end) in performance seconds; the whole tune when `loop` is None."""
    bars = performance.bars
    if loop is None or not bars:
        return 0.0, performance.duration
    return bars[min(loop.first, len(bars) - 1)].start, bars[min(loop.last, len(bars) - 1)].end


@dataclass(frozen=True)
class PracticeTake:
    """A rendered practice loop: stereo float32 `samples`, the second each round's music starts at (round 1
    after the count-in), each note-on and note-off sent, as (second, on, channel, pitch), and the voices
    FluidSynth still had sounding after the release tail (0 unless a note was left on)."""

    samples: np.ndarray
    sample_rate: int
    round_starts: tuple[float, ...]
    events: tuple[tuple[float, bool, int, int], ...]
    voices_at_end: int


def render_practice(performance: Performance, ramp: TempoRamp, rounds: int, *, loop: Loop | None = None,
                    speed: float = 1.0, count_in_bars: int = 0, parts: Collection[str] = (MELODY,),
                    soundfont: str | os.PathLike | SoundFont | None = None,
                    sample_rate: int = SAMPLE_RATE) -> PracticeTake:
    """`rounds` times round the loop (the whole tune when `loop` is None) with `ramp` over `speed` times the
    performance's tempo, after `count_in_bars` bars of count-in at the starting tempo, as the live player plays it.

    The clock is the frames written so far; each event is written at the first frame at or after its time.
    """
    first, last = loop_span(performance, loop)
    frames = 0
    schedule = NoteSchedule(clock=lambda: frames / sample_rate)
    round_ = 1
    schedule.set_factor(speed * ramp.percent(round_) / 100, running=False)
    clicks = count_in_clicks(performance, first, count_in_bars) if count_in_bars else []
    schedule.count_in = clicks
    schedule.start_at(performance.notes, clicks[0].start if clicks else first, first)
    round_starts = [(first - schedule.anchor_time) / schedule.factor]
    events: list[tuple[float, bool, int, int]] = []
    chunks: list[np.ndarray] = []

    def next_round() -> float:
        nonlocal round_
        round_ += 1
        return speed * ramp.percent(round_) / 100

    with Synthesizer(soundfont, sample_rate=sample_rate, effects=False, threadsafe=False) as synth:
        for note in performance.notes:
            synth.set_program(note.channel, note.program)
        while True:
            due = schedule.advance(performance.notes, (first, last), next_round)
            seconds = frames / sample_rate
            for channel, pitch in due.offs:
                synth.noteoff(channel, pitch)
                events.append((seconds, False, channel, pitch))
            if round_ > rounds:
                break
            if due.wrapped:
                round_starts.append(schedule.anchor_wall)
            for note in due.clicks + due.notes:
                if note.part in parts or note.part == COUNT_IN:
                    synth.noteon(note.channel, note.pitch, note.velocity)
                    schedule.hold(note)
                    events.append((seconds, True, note.channel, note.pitch))
            wait = schedule.wall_seconds_to_next(performance.notes, 1.0, last)
            step = max(1, math.ceil(wait * sample_rate - 1e-6))
            chunks.append(synth.write(step))
            frames += step
        for _ in range(int(MAX_TAIL * 20)):  # the release tails, until FluidSynth falls silent
            chunks.append(synth.write(sample_rate // 20))
            if not synth.active_voices():
                break
        voices = synth.active_voices()
    return PracticeTake(np.concatenate(chunks), sample_rate, tuple(round_starts), tuple(events), voices)
