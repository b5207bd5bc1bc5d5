"""How much of the bar is used, and what still fits in it: the bar arithmetic behind `AbcState`'s strict rules.

Lengths are counted in ticks (`ticks.py`), ints for everything the grammar writes.
"""

from __future__ import annotations

from fractions import Fraction

from composer.abc.keys import default_tuplet_time
from composer.abc.lengths import length_suffix_value
from composer.model.constraint import kinds
from composer.model.constraint.grammar import BAR_TOKENS, CLOSED, FINAL_BARS, IMPLICIT, OPEN
from composer.model.constraint.ticks import (
    BROKEN_SHIFTS,
    DURATION_PREFIX_TICKS,
    DURATION_TICKS,
    GRID_TICKS,
    TICKS,
    Ticks,
    exact,
    host_shortest,
    ticks,
    times,
)

# The hot loop of constrained decoding reads these often: the enums' members from plain classes (see fast_lookup).
Kind = kinds.fast_lookup(kinds.Kind)
Last = kinds.fast_lookup(kinds.Last)
NoteFor = kinds.fast_lookup(kinds.NoteFor)

#: Needs whose note abc2midi plays other notes inside: it must be long enough.
_LONG_NOTE_NEEDED = (NoteFor.GRACE, NoteFor.ORNAMENT)
#: Needs whose note abc2midi changes: no broken rhythm may follow it.
_DECORATED = (NoteFor.GRACE, NoteFor.ORNAMENT, NoteFor.DECORATION)
_ONE = Fraction(1)


class BarMeasure:
    """Part of `AbcState` (which holds the slots): checks of what fits in the bar, and accounting for what was read."""

    __slots__ = ()

    def _free(self) -> Ticks | None:
        """Room left in the bar (ticks), or None when the bar is not measured."""
        if self.bar_ticks is None or self.bar_unchecked:
            return None
        return self.bar_ticks - self.used_ticks - self.committed_ticks

    def _tune_complete(self) -> bool:
        return (self.last == Last.BAR and self.last_bar in FINAL_BARS and self.repeat_open != OPEN
                and self.ending != 1 and not self.need_second and self.slur == 0 and self.tie_pitch is None
                and not self.in_chord and not self.in_grace and self.tuplet_left == 0
                and self.broken_value is None and self.bars_closed >= 1)

    def _event_ok(self, value: Ticks) -> bool:
        """Whether a note, rest or chord of `value` ticks fits here (strict rules)."""
        if self.need_note in _LONG_NOTE_NEEDED and value < host_shortest(self.unit):
            return False  # abc2midi plays grace notes and ornaments inside their host note
        if self.broken_value is not None:
            return value == self.broken_value
        if self.tuplet_left and self.tuplet_value is not None:
            return value == self.tuplet_value
        free = self._free()
        if free is None:
            return True
        if self.tuplet_left:
            return self.tuplet_left * value * self.tuplet_factor <= free
        return value <= free

    def _event_possible(self) -> bool:
        """Whether some note can still come before the bar line."""
        if self.broken_value is not None or (self.tuplet_left and self.tuplet_value is not None):
            return True
        free = self._free()
        if free is None:
            return True
        need = GRID_TICKS * self.tuplet_left * self.tuplet_factor if self.tuplet_left else GRID_TICKS
        return need <= free

    def _host_possible(self) -> bool:
        """Whether a note long enough to carry grace notes or an ornament can still come in this bar."""
        if self.tuplet_left or self.broken_value is not None:
            return False
        free = self._free()
        return free is None or free >= host_shortest(self.unit)

    def _duration_viable_outer(self) -> bool:
        """Whether some duration after a chord's `]` would fit."""
        return any(self._event_ok(v) for v in DURATION_PREFIX_TICKS[""][1])

    def _duration_viable(self, dur: str) -> bool:
        """Whether a note whose duration text starts with `dur` can still be completed validly."""
        entry = DURATION_PREFIX_TICKS.get(dur)
        if entry is None:
            return False
        smallest, values = entry
        if self.in_grace:
            return False  # abc2midi takes grace-note durations out of the bar
        if self.in_chord and self.kind == Kind.NOTE and self.pitch != "chord":
            if self.chord_count:
                return self.chord_value in values
            return any(self._event_ok(v) for v in values)
        if self.pitch == "chord":
            if self.chord_inner_dur and dur:
                return False
            return any(self._event_ok(times(v, self.chord_value)) for v in values)
        if self.broken_value is not None:
            return self.broken_value in values
        if self.tuplet_left and self.tuplet_value is not None:
            return self.tuplet_value in values
        # The shortest completion usually decides; an ornament's host must be long, so try the others too.
        return self._event_ok(smallest) or any(self._event_ok(v) for v in values)

    def _tuplet_fits(self, p: int, q: int, r: int) -> bool:
        free = self._free()
        return free is None or r * GRID_TICKS * q <= free * p  # r notes of GRID × q/p each (p > 0)

    def _start_tuplet(self, text: str) -> None:
        parts = text[1:].split(":")
        try:
            p = int(parts[0])
        except ValueError:
            return
        q = int(parts[1]) if len(parts) > 1 and parts[1] else default_tuplet_time(p, self.meter_text)
        r = int(parts[2]) if len(parts) > 2 and parts[2] else p
        if p <= 0 or r <= 0:
            return
        self.tuplet_left = r
        self.tuplet_factor = Fraction(q, p)
        self.tuplet_value = None
        self.last = Last.TUPLET

    def _start_broken(self, text: str) -> None:
        shifts = BROKEN_SHIFTS.get(text)
        if shifts is None or self.last_time is None or self.last_value is None:
            return
        gain, mult = shifts
        self.used_ticks += exact(self.last_time * gain)
        self.broken_mult = mult
        self.broken_value = self.last_value
        self.committed_ticks += exact(self.last_value * mult)
        self.last = Last.BROKEN

    def _end_note(self) -> bool:
        """The pending note (or rest, or chord) is complete: account for it."""
        strict = self.strict
        dur = self.text
        if strict:
            value = DURATION_TICKS.get(dur)
        else:
            value = length_suffix_value(dur) if dur else 1
            if value is not None:
                value = ticks(value)
        if value is None:
            if strict:
                return False
            value = TICKS
        pitch = self.pitch
        self.kind, self.text, self.pitch = Kind.NONE, "", ""
        if self.in_grace and pitch != "chord":
            self.grace_count += 1
            return True
        if self.in_chord and pitch != "chord":
            if self.chord_count == 0:
                if strict and not (self._event_ok(value) if dur else self._duration_viable_outer()):
                    return False
                self.chord_value = value
                self.chord_inner_dur = bool(dur)
            elif strict and value != self.chord_value:
                return False
            self.chord_count += 1
            if pitch[0] in "^_=":
                self.bar_accidental = True
            return True
        if pitch == "chord":
            self.in_chord = False
            value = times(value, self.chord_value or TICKS)
            pitch = "[]"
        if pitch == "Z":
            self.bar_unchecked = True
            value = 0
        return self._event(value, pitch)

    def _event(self, value: Ticks, pitch: str) -> bool:
        """A note, rest or chord of `value` ticks sounds: check and account for its time."""
        strict = self.strict
        if strict and not self._event_ok(value):
            return False
        if self.tie_pitch is not None:
            if strict and pitch != self.tie_pitch:
                return False
            self.tie_pitch = None
        if pitch[:1] in ("^", "_", "="):
            self.bar_accidental = True
        hosted = self.need_note in _DECORATED or pitch == "z"
        if self.broken_value is not None:
            time = exact(value * (self.broken_mult or 1))
            self.committed_ticks = max(0, self.committed_ticks - exact(self.broken_value * (self.broken_mult or 1)))
            self.broken_value = self.broken_mult = None
            self.used_ticks += time
            self.last_time = None  # a broken pair's second note cannot start another pair
        elif self.tuplet_left:
            time = exact(value * self.tuplet_factor)
            if self.tuplet_value is None:
                self.tuplet_value = value
                self.committed_ticks += (self.tuplet_left - 1) * time
            else:
                self.committed_ticks = max(0, self.committed_ticks - time)
            self.used_ticks += time
            self.tuplet_left -= 1
            if not self.tuplet_left:
                self.tuplet_value = None
                self.tuplet_factor = _ONE
                self.committed_ticks = 0 if self.broken_value is None else self.committed_ticks
            self.last_time = None  # no broken rhythm inside or right after a tuplet
        else:
            if self.bar_ticks is not None:
                self.used_ticks += value
            self.last_time = value
        if hosted:
            self.last_time = None  # abc2midi changes decorated notes and rests: no broken rhythm after them
        self.last_value = value
        self.last_pitch = pitch
        self.bar_notes = True
        self.need_note = NoteFor.NONE
        self.last = Last.NOTE
        return True

    def _bar_viable(self, prefix: str) -> bool:
        """Whether some bar-line token starting with `prefix` may close the bar here."""
        return any(self._bar_ok(t) for t in BAR_TOKENS if t.startswith(prefix))

    def _bar_ok(self, token: str) -> bool:
        """Whether the bar-line `token` may stand here (strict rules)."""
        if (self.in_chord or self.in_grace or self.need_note or self.tuplet_left
                or self.broken_value is not None or self.need_second or self.tie_pitch is not None):
            return False
        if token in ("||", "|]", "|:") and (self.repeat_open == OPEN or self.ending == 1):
            return False
        if token in (":|", "::") and (self.repeat_open == CLOSED or self.ending == 2):
            return False
        if token == "::" and (self.ending or self.repeat_open != OPEN):
            return False
        if not self.bar_notes:
            return self.newline_since_bar and token == "|:"
        free = self._free()
        if free is None or free == 0:
            return True
        if self.pickup_ok and token in ("|", "|:"):
            return True
        # A short last bar: abc2midi would play chord-symbol accompaniment past the end of the tune.
        return token in ("||", "|]") and self.slur == 0 and not self.symbols_used

    def _end_bar(self, token: str) -> None:
        """A bar line `token` is complete: close the bar, follow repeats and endings."""
        self.kind, self.text = Kind.NONE, ""
        if self.strict and self.bar_notes:
            free = self._free()
            if free and not (self.pickup_ok and token in ("|", "|:")):
                self.must_end = True
            if free and self.pickup_ok and token == "|":
                self.repeat_open = CLOSED  # a `:|` must not repeat back over the pickup bar
        if token.endswith(":"):
            if self.ending == 1 and not token.startswith(":"):
                self.ending = 0
            self.repeat_open = OPEN
            if self.ending == 2:
                self.ending = 0
        if token.startswith(":") and not token.endswith(":"):
            self.need_second = self.ending == 1
            self.repeat_open = CLOSED
            self.ending = 0
        elif token in ("||", "|]", "[|"):
            self.ending = 0
            self.repeat_open = CLOSED if self.strict else IMPLICIT
        if self.bar_notes:
            self.bars_closed += 1
        self._start_bar()
        self.pickup_ok = False
        self.newline_since_bar = False
        self.last_time = None
        self.last = Last.BAR
        self.last_bar = token

