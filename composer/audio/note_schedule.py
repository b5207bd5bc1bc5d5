"""The live player's clock and queue: performance time at a tempo factor, the next note, count-in clicks, note-offs."""

from __future__ import annotations

import bisect
import heapq
import time
from collections.abc import Callable, Iterator, Sequence

from composer.audio.performance import PlayedNote

__all__ = ["NoteSchedule"]


class NoteSchedule:
    """What sounds when in one playback: the clock (performance seconds from wall time, at `factor` times the
    performance's tempo), the index of the next note to start, the count-in clicks left and the note-offs due."""

    def __init__(self) -> None:
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
        return self.anchor_time + (time.monotonic() - self.anchor_wall) * self.factor

    def set_factor(self, factor: float, *, running: bool) -> None:
        """Play at `factor` from now on; a running clock keeps its place."""
        if running:
            now = self.now()
            self.factor = factor
            self.anchor_time, self.anchor_wall = now, time.monotonic()
        else:
            self.factor = factor

    def start_at(self, notes: Sequence[PlayedNote], clock_time: float, music_time: float) -> None:
        """Start the clock at `clock_time` (before `music_time` when counting in); notes from `music_time`."""
        self.anchor_time, self.anchor_wall = clock_time, time.monotonic()
        self.music_start = music_time
        starts = [n.start for n in notes]
        self.next_note = bisect.bisect_left(starts, music_time - 1e-6)

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
