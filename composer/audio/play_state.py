"""What the live player reports and keeps as values: its state, where playback is, the loop."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Loop", "PlayerState", "Position"]


class PlayerState(StrEnum):
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"


@dataclass(frozen=True)
class Position:
    """Where playback is: time in the performance (seconds at its own tempo; negative while counting in),
    the bar (0-based, in playing order), the source place of the melody note sounding, if any, and the
    playback it belongs to (Player.playback when it was reported). While a tempo ramp plays, `round` is the
    time round the loop (from 1) and `percent` the ramp's share of the chosen tempo in it; otherwise 0 and 100."""

    time: float
    bar: int
    line: int | None = None
    column: int | None = None
    counting_in: bool = False
    playback: int = 0
    round: int = 0
    percent: float = 100.0


@dataclass(frozen=True)
class Loop:
    """Bars `first` to `last` (inclusive, playing order) played over and over."""

    first: int
    last: int
