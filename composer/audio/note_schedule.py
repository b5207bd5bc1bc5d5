"""The live player's clock and queue: performance time at a tempo factor, the next note, count-in clicks, note-offs,
and what falls due at each reading of the clock (`advance`), a loop's wrap included."""

from __future__ import annotations

import bisect
import heapq
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from composer.audio.performance import PlayedNote

__all__ = ["Due", "NoteSchedule"]


@dataclass(frozen=True)
class Due:
    """What fell due at one reading of the clock, in the order to do it: note-offs (channel, pitch), count-in
    clicks to sound, then (after a wrap, when the loop's end passed) the notes to start; `now` is the
    performance time they were taken at."""

    now: float
    offs: tuple[tuple[int, int], ...]
    clicks: tuple[PlayedNote, ...]
    notes: tuple[PlayedNote, ...]
    wrapped: bool = False


class NoteSchedule:
    """What sounds when in one playback: the clock (performance seconds from wall time, at `factor` times the
    performance's tempo), the index of the next note to start, the count-in clicks left and the note-offs due.
    `clock` gives wall seconds: time.monotonic live, the frames written so far when rendering offline."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.factor = 1.0
        self.anchor_wall = 0.0
        self.anchor_time = 0.0
        #: Where the music starts (after the count-in) in the playback begun last.
        self.music_start = 0.0
        self.next_note = 0
        self.count_in: list[PlayedNote] = []
        self.offs: list[tuple[float, int, int]] = []  # a heap of (end, channel, pitch)

    def now(self) -> float:
        """The performance time now."""
        return self.anchor_time + (self.clock() - self.anchor_wall) * self.factor

    def set_factor(self, factor: float, *, running: bool) -> None:
        """Play at `factor` from now on; a running clock keeps its place."""
        if running:
            now = self.now()
            self.factor = factor
            self.anchor_time, self.anchor_wall = now, self.clock()
        else:
            self.factor = factor

    def start_at(self, notes: Sequence[PlayedNote], clock_time: float, music_time: float) -> None:
        """Start the clock at `clock_time` (before `music_time` when counting in); notes from `music_time`."""
        self.anchor_time, self.anchor_wall = clock_time, self.clock()
        self.music_start = music_time
        starts = [n.start for n in notes]
        self.next_note = bisect.bisect_left(starts, music_time - 1e-6)

    def wrap(self, notes: Sequence[PlayedNote], end: float, first: float, factor: float) -> None:
        """The clock passed the loop's `end`: go on from `first` at `factor`, counted from the wall instant the
        clock reached `end`, so however late the wrap is noticed, the next round keeps its time exactly."""
        reached = self.anchor_wall + (end - self.anchor_time) / self.factor
        self.factor = factor
        self.anchor_time, self.anchor_wall = first, reached
        self.music_start = first
        self.next_note = bisect.bisect_left([n.start for n in notes], first - 1e-6)

    def advance(self, notes: Sequence[PlayedNote], loop: tuple[float, float] | None,
                next_round: Callable[[], float]) -> Due:
        """Take what is due now off the queues. When `loop` (start, end) is given and the clock passed its end,
        every note still held ends there (its note-off is in `offs`), the count-in is dropped, and the clock goes
        on from the loop's start at the factor `next_round()` returns."""
        now = self.now()
        offs = list(self.offs_due(now))
        clicks = tuple(self.count_in_due(now))
        wrapped = loop is not None and now >= loop[1]
        if wrapped:
            offs += self.release(lambda _channel: True)
            self.count_in = []
            self.wrap(notes, loop[1], loop[0], next_round())
            now = self.now()
        return Due(now, tuple(offs), clicks, tuple(self.notes_due(notes, now)), wrapped)

    def clear(self) -> None:
        """Forget the note-offs and count-in clicks (the notes are silenced elsewhere)."""
        self.offs.clear()
        self.count_in = []

    def hold(self, note: PlayedNote) -> None:
        """A note started: its note-off is due at its end."""
        heapq.heappush(self.offs, (note.end, note.channel, note.pitch))

    def offs_due(self, now: float) -> Iterator[tuple[int, int]]:
        """(channel, pitch) of each note-off due by `now`, taken off the queue."""
        while self.offs and self.offs[0][0] <= now:
            _, channel, pitch = heapq.heappop(self.offs)
            yield channel, pitch

    def count_in_due(self, now: float) -> Iterator[PlayedNote]:
        """Each count-in click due by `now`, taken off the queue."""
        while self.count_in and self.count_in[0].start <= now:
            yield self.count_in.pop(0)

    def notes_due(self, notes: Sequence[PlayedNote], now: float) -> Iterator[PlayedNote]:
        """Each note of `notes` starting by `now` and not started yet."""
        while self.next_note < len(notes) and notes[self.next_note].start <= now:
            note = notes[self.next_note]
            self.next_note += 1
            yield note

    def release(self, which: Callable[[int], bool]) -> list[tuple[int, int]]:
        """Take the note-offs of the channels `which` accepts off the queue; their (channel, pitch)."""
        kept, released = [], []
        for end, channel, pitch in self.offs:
            if which(channel):
                released.append((channel, pitch))
            else:
                kept.append((end, channel, pitch))
        heapq.heapify(kept)
        self.offs = kept
        return released

    def wall_seconds_to_next(self, notes: Sequence[PlayedNote], interval: float, loop_end: float | None) -> float:
        """Wall seconds until the next thing to do: a note on or off, a click, `loop_end`, or `interval` wall
        seconds from now."""
        now = self.now()
        due = [now + interval * self.factor]
        if self.next_note < len(notes):
            due.append(notes[self.next_note].start)
        if self.offs:
            due.append(self.offs[0][0])
        if self.count_in:
            due.append(self.count_in[0].start)
        if loop_end is not None:
            due.append(loop_end)
        return max(0.0, (min(due) - now) / self.factor)
