"""`AbcState`: where a tune stands after the text read so far, with the public API constrained decoding calls."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from composer.abc.lengths import meter_fraction, parse_unit
from composer.model.constraint.completion import closing_text
from composer.model.constraint.grammar import BAR_TOKENS, GRID, IMPLICIT
from composer.model.constraint.kinds import Kind, Last, NoteFor
from composer.model.constraint.measure import BarMeasure
from composer.model.constraint.reading import TokenReader
from composer.model.constraint.ticks import GRID_TICKS, Ticks, ticks, units
from composer.model.vocab import VOCAB


class AbcState(TokenReader, BarMeasure):
    """Where a tune stands after the text read so far; `advance(ch)` gives the next state or None.

    A state never changes once returned (advance works on a copy), so states may be kept, shared and used as
    cache keys. `strict` states enforce the generation grammar; lenient ones (used for a prime) only track. How a
    character is read lives in `TokenReader` (reading.py), what fits in the bar in `BarMeasure` (measure.py).
    Lengths are held in ticks (`ticks.py`: `bar_ticks`, `used_ticks`, `committed_ticks`, and the values of notes,
    chords, tuplets and broken pairs); `bar_len`, `used` and `committed` give them in units of L:.
    """

    __slots__ = (
        "strict", "meter", "unit", "bar_ticks", "meter_text",
        "kind", "text", "pitch", "line_start", "after_space", "last", "newline_since_bar", "ended",
        "must_end", "need_note",
        "in_chord", "chord_value", "chord_count", "chord_inner_dur", "in_grace", "grace_count",
        "slur", "tuplet_left", "tuplet_factor", "tuplet_value", "broken_mult", "broken_value", "tie_pitch",
        "last_value", "last_time", "last_pitch",
        "used_ticks", "committed_ticks", "bar_notes", "bar_accidental", "pickup_ok", "bar_unchecked",
        "repeat_open", "ending", "need_second", "last_bar", "continued", "symbols_used", "line_len",
        "bars_closed", "chars", "swung",
    )
    #: Slots that count rather than constrain: left out of the cache key.
    _COUNTERS = ("bars_closed", "chars")

    def _start_bar(self) -> None:
        """Nothing counted yet in the bar that begins."""
        self.used_ticks = 0
        self.committed_ticks = 0
        self.bar_notes = False
        self.bar_accidental = False
        self.bar_unchecked = False

    def __init__(self, meter: str | None = None, unit: str | None = None, *, strict: bool = True) -> None:
        self.strict = strict
        self.meter: Fraction | None = None
        self.unit = Fraction(1, 8)
        self.bar_ticks: Ticks | None = None
        self.meter_text: str | None = None
        self.kind = Kind.NONE
        self.text = ""
        self.pitch = ""
        self.line_start = True
        self.after_space = False
        self.last = Last.START
        self.newline_since_bar = True
        self.ended = False
        self.must_end = False
        self.need_note = NoteFor.NONE
        self.in_chord = False
        self.chord_value: Ticks | None = None
        self.chord_count = 0
        self.chord_inner_dur = False
        self.in_grace = False
        self.grace_count = 0
        self.slur = 0
        self.tuplet_left = 0
        self.tuplet_factor = Fraction(1)
        self.tuplet_value: Ticks | None = None
        self.broken_mult: Fraction | None = None
        self.broken_value: Ticks | None = None
        self.tie_pitch: str | None = None
        self.last_value: Ticks | None = None
        self.last_time: Ticks | None = None
        self.last_pitch = ""
        self._start_bar()
        self.pickup_ok = True
        self.repeat_open = IMPLICIT
        self.ending = 0
        self.need_second = False
        self.last_bar = ""
        self.continued = False
        self.symbols_used = False
        self.line_len = 0
        self.bars_closed = 0
        self.chars = 0
        self.swung = False
        self._set_meter(meter)
        if unit is not None:
            self._set_unit(unit)

    # ------------------------------------------------------------------ construction and public API

    @classmethod
    def for_prime(cls, prime: str, *, strict: bool = True) -> AbcState:
        """The state after reading `prime` (canonical header, then any body) leniently; constrained from here."""
        state = cls(strict=False)
        for ch in prime:
            nxt = state.advance(ch)
            if nxt is not None:
                state = nxt
        return state.constrained() if strict else state

    def constrained(self) -> AbcState:
        """This state with the generation grammar on (a bar the prime left unmeasurable is not checked)."""
        new = self._copy()
        new.strict = True
        if new.bar_ticks is not None:
            free = new.bar_ticks - new.used_ticks - new.committed_ticks
            if free < 0 or free % GRID_TICKS:
                new.bar_unchecked = True
        return new

    def advance(self, ch: str) -> AbcState | None:
        """The state after `ch`, or None when a strict state forbids `ch` here."""
        if self.ended:
            return None
        new = self._copy()
        if not new._feed(ch):
            return None
        new.chars += 1
        return new

    def feed(self, text: str) -> AbcState | None:
        """The state after every character of `text`, or None at the first forbidden one."""
        state: AbcState | None = self
        for ch in text:
            state = state.advance(ch)
            if state is None:
                return None
        return state

    @property
    def can_end(self) -> bool:
        """True when the tune may end here with its empty line (the last character read was a newline)."""
        if not self.line_start or self.kind or self.ended:
            return False
        if not self.strict:
            return True
        return self._tune_complete()

    @property
    def bar_len(self) -> Fraction | None:
        """The bar's length in units of L:, or None when bars are not measured."""
        return None if self.bar_ticks is None else units(self.bar_ticks)

    @bar_len.setter
    def bar_len(self, value: Fraction | None) -> None:
        self.bar_ticks = None if value is None else ticks(value)

    @property
    def used(self) -> Fraction:
        """The time the bar's notes took so far, in units of L:."""
        return units(self.used_ticks)

    @property
    def committed(self) -> Fraction:
        """The time a tuplet or broken pair under way still takes, in units of L:."""
        return units(self.committed_ticks)

    @property
    def bars_done(self) -> int:
        """Bars closed so far, counting a complete bar line still waiting to see whether it grows (`|` → `||`)."""
        pending = self.kind == Kind.BAR and self.bar_notes and (self.text in BAR_TOKENS or not self.strict)
        return self.bars_closed + pending

    def completion(self, budget: int = 20_000) -> str | None:
        """A short text (from a small closing alphabet) that ends the tune validly from here, or None.

        Used when a constrained candidate runs out of characters: the tune is closed rather than cut. Rests fill
        the bar; pending symbols, decorations, chords, ties and repeats are finished first.
        """
        return closing_text(self, budget)

    def key(self) -> tuple:
        """Everything that decides which characters come next (counters left out)."""
        return (*(getattr(self, s) for s in self.__slots__ if s not in self._COUNTERS), self.bars_closed > 0)

    def allowed_mask(self) -> np.ndarray:
        """Boolean vector over the vocabulary: True where `advance` accepts the character."""
        k = self.key()
        mask = _MASK_CACHE.get(k)
        if mask is None:
            mask = np.fromiter((self.advance(ch) is not None for ch in VOCAB), dtype=bool, count=len(VOCAB))
            mask.setflags(write=False)
            if len(_MASK_CACHE) > 50_000:
                _MASK_CACHE.clear()
            _MASK_CACHE[k] = mask
        return mask

    # ------------------------------------------------------------------ internals

    def _copy(self) -> AbcState:
        # Every slot spelled out: several times faster than a loop over the slots (a test checks none is left out).
        new = object.__new__(AbcState)
        new.strict = self.strict
        new.meter = self.meter
        new.unit = self.unit
        new.bar_ticks = self.bar_ticks
        new.meter_text = self.meter_text
        new.kind = self.kind
        new.text = self.text
        new.pitch = self.pitch
        new.line_start = self.line_start
        new.after_space = self.after_space
        new.last = self.last
        new.newline_since_bar = self.newline_since_bar
        new.ended = self.ended
        new.must_end = self.must_end
        new.need_note = self.need_note
        new.in_chord = self.in_chord
        new.chord_value = self.chord_value
        new.chord_count = self.chord_count
        new.chord_inner_dur = self.chord_inner_dur
        new.in_grace = self.in_grace
        new.grace_count = self.grace_count
        new.slur = self.slur
        new.tuplet_left = self.tuplet_left
        new.tuplet_factor = self.tuplet_factor
        new.tuplet_value = self.tuplet_value
        new.broken_mult = self.broken_mult
        new.broken_value = self.broken_value
        new.tie_pitch = self.tie_pitch
        new.last_value = self.last_value
        new.last_time = self.last_time
        new.last_pitch = self.last_pitch
        new.used_ticks = self.used_ticks
        new.committed_ticks = self.committed_ticks
        new.bar_notes = self.bar_notes
        new.bar_accidental = self.bar_accidental
        new.pickup_ok = self.pickup_ok
        new.bar_unchecked = self.bar_unchecked
        new.repeat_open = self.repeat_open
        new.ending = self.ending
        new.need_second = self.need_second
        new.last_bar = self.last_bar
        new.continued = self.continued
        new.symbols_used = self.symbols_used
        new.line_len = self.line_len
        new.bars_closed = self.bars_closed
        new.chars = self.chars
        new.swung = self.swung
        return new

    def _set_meter(self, meter: str | None) -> None:
        value = meter_fraction(meter) if meter is not None else None
        self.meter = value
        self.meter_text = meter
        self._update_bar_len()

    def _set_unit(self, unit: str) -> None:
        value = parse_unit(unit)
        if value:
            self.unit = value
            self._update_bar_len()

    def _update_bar_len(self) -> None:
        if self.meter is None or not self.unit:
            self.bar_ticks = None
            return
        bar = self.meter / self.unit
        self.bar_ticks = ticks(bar) if bar % GRID == 0 else None

    def _apply_field(self, name: str, value: str) -> None:
        if name == "M":
            self._set_meter(value)
        elif name == "L":
            self._set_unit(value)
        elif name == "R":
            self.swung = "hornpipe" in value.lower()


_MASK_CACHE: dict[tuple, np.ndarray] = {}
