"""The constraint of a rewritten span: each bar as long as the bar it replaces, the bar lines between them as written.

`SpanState.start(prefix, shape)` is what `draw_bars(..., until="before")` samples a span from. A `SpanShape` holds
the replaced bars' lengths and the text between them (`|`, `|\n`, `:|\n|:`); a bar line may open only where the bar
is exactly its length, and the text between two bars is then forced as written. So a part's short closing bar
stays short and keeps its `:|`, and the next part's pickup stays a pickup (the music constraint alone allows a
short bar only at the tune's start or end, and the form's guesses the parts from the prefix). Each bar's music is
kept valid by the strict `AbcState`; where the span ends the tune, its last bar is the last bar of a one-part form
(`FormState`), so it ends on the tonic as generated tunes do.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from fractions import Fraction

from composer.model.bar_sampling import room_left
from composer.model.constraint import AbcState, Kind
from composer.model.form import Form, Part
from composer.model.form_state import FormState

#: The form a tune's last bar is written under: the one bar of a part that ends the tune.
_LAST_BAR = Form((Part(1, repeated=False),))


@dataclass(frozen=True)
class SpanShape:
    """The replaced bars' lengths (units of L:; None where the meter does not measure it), the text between each
    bar and the next (one fewer), and where the span ends the tune, the K: line whose tonic ends it (else None)."""

    lengths: tuple[Fraction | None, ...]
    between: tuple[str, ...]
    final_key: str | None = None

    def __post_init__(self) -> None:
        if not self.lengths or len(self.between) != len(self.lengths) - 1:
            raise ValueError("a span has at least one bar, and one text between each two")


class SpanState:
    """Where a span being sampled stands: the machine (the music; the music and the form in the tune's last bar),
    the bar being written, how much of the text after that bar is written (None while in the bar), and whether
    the music ends in a bar line read as written that the next character ends. Offers what `draw_bars` asks."""

    __slots__ = ("shape", "machine", "bar", "forced", "pending")

    def __init__(self, shape: SpanShape, machine: AbcState | FormState, bar: int, forced: int | None = None,
                 pending: bool = False) -> None:
        self.shape = shape
        self.machine = machine
        self.bar = bar
        self.forced = forced
        self.pending = pending

    @classmethod
    def start(cls, prefix: str, shape: SpanShape) -> SpanState:
        """The state after `prefix`, which ends just before the span's first bar."""
        return cls(shape, AbcState.for_prime(prefix, strict=False), 0, pending=True)._settled()

    @property
    def music(self) -> AbcState:
        machine = self.machine
        return machine if isinstance(machine, AbcState) else machine.music

    @property
    def kind(self) -> Kind:
        return self.music.kind

    @property
    def bars_done(self) -> int:
        """The bars of the span written before the one being written (the text after a bar counts with it)."""
        return self.bar

    @property
    def ended(self) -> bool:
        return self.music.ended

    def advance(self, ch: str) -> SpanState | None:
        """The state after `ch`, or None where the music or the span's shape forbids it."""
        if self.forced is not None:
            return self._forced(ch)
        if self.pending:
            return self._bar_begins(ch)
        last = self.bar == len(self.shape.lengths) - 1
        if not last and ch == self.shape.between[self.bar][0] and self.kind != Kind.BAR:
            if not self._may_close():
                return None
            music = _lenient(self.music).advance(ch)  # the text between bars is read as written
            return None if music is None else SpanState(self.shape, music, self.bar, 1)._settled()
        nxt = self.machine.advance(ch)
        if nxt is None:
            return None
        if nxt.kind == Kind.BAR and self.kind != Kind.BAR and not (last and self._may_close()):
            return None  # the last bar line opens where the bar is full; the sampler stops before it
        return SpanState(self.shape, nxt, self.bar)

    def _may_close(self) -> bool:
        """Whether the bar may close here: exactly its length, nothing left open (and on the tonic at the end)."""
        closed = self.machine.advance("|")
        if closed is None:
            return False
        room = room_left(closed if isinstance(closed, AbcState) else closed.music)
        return room is None or room == 0

    def _forced(self, ch: str) -> SpanState | None:
        """The text between two bars, character by character as written."""
        if ch != self.shape.between[self.bar][self.forced]:
            return None
        music = self.music.advance(ch)
        return None if music is None else SpanState(self.shape, music, self.bar, self.forced + 1)._settled()

    def _settled(self) -> SpanState:
        """After the text between two bars: the next bar begins (at once, or with the character ending a bar line)."""
        if self.forced is not None and self.forced < len(self.shape.between[self.bar]):
            return self
        bar = self.bar + (self.forced is not None)
        if self.kind == Kind.BAR:
            return SpanState(self.shape, self.music, bar, pending=True)
        return SpanState(self.shape, self._measured(self.music, bar), bar)

    def _bar_begins(self, ch: str) -> SpanState | None:
        """The first character of a bar after a bar line read as written: it ends the bar line, then is judged
        strictly (a space or line break ends it itself; anything else is judged as if after a space)."""
        nxt = self.music.advance(ch)
        if nxt is None or nxt.kind == Kind.BAR:
            return None  # the bar line stands as written
        if ch in " \n":
            return SpanState(self.shape, self._measured(nxt, self.bar), self.bar)
        ended = self.music.advance(" ")
        machine = None if ended is None else self._measured(ended, self.bar).advance(ch)
        return None if machine is None else SpanState(self.shape, machine, self.bar)

    def _measured(self, music: AbcState, bar: int) -> AbcState | FormState:
        """The strict machine for bar `bar`, which begins after `music`: as long as the bar it replaces, and where
        it is the tune's last bar, under the form of a last bar."""
        lenient = _lenient(music)
        length = self.shape.lengths[bar]
        if length is not None:
            lenient.bar_len = length
        if bar == len(self.shape.lengths) - 1 and self.shape.final_key is not None:
            return FormState(lenient).kept(self.shape.final_key, _LAST_BAR)
        return lenient.constrained()


def _lenient(music: AbcState) -> AbcState:
    """A lenient copy of `music` (the text between bars and the prefix's bar line are read as written)."""
    new = copy.copy(music)
    new.strict = False
    return new
