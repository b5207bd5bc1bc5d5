"""The tune's form beside the music constraint: parts counted as they are written, and vetoes that keep the form.

`FormState` wraps an `AbcState` (which keeps every bar valid) and follows the parts of the tune: full bars in the
current part (a pickup does not count), 1st and 2nd endings, and the parts already closed. Reading a prime it only
observes (`written_form` tells what was written). Once given a `Form` and made strict, it vetoes what breaks the
form, as the music constraint vetoes overfull bars, and the model still chooses every note:

- a part's closing bar line (`:|`, `::`, `||`, `|]`, or the end of a 2nd ending) comes exactly at its last bar,
  and no other bar line of the part is more than `|`; a 1st ending may start one or two bars before the end;
- a repeated part that follows a closed repeat starts with `|:` on a new line;
- the tune may not end before the form is complete, and must end right after it;
- the last bar ends on the key's tonic (a pickup may shorten it to match), unless the prime wrote it so it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from composer.abc.keys import ACCIDENTAL_VALUES, default_tuplet_time, parse_key
from composer.abc.lengths import meter_numbers
from composer.model.constraint import BAR_TOKENS, CLOSED, IMPLICIT, OPEN, AbcState, kinds
from composer.model.constraint.ticks import DURATION_PREFIX_TICKS, GRID_TICKS, Ticks, host_shortest, ticks, units
from composer.model.form import Form, Part, WrittenForm
from composer.model.vocab import VOCAB

#: Bars a 1st ending may span (counted back from the end of its part).
ENDING_BARS = (1, 2)
#: Ending phases of the current part.
NO_ENDING, FIRST_ENDING, AWAIT_SECOND, SECOND_ENDING = 0, 1, 2, 3

# Read for every character of form-constrained decoding: the enums' members from plain classes (see fast_lookup).
Kind = kinds.fast_lookup(kinds.Kind)
Last = kinds.fast_lookup(kinds.Last)
NoteFor = kinds.fast_lookup(kinds.NoteFor)

_MASK_CACHE: dict[tuple, np.ndarray] = {}


class FormState:
    """An `AbcState` plus the form's progress; `advance(ch)` is the next state or None (never changes in place)."""

    __slots__ = ("music", "form", "tonic", "part", "bars", "phase", "ending_at", "ending_len", "second",
                 "pickup_ticks", "lead_in_ticks", "begun", "closed", "need_open", "done", "written_token",
                 "_situation")

    def __init__(self, music: AbcState) -> None:
        self.music = music
        self.form: Form | None = None
        self.tonic: Tonic | None = None
        self.part = 0
        self.bars = 0
        self.phase = NO_ENDING
        self.ending_at = 0
        self.ending_len = 0
        self.second = 0
        self.pickup_ticks: Ticks | None = None  # the tune's short first bar, in ticks (see constraint/ticks.py)
        self.lead_in_ticks: Ticks | None = None  # what the last part's short closing bar lacked, in ticks
        self.begun = False  # the part being written has a short first bar (a pickup or a lead-in) behind it
        self.closed: tuple[Part, ...] = ()
        self.need_open = False
        self.done = False
        self.written_token: str | None = None
        self._situation: tuple | None = None

    # ------------------------------------------------------------------ construction and public API

    @classmethod
    def for_prime(cls, prime: str, form: Form | None = None, *, strict: bool = True) -> FormState:
        """The state after reading `prime` leniently; with `form` and `strict`, the form is kept from here."""
        state = cls(AbcState(strict=False))
        for ch in prime:
            nxt = state.advance(ch)
            if nxt is not None:
                state = nxt
        if not strict:
            return state
        return state.kept(prime, form)

    def kept(self, prime: str, form: Form | None) -> FormState:
        """This state, read leniently from `prime`, made strict to go on with `form` (what `for_prime` returns
        with strict=True; the suggestion cache keeps lenient readings and asks for this at a bar's end)."""
        state = self
        new = state._copy()
        new.music, new._situation = state.music.constrained(), None  # the lenient reading's situation is not this
        if new.music.kind == Kind.BAR:  # the prime ends on a bar line: as written, it stands whatever the form
            new.written_token = new.music.text
        if form is not None:
            new.form = form
            new.tonic = tonic_of(prime)
            new.part = len(state.closed)
            new.done = new.part >= len(form.parts)
            if not new.done and state.closed and not state.started_part:
                new._open_part_as_written(state.begun)
            else:
                new.need_open, new.lead_in_ticks = False, None
            if new._final_bar() and not new.allowed_mask().any():
                new.tonic, new._situation = None, None  # the last bar as written cannot end on the tonic
        return new

    def _open_part_as_written(self, begun: bool) -> None:
        """The prime stops in a later part before its first full bar (`begun`: a short bar of it is behind). Not
        begun, a repeated part opens with `|:`; begun without it, it goes on and its `:|` repeats back to the last
        one, as abc2midi plays it. Its short first bar (the notes the last part's short closing bar lacked, or a
        pickup written up to its bar line) is a bar of exactly that length, so that abc2midi counts whole bars."""
        music = self.music = self.music._copy()
        repeated = self.form.parts[self.part].repeated
        written_here = begun or music.kind != Kind.NONE or music.last != Last.BAR
        self.need_open = repeated and not written_here and music.repeat_open != OPEN
        if repeated and written_here and music.repeat_open == CLOSED:
            music.repeat_open = IMPLICIT
        written = music.used_ticks + music.committed_ticks if music.bar_notes else 0
        if music.kind == Kind.BAR and music.bar_notes and not begun and music._free():
            self.lead_in_ticks = written
        lead_in = self.lead_in_ticks
        fits = lead_in is not None and (written < lead_in if music.kind == Kind.NOTE else written <= lead_in)
        if fits and music.repeat_open != OPEN and (music.bar_notes or music.kind != Kind.BAR):
            music.bar_ticks = lead_in
        else:
            self.lead_in_ticks = None

    @property
    def pickup(self) -> Fraction | None:
        """The length of the tune's short first bar in units of L:, or None when it has none."""
        return None if self.pickup_ticks is None else units(self.pickup_ticks)

    @property
    def started_part(self) -> bool:
        """True when the part being written has a full bar or an ending."""
        return self.bars > 0 or self.phase != NO_ENDING

    def written(self) -> WrittenForm:
        """The form as written so far (a bar line at the very end counted as closed; a `:` as a `:|` begun)."""
        if self.music.kind == Kind.BAR:
            closed = self.feed(("" if self.music.text in BAR_TOKENS else "|") + "\n")
            if closed is not None:
                return closed.written()
        return WrittenForm(self.closed, self.bars, self.music.repeat_open != CLOSED, self.phase != NO_ENDING,
                           self.phase in (AWAIT_SECOND, SECOND_ENDING))

    @property
    def ended(self) -> bool:
        return self.music.ended

    @property
    def kind(self) -> kinds.Kind:
        return self.music.kind

    @property
    def bars_done(self) -> int:
        return self.music.bars_done

    @property
    def can_end(self) -> bool:
        """True when the tune may end here with its empty line (its form complete, when it keeps one)."""
        return self.music.can_end and (self.form is None or self.done)

    def completion(self, budget: int = 20_000) -> str | None:
        """A short text that ends the tune validly from here (the music's closing; the form may stay unfinished)."""
        return self.music.completion(budget)

    def feed(self, text: str) -> FormState | None:
        """The state after every character of `text`, or None at the first forbidden one."""
        state: FormState | None = self
        for ch in text:
            state = state.advance(ch)
            if state is None:
                return None
        return state

    def advance(self, ch: str) -> FormState | None:
        """The state after `ch`, or None when the music or the form forbids it."""
        before = self.music
        music = before.advance(ch)
        if music is None:
            return None
        keeping = self.form is not None and before.strict
        new = self._copy()
        new.music = music
        new._situation = None
        new.written_token = None
        if before.kind == Kind.BAR and (music.kind != Kind.BAR or not music.text.startswith(before.text)):
            if keeping and before.text != self.written_token and before.text not in self._closing_tokens(before):
                return None
            new._bar_closed(before.text, before)
            if keeping and self.lead_in_ticks is not None and new.lead_in_ticks is None:  # the lead-in bar is done
                music = new.music = music._copy()
                music._update_bar_len()
        if music.ending == 1 and before.ending != 1 and new.phase == NO_ENDING:
            if keeping and not self._ending_may_start():
                return None
            new.phase, new.ending_at = FIRST_ENDING, new.bars
        elif music.ending == 2 and before.ending != 2 and new.phase == AWAIT_SECOND:
            new.phase, new.second = SECOND_ENDING, 0
        if new.need_open and music.repeat_open == OPEN:
            new.need_open = False
        if keeping and not new._allows(ch, before):
            return None
        return new

    def allowed_mask(self) -> np.ndarray:
        """Boolean vector over the vocabulary: True where `advance` accepts the character (cached per situation)."""
        key = self._key()
        mask = _MASK_CACHE.get(key)
        if mask is None:
            mask = np.fromiter((self.advance(ch) is not None for ch in VOCAB), dtype=bool, count=len(VOCAB))
            mask.setflags(write=False)
            if len(_MASK_CACHE) > 50_000:
                _MASK_CACHE.clear()
            _MASK_CACHE[key] = mask
        return mask

    # ------------------------------------------------------------------ the form's rules

    def _key(self) -> tuple:
        """Everything that decides which characters come next."""
        if self._situation is None:
            form = self.form
            if form is None or self.done or not self.music.strict:
                self._situation = (self.music.key(), form is not None and self.music.strict, self.done)
            else:
                part = form.parts[self.part]
                last = self.part == len(form.parts) - 1
                left = (self.ending_len - self.second) if self.phase == SECOND_ENDING else part.bars - self.bars
                self._situation = (self.music.key(), True, False, last, part.repeated,
                                   not last and form.parts[self.part + 1].repeated, self.phase, min(left, 3),
                                   self.bars == 0, bool(self.closed), self.need_open, self.pickup_ticks,
                                   self.lead_in_ticks, self.tonic, self.written_token)
        return self._situation

    def _allows(self, ch: str, before: AbcState) -> bool:
        """The form's rules for the state just reached by `ch` (its counts already updated)."""
        music = self.music
        if self.done:
            return ch == "\n" and music.kind == Kind.NONE
        if music.ended:
            return False  # the tune may not end before its form is complete
        if music.kind == Kind.BAR:
            return any(t.startswith(music.text) for t in self._closing_tokens(music))
        if self.need_open and self.lead_in_ticks is None and music.repeat_open != OPEN and ch != "\n":
            return False  # a repeated part after a closed repeat starts with |: on a new line
        if self._final_bar():
            return self._tonic_rule(ch, before)
        return True

    def _at_end(self) -> bool:
        """Whether the bar being written is the last of its part (or of its 2nd ending)."""
        if self.phase == SECOND_ENDING:
            return self.second + 1 >= self.ending_len
        return self.bars + 1 >= self.form.parts[self.part].bars

    def _is_pickup(self, music: AbcState) -> bool:
        """Whether the bar `music` is in is the tune's short first bar."""
        free = music._free()
        return (music.bar_notes and music.pickup_ok and bool(free) and not self.closed and self.bars == 0
                and self.phase == NO_ENDING)

    def _closing_tokens(self, music: AbcState) -> frozenset[str]:
        """The bar lines that may close the bar `music` is in without breaking the form."""
        form = self.form
        if form is None:
            return _ANY
        if self.done:
            return frozenset()
        part = form.parts[self.part]
        last = self.part == len(form.parts) - 1
        next_repeated = not last and form.parts[self.part + 1].repeated
        at_start = self.phase == NO_ENDING and self.bars == 0
        if not music.bar_notes:
            return _OPEN if at_start and part.repeated and self.lead_in_ticks is None else frozenset()
        free = music._free()
        if self._is_pickup(music) or at_start and self.lead_in_ticks is not None:
            if self.lead_in_ticks is not None and free:
                return frozenset()  # the lead-in bar is exactly the notes the last part lacked
            if not part.repeated:
                return _PLAIN
            return _OPEN if music.repeat_open != OPEN else frozenset()  # a pickup after `|:` would close it
        short = free is not None and free > 0
        if not self._at_end():
            return frozenset() if short else _PLAIN
        if self.phase == FIRST_ENDING:
            return frozenset() if short else _REPEAT_END
        if last and not (self._on_tonic(music) and music.slur == 0):
            return frozenset()  # the tune ends here: on the tonic, with nothing left open
        if short:  # only the tune's last bar may be short, by the pickup's length
            if last and self.pickup_ticks == free and (self.phase == SECOND_ENDING or not part.repeated):
                return _FINAL
            return frozenset()
        if self.phase == SECOND_ENDING or not part.repeated:
            return _FINAL if last else _PART_END | (_OPEN if next_repeated else frozenset())
        return _REPEAT_END | (_REPEAT_BOTH if next_repeated else frozenset())

    def _ending_may_start(self) -> bool:
        """Whether a 1st ending may open here (a repeated part, one or two bars before its end)."""
        if self.form is None or self.done or self.phase != NO_ENDING:
            return False
        part = self.form.parts[self.part]
        return part.repeated and part.bars - self.bars in ENDING_BARS

    def _final_bar(self) -> bool:
        """Whether the bar being written is the tune's last (its last note is the tonic)."""
        form = self.form
        if form is None or self.done or self.part != len(form.parts) - 1 or self.music.bar_ticks is None:
            return False
        return self.phase in (NO_ENDING, SECOND_ENDING) and self._at_end()

    def _tonic_rule(self, ch: str, before: AbcState) -> bool:
        """The last bar ends with the tonic, on a beat: no chord or tie there, and no note or rest that would
        leave less than a beat unless it is that tonic (so no squeezing of short notes into the end)."""
        music = self.music
        free = music._free()
        if self.tonic is None or free is None:
            return True
        beat = _beat_ticks(music.meter_text, music.meter, music.unit)
        if music.kind == Kind.BRACKET:  # a chord may not stand in the last bar: only a 1st ending's `[1`
            return self._ending_may_start() and before.last == Last.BAR and before.repeat_open != CLOSED
        if music.kind == Kind.PAREN and music.slur >= 1:  # a second `(` can only open a tuplet
            return free - min(default_tuplet_time(p, music.meter_text) for p in (2, 3, 4)) * GRID_TICKS >= beat
        if music.in_chord and not before.in_chord:
            return False
        if ch == "-" and music.tie_pitch is not None:
            return False
        if music.kind == Kind.TUPLET:  # `(3`: even its shortest notes must leave a beat for the tonic
            notes = int(music.text[1:2] or 0)
            return free - default_tuplet_time(notes, music.meter_text) * GRID_TICKS >= beat
        if music.kind == Kind.BROKEN:  # the pair takes the first note's length again
            return free - (music.last_value or 0) >= beat
        host = music.need_note in (NoteFor.GRACE, NoteFor.ORNAMENT)
        shortest = host_shortest(music.unit) if host else GRID_TICKS
        if music.kind == Kind.ACCIDENTAL and not music.in_chord and not music.in_grace:  # `^^` is never the tonic
            tonic_possible = ACCIDENTAL_VALUES.get(music.text) == self.tonic.alteration
            return free - shortest >= beat or tonic_possible and free % beat == 0 and free >= shortest
        if music.kind == Kind.NOTE and music.pitch and not music.in_chord and not music.in_grace:
            if music.broken_value is not None or (music.tuplet_left and music.tuplet_value is not None):
                return free >= beat  # its length is fixed and it starts off the beat: it may not end the bar
            entry = DURATION_PREFIX_TICKS.get(music.text)
            if entry is None:
                return True
            if music.tuplet_left:  # the first note of a tuplet sets the length of all of them
                span = music.tuplet_left * music.tuplet_factor
                return any(free - v * span >= beat and music._event_ok(v) for v in entry[1])
            tonic = self._is_tonic(music.pitch, before)
            return any((free - v >= beat or tonic and v == free and free % beat == 0) and music._event_ok(v)
                       for v in entry[1])
        if music.broken_value is not None or music.tuplet_left:
            return free >= beat
        if host or music.in_grace:  # a long host note must still fit
            shortest = host_shortest(music.unit)
            return free - shortest >= beat or free % beat == 0 and free >= shortest
        if free == 0 and not _fills(before):  # the note that fills the last bar: the tonic, from a beat
            return self._is_tonic(music.last_pitch, before) and (music.last_value or 0) % beat == 0
        return free == 0 or free >= beat or music.kind == Kind.NOTE

    def _on_tonic(self, music: AbcState) -> bool:
        """Whether the bar `music` is in ends on the tonic."""
        return self.tonic is None or music.bar_unchecked or self._is_tonic(music.last_pitch, music)

    def _is_tonic(self, pitch: str, bar: AbcState) -> bool:
        """Whether `pitch` (`D`, `^f`, `=c`) sounds as the tonic; a plain letter counts only where no accidental
        earlier in the bar may have changed it."""
        letter = pitch.lstrip("^_=")[:1]
        if not letter or letter.upper() != self.tonic.letter:
            return False
        accidental = pitch[: len(pitch) - len(pitch.lstrip("^_="))]
        if accidental:
            return ACCIDENTAL_VALUES.get(accidental) == self.tonic.alteration
        return self.tonic.plain and not bar.bar_accidental

    # ------------------------------------------------------------------ counting

    def _bar_closed(self, token: str, music: AbcState) -> None:
        """The bar line `token` closed the bar `music` was in: count the bar, close parts and endings."""
        free = music._free() if music.bar_notes else None
        if music.bar_notes:
            if self._is_pickup(music) and music.bar_ticks is not None:
                self.pickup_ticks = music.bar_ticks - free
                return
            if self.bars == 0 and self.phase == NO_ENDING and (self.lead_in_ticks is not None or free):
                self.lead_in_ticks = None
                self.begun = True
                return  # a later part's pickup, or its lead-in: not one of its bars
            if self.phase == SECOND_ENDING:
                self.second += 1
            elif self.phase != AWAIT_SECOND:
                self.bars += 1
        parts_before = len(self.closed)
        self._close_parts(token, music)
        if len(self.closed) > parts_before and free:
            self.lead_in_ticks = free  # the part ended on a short bar: the next one lacks these notes

    def _close_parts(self, token: str, music: AbcState) -> None:
        if token in (":|", "::"):
            if self.phase == FIRST_ENDING:
                self.ending_len = self.bars - self.ending_at
                self.phase = AWAIT_SECOND
            elif self.bars:
                self._part_closed(repeated=True, opened=token == "::")
        elif self.phase == SECOND_ENDING and (self.second >= self.ending_len or token in ("||", "|]", "|:")):
            self._part_closed(repeated=True, opened=token == "|:")
        elif self.bars and self.phase == NO_ENDING and (token in ("||", "|]", "[|")
                                                         or token == "|:" and music.bar_notes):
            self._part_closed(repeated=False, opened=token == "|:")

    def _part_closed(self, *, repeated: bool, opened: bool) -> None:
        self.closed = (*self.closed, Part(self.bars, repeated))
        self.lead_in_ticks = None
        self.begun = False
        self.part += 1
        self.bars = 0
        self.phase = NO_ENDING
        self.ending_at = self.ending_len = self.second = 0
        if self.form is not None:
            self.done = self.part >= len(self.form.parts)
            self.need_open = not self.done and self.form.parts[self.part].repeated and not opened

    def _copy(self) -> FormState:
        # Every slot spelled out: faster than a loop over the slots (a test checks none is left out).
        new = object.__new__(FormState)
        new.music = self.music
        new.form = self.form
        new.tonic = self.tonic
        new.part = self.part
        new.bars = self.bars
        new.phase = self.phase
        new.ending_at = self.ending_at
        new.ending_len = self.ending_len
        new.second = self.second
        new.pickup_ticks = self.pickup_ticks
        new.lead_in_ticks = self.lead_in_ticks
        new.begun = self.begun
        new.closed = self.closed
        new.need_open = self.need_open
        new.done = self.done
        new.written_token = self.written_token
        new._situation = self._situation
        return new


@dataclass(frozen=True)
class Tonic:
    """The key's tonic: its letter, its alteration, and whether the plain letter sounds as it in the key."""

    letter: str
    alteration: int
    plain: bool


def tonic_of(prime: str) -> Tonic | None:
    """The tonic of the prime's last K: line, or None when it has none we can read."""
    value = None
    for line in prime.splitlines():
        if line.startswith("K:"):
            value = line[2:]
    key = parse_key(value) if value is not None else None
    if key is None:
        return None
    return Tonic(key.tonic, key.tonic_alteration, key.alteration(key.tonic) == key.tonic_alteration)


@lru_cache(maxsize=64)
def _beat_ticks(meter_text: str | None, meter: Fraction | None, unit: Fraction) -> Ticks:
    """One beat in ticks: a dotted quarter in 6/8, 9/8 and 12/8 (compound meters), else a quarter (or the whole
    bar, when that is shorter)."""
    numbers = meter_numbers(meter_text) if meter_text and "+" not in meter_text else None  # 2+2+2/8: not compound
    compound = numbers is not None and numbers[1] == 8 and numbers[0] % 3 == 0 and numbers[0] > 3
    beat = Fraction(3, 8) if compound else Fraction(1, 4)
    if meter is not None and beat > meter:
        beat = meter
    return ticks(beat / unit)


def _fills(music: AbcState) -> bool:
    """Whether the bar is exactly full with nothing pending."""
    return music._free() == 0 and not music.tuplet_left and music.broken_value is None


_ANY = frozenset({"|", "||", "|]", "|:", ":|", "::"})
_PLAIN = frozenset({"|"})
_OPEN = frozenset({"|:"})
_FINAL = frozenset({"|]", "||"})
_PART_END = frozenset({"||"})
_REPEAT_END = frozenset({":|"})
_REPEAT_BOTH = frozenset({"::"})
