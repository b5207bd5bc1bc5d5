"""Incremental ABC state machine beside the sampler: which next characters keep a tune valid, playable music.

`AbcState.for_prime(text)` reads a canonical prime (header and any body) leniently, then constrains what follows:
`state.advance(ch)` is the state after `ch`, or None when `ch` would break the tune; `state.allowed_mask()` is a
boolean vector over the vocabulary (cached per state). Constrained generation keeps every bar exactly as long as
the meter says (a pickup first bar and a short closing bar excepted), keeps tuplets, broken rhythms, chords,
chord symbols, decorations, grace notes, slurs and ties well formed, keeps repeats and first/second endings
balanced, and allows the tune's empty line only after a proper final bar (`|]`, `||` or `:|`). The grammar is a
deliberately small subset of ABC that Debian's abc2midi reads without errors or bar-length warnings; a prime may
use more of ABC (it is read leniently and only tracked). Each accepted prefix can always be completed.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from itertools import repeat
from operator import attrgetter

import numpy as np

from composer.abc.keys import default_tuplet_time
from composer.abc.lengths import length_suffix_value, meter_fraction, parse_unit
from composer.model.vocab import VOCAB

#: The shortest note the constrained grammar writes, in units of L:. Every bar is a whole number of these.
GRID = Fraction(1, 16)

NOTE_LETTERS = frozenset("ABCDEFGabcdefg")
#: Single-character decorations allowed in generated text (abc2midi reads them without complaint).
SHORT_DECORATIONS = frozenset("~.Tuv")
#: `!name!` decorations allowed in generated text.
LONG_DECORATIONS = ("trill", "accent", "mordent", "turn")
#: Chord-symbol types that abc2midi knows (checked against the real abc2midi in tests/model/test_constraint.py).
CHORD_TYPES = ("", "m", "7", "m7", "maj7", "M7", "6", "m6", "9", "m9", "maj9", "dim", "dim7", "aug", "+",
               "sus", "sus2", "sus4", "7sus4", "m7b5", "5")
#: Grace notes in one group of generated text.
MAX_GRACE_NOTES = 2
#: Notes in one chord of generated text.
MAX_CHORD_NOTES = 4
#: Decorations that abc2midi plays as extra notes: only on notes of at least one unit and an eighth.
ORNAMENTS = frozenset({"~", "T", "trill", "mordent", "turn"})
#: Bar-line tokens of generated text.
BAR_TOKENS = frozenset({"|", "||", "|]", "|:", ":|", "::"})
#: Bar lines after which a tune may end.
FINAL_BARS = frozenset({"|]", "||", ":|"})
#: Repeat states: no repeat may end here; a `:|` may end an implied one (tune or section start); `|:` is open.
CLOSED, IMPLICIT, OPEN = 0, 1, 2
_BROKEN = {">": Fraction(3, 2), ">>": Fraction(7, 4), "<": Fraction(1, 2), "<<": Fraction(1, 4)}


def _duration_texts() -> dict[str, Fraction]:
    """Every duration suffix generated notes may carry, with its value in units."""
    texts: dict[str, Fraction] = {"": Fraction(1)}
    for n in range(2, 17):
        texts[str(n)] = Fraction(n)
    for n in (1, 3, 5, 7):
        for d in (2, 4, 8, 16):
            texts[f"{n}/{d}"] = Fraction(n, d)
    for n in (3, 5, 7):
        texts[f"{n}/"] = Fraction(n, 2)
    texts["/"] = Fraction(1, 2)
    texts["//"] = Fraction(1, 4)
    for d in (2, 4, 8, 16):
        texts[f"/{d}"] = Fraction(1, d)
    return texts


DURATIONS: dict[str, Fraction] = _duration_texts()


def _prefix_table(words: dict[str, Fraction]) -> dict[str, tuple[Fraction, frozenset[Fraction]]]:
    """prefix → (smallest value it can complete to, every value it can complete to)."""
    table: dict[str, set[Fraction]] = {}
    for word, value in words.items():
        for i in range(len(word) + 1):
            table.setdefault(word[:i], set()).add(value)
    return {p: (min(v), frozenset(v)) for p, v in table.items()}


_DURATION_PREFIXES = _prefix_table(DURATIONS)


def _chord_symbols() -> frozenset[str]:
    roots = [r + a for r in "ABCDEFG" for a in ("", "#", "b")]
    basses = [""] + ["/" + r for r in roots]
    return frozenset(r + t + b for r in roots for t in CHORD_TYPES for b in basses)


CHORD_SYMBOLS = _chord_symbols()
_CHORD_SYMBOL_PREFIXES = frozenset(s[:i] for s in CHORD_SYMBOLS for i in range(len(s) + 1))
_DECORATION_PREFIXES = frozenset(n[:i] for n in LONG_DECORATIONS for i in range(len(n) + 1))
_BAR_PREFIXES = frozenset(t[:i] for t in BAR_TOKENS for i in range(1, len(t) + 1))


class AbcState:
    """Where a tune stands after the text read so far; `advance(ch)` gives the next state or None.

    A state never changes once returned (advance works on a copy), so states may be kept, shared and used as
    cache keys. `strict` states enforce the generation grammar; lenient ones (used for a prime) only track.
    """

    __slots__ = (
        "strict", "meter", "unit", "bar_len", "meter_text",
        "kind", "text", "pitch", "line_start", "after_space", "last", "newline_since_bar", "ended",
        "must_end", "need_note",
        "in_chord", "chord_value", "chord_count", "chord_inner_dur", "in_grace", "grace_count",
        "slur", "tuplet_left", "tuplet_factor", "tuplet_value", "broken_mult", "broken_value", "tie_pitch",
        "last_value", "last_time", "last_pitch",
        "used", "committed", "bar_notes", "bar_accidental", "pickup_ok", "bar_unchecked",
        "repeat_open", "ending", "need_second", "last_bar", "continued", "symbols_used", "line_len",
        "bars_closed", "chars", "swung",
    )
    #: Slots that count rather than constrain: left out of the cache key.
    _COUNTERS = ("bars_closed", "chars")

    def _start_bar(self) -> None:
        """Nothing counted yet in the bar that begins."""
        self.used = Fraction(0)
        self.committed = Fraction(0)
        self.bar_notes = False
        self.bar_accidental = False
        self.bar_unchecked = False

    def __init__(self, meter: str | None = None, unit: str | None = None, *, strict: bool = True) -> None:
        self.strict = strict
        self.meter: Fraction | None = None
        self.unit = Fraction(1, 8)
        self.bar_len: Fraction | None = None
        self.meter_text: str | None = None
        self.kind = ""
        self.text = ""
        self.pitch = ""
        self.line_start = True
        self.after_space = False
        self.last = "start"
        self.newline_since_bar = True
        self.ended = False
        self.must_end = False
        self.need_note = ""
        self.in_chord = False
        self.chord_value: Fraction | None = None
        self.chord_count = 0
        self.chord_inner_dur = False
        self.in_grace = False
        self.grace_count = 0
        self.slur = 0
        self.tuplet_left = 0
        self.tuplet_factor = Fraction(1)
        self.tuplet_value: Fraction | None = None
        self.broken_mult: Fraction | None = None
        self.broken_value: Fraction | None = None
        self.tie_pitch: str | None = None
        self.last_value: Fraction | None = None
        self.last_time: Fraction | None = None
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
        if new.bar_len is not None:
            free = new.bar_len - new.used - new.committed
            if free < 0 or free % GRID:
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
    def bars_done(self) -> int:
        """Bars closed so far, counting a complete bar line still waiting to see whether it grows (`|` → `||`)."""
        pending = self.kind == "bar" and self.bar_notes and (self.text in BAR_TOKENS or not self.strict)
        return self.bars_closed + pending

    def completion(self, budget: int = 20_000) -> str | None:
        """A short text (from a small closing alphabet) that ends the tune validly from here, or None.

        Used when a constrained candidate runs out of characters: the tune is closed rather than cut. Rests fill
        the bar; pending symbols, decorations, chords, ties and repeats are finished first.
        """
        return self._search(depth_first=True, budget=budget // 4) or self._search(depth_first=False, budget=budget)

    def _closing_alphabet(self) -> tuple[str, ...]:
        if self.kind == "quote":
            return _CLOSING_QUOTE
        if self.kind == "deco":
            return _CLOSING_DECORATION
        if self.tie_pitch is not None:
            return (*self.tie_pitch, *_CLOSING_NOTES)
        if (self.kind not in ("", "bar") or self.in_chord or self.in_grace
                or self.need_note in ("deco", "ornament", "grace")):
            return _CLOSING_NOTES
        return _CLOSING_CHARS

    def _search(self, *, depth_first: bool, budget: int) -> str | None:
        frontier = deque([(self, "")])
        seen: set[tuple] = {self.key()}
        while frontier and budget > 0:
            budget -= 1
            state, text = frontier.pop() if depth_first else frontier.popleft()
            if state.ended:
                return text
            if len(text) >= 120:
                continue
            alphabet = state._closing_alphabet()
            for ch in (reversed(alphabet) if depth_first else alphabet):
                nxt = state.advance(ch)
                if nxt is not None:
                    key = nxt.key()
                    if key not in seen:
                        seen.add(key)
                        frontier.append((nxt, text + ch))
        return None

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
        new = object.__new__(AbcState)
        deque(map(setattr, repeat(new), self.__slots__, _ALL_SLOTS(self)), maxlen=0)
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
            self.bar_len = None
            return
        bar = self.meter / self.unit
        self.bar_len = bar if bar % GRID == 0 else None

    def _free(self) -> Fraction | None:
        """Room left in the bar, or None when the bar is not measured."""
        if self.bar_len is None or self.bar_unchecked:
            return None
        return self.bar_len - self.used - self.committed

    def _tune_complete(self) -> bool:
        return (self.last == "bar" and self.last_bar in FINAL_BARS and self.repeat_open != OPEN
                and self.ending != 1 and not self.need_second and self.slur == 0 and self.tie_pitch is None
                and not self.in_chord and not self.in_grace and self.tuplet_left == 0
                and self.broken_value is None and self.bars_closed >= 1)

    def _event_ok(self, value: Fraction) -> bool:
        """Whether a note, rest or chord of `value` units fits here (strict rules)."""
        if self.need_note in ("grace", "ornament") and (value < 1 or value * self.unit < Fraction(1, 8)):
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
        need = GRID * (self.tuplet_left * self.tuplet_factor if self.tuplet_left else 1)
        return need <= free

    def _host_possible(self) -> bool:
        """Whether a note long enough to carry grace notes or an ornament can still come in this bar."""
        if self.tuplet_left or self.broken_value is not None:
            return False
        free = self._free()
        return free is None or free >= max(Fraction(1), 1 / (8 * self.unit))

    def _duration_viable_outer(self) -> bool:
        """Whether some duration after a chord's `]` would fit."""
        return any(self._event_ok(v) for v in _DURATION_PREFIXES[""][1])

    def _duration_viable(self, dur: str) -> bool:
        """Whether a note whose duration text starts with `dur` can still be completed validly."""
        entry = _DURATION_PREFIXES.get(dur)
        if entry is None:
            return False
        smallest, values = entry
        if self.in_grace:
            return False  # abc2midi takes grace-note durations out of the bar
        if self.in_chord and self.kind == "note" and self.pitch != "chord":
            if self.chord_count:
                return self.chord_value in values
            return any(self._event_ok(v) for v in values)
        if self.pitch == "chord":
            if self.chord_inner_dur and dur:
                return False
            return any(self._event_ok(v * self.chord_value) for v in values)
        if self.broken_value is not None:
            return self.broken_value in values
        if self.tuplet_left and self.tuplet_value is not None:
            return self.tuplet_value in values
        # The shortest completion usually decides; an ornament's host must be long, so try the others too.
        return self._event_ok(smallest) or any(self._event_ok(v) for v in values)

    def _feed(self, c: str) -> bool:
        if self.must_end and self.strict and c != "\n":
            return False
        if c == ":" and self.strict and self.line_len == 1 and self.kind == "note":
            return False  # `D:` at a line start reads as a field
        self.line_len = 0 if c == "\n" else min(self.line_len + 1, 2)
        if self.continued and not (self.kind == "backslash"):
            if c in "\n\\" and self.strict:
                return False
            self.continued = False
        if self.kind:
            result = self._continue(c)
            if result is not None:
                if c != "\n":
                    self.line_start = False
                return result
        ok = self._start(c)
        if ok and c != "\n" and self.kind != "field_line":
            self.line_start = False
        return ok

    # --- pending tokens

    def _continue(self, c: str) -> bool | None:
        """Feed `c` to the pending token: True/False if consumed/refused, None when the token ended first."""
        kind = self.kind
        strict = self.strict
        if kind == "note":
            return self._continue_note(c)
        if kind == "acc":
            if c in NOTE_LETTERS:
                self.kind = "note"
                self.pitch = self.text + c
                self.text = ""
                return True
            if c == self.text and c in "^_":
                self.text += c
                return True
            if strict:
                return False
            self.kind = ""
            return None
        if kind == "bar":
            word = self.text + c
            if strict:
                if word in _BAR_PREFIXES:
                    if not self._bar_viable(word):
                        return False
                    self.text = word
                    return True
                if self.text not in BAR_TOKENS or not self._bar_ok(self.text):
                    return False
            elif c in "|:" or (c == "]" and self.text.endswith("|")):
                self.text = word
                return True
            self._end_bar(self.text)
            if not strict and c.isdigit():
                self.kind = "ending"
                self.ending = 1 if c == "1" else 2
                self.need_second = False  # `:|2` opens the 2nd ending it asked for
                if self.ending == 2:  # a 2nd ending comes after its repeat (`:2`, read leniently, opened one)
                    self.repeat_open = CLOSED
                return True
            return None
        if kind == "paren":
            self.kind = ""
            if c.isdigit():
                p = int(c)
                if strict and (p not in (2, 3, 4) or self.tuplet_left or self.broken_value is not None
                               or self.in_chord or self.in_grace or self.tie_pitch is not None):
                    return False
                self.kind, self.text = "tuplet", "(" + c
                if strict and not self._tuplet_fits(p, default_tuplet_time(p, self.meter_text), p):
                    return False
                return True
            if strict and self.slur >= 1:
                return False
            self.slur += 1
            self.last = "slur_open"
            return None
        if kind == "tuplet":
            if not strict and (c.isdigit() or c == ":"):
                self.text += c
                return True
            self._start_tuplet(self.text)
            self.kind = ""
            return None
        if kind == "broken":
            if c == self.text and len(self.text) == 1 and not strict:
                self.text += c
                return True
            self._start_broken(self.text)
            self.kind = ""
            return None
        if kind == "bracket":
            return self._continue_bracket(c)
        if kind == "ending":
            if not strict and (c.isdigit() or c in ",-"):
                return True
            self.kind = ""
            return None
        if kind == "quote":
            if c == '"':
                if strict and self.text not in CHORD_SYMBOLS:
                    return False
                self.kind, self.text = "", ""
                self.symbols_used = True
                self.need_note = "symbol"
                self.last = "symbol"
                return True
            if c == "\n":
                if strict:
                    return False
                self.kind = ""
                return None
            if strict and self.text + c not in _CHORD_SYMBOL_PREFIXES:
                return False
            self.text += c
            return True
        if kind in ("deco", "plus_deco"):
            close = "!" if kind == "deco" else "+"
            if c == close:
                if strict and (self.text not in LONG_DECORATIONS
                               or self.text in ORNAMENTS and not self._host_possible()):
                    return False
                self.need_note = "ornament" if self.text in ORNAMENTS else "deco"
                self.kind, self.text = "", ""
                self.last = "deco"
                return True
            if c == "\n":
                if strict:
                    return False
                self.kind = ""
                return None
            if strict and not any(n.startswith(self.text + c) and (n not in ORNAMENTS or self._host_possible())
                                  for n in LONG_DECORATIONS):
                return False
            self.text += c
            return True
        if kind == "backslash":
            self.kind = ""
            if c == "\n":
                self.line_start = True
                self.continued = True
                return True
            return False if strict else None
        if kind == "field_letter":
            if c == ":":
                self.kind = "field_line"
                self.text += c
                return True
            self.kind = ""
            return None
        if kind in ("field_line", "comment"):
            if c == "\n":
                if kind == "field_line":
                    self._apply_field(self.text[0], self.text[2:])
                self.kind, self.text = "", ""
                self.line_start = True
                return True
            self.text += c
            return True
        if kind == "inline":
            if c == "]":
                if len(self.text) > 2 and self.text[1] == ":":
                    self._apply_field(self.text[0], self.text[2:])
                self.kind, self.text = "", ""
                return True
            if c == "\n":
                self.kind, self.text = "", ""
                return None
            self.text += c
            return True
        return None  # pragma: no cover - every kind is handled above

    def _continue_note(self, c: str) -> bool | None:
        strict = self.strict
        if not self.text and self.pitch not in ("z", "chord", "x", "Z") and c in ",'":
            if strict:
                bare = self.pitch.lstrip("^_=")
                right = "," if bare[0].isupper() else "'"
                if c != right or len(bare) > 2:
                    return False
                if self.tie_pitch is not None and not self.tie_pitch.startswith(self.pitch + c):
                    return False
            self.pitch += c
            return True
        if c in "0123456789/":
            dur = self.text + c
            if strict and not self._duration_viable(dur):
                return False
            if strict and self.tie_pitch is not None and not self.in_grace and self.pitch != self.tie_pitch:
                return False
            self.text = dur
            return True
        if not self._end_note():
            return False
        return None

    def _continue_bracket(self, c: str) -> bool | None:
        strict = self.strict
        self.kind = ""
        if c.isdigit():
            if strict:
                if self.last != "bar" or c not in "12":
                    return False
                if c == "1" and not (self.repeat_open and self.ending == 0 and not self.need_second):
                    return False
                if c == "2" and not self.need_second:
                    return False
            self.ending = int(c) if c in "12" else 2
            self.need_second = False
            if self.ending == 2:
                self.repeat_open = CLOSED
            self.last = "ending"
            self.kind = "ending" if not strict else ""
            return True
        if not strict:
            if c == "|":
                self.kind, self.text = "bar", "[|"
                return True
            if c.isalpha() and c not in NOTE_LETTERS:
                self.kind, self.text = "inline", c
                return True
        if strict and (self.need_second or not self._event_possible() or self.tie_pitch is not None):
            return False
        self.in_chord = True
        self.chord_value = None
        self.chord_count = 0
        self.chord_inner_dur = False
        return None

    def _tuplet_fits(self, p: int, q: int, r: int) -> bool:
        free = self._free()
        return free is None or r * GRID * Fraction(q, p) <= free

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
        self.last = "tuplet"

    def _start_broken(self, text: str) -> None:
        k = _BROKEN.get(text)
        if k is None or self.last_time is None or self.last_value is None:
            return
        self.used += self.last_time * (k - 1)
        self.broken_mult = 2 - k
        self.broken_value = self.last_value
        self.committed += self.last_value * (2 - k)
        self.last = "broken"

    def _end_note(self) -> bool:
        """The pending note (or rest, or chord) is complete: account for it."""
        strict = self.strict
        dur = self.text
        value = DURATIONS.get(dur) if strict else length_suffix_value(dur) if dur else Fraction(1)
        if value is None:
            if strict:
                return False
            value = Fraction(1)
        pitch = self.pitch
        self.kind, self.text, self.pitch = "", "", ""
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
            value = value * (self.chord_value or Fraction(1))
            pitch = "[]"
        if pitch == "Z":
            self.bar_unchecked = True
            value = Fraction(0)
        return self._event(value, pitch)

    def _event(self, value: Fraction, pitch: str) -> bool:
        """A note, rest or chord of `value` units sounds: check and account for its time."""
        strict = self.strict
        if strict and not self._event_ok(value):
            return False
        if self.tie_pitch is not None:
            if strict and pitch != self.tie_pitch:
                return False
            self.tie_pitch = None
        if pitch[:1] in ("^", "_", "="):
            self.bar_accidental = True
        hosted = self.need_note in ("grace", "ornament", "deco") or pitch == "z"
        if self.broken_value is not None:
            time = value * (self.broken_mult or 1)
            self.committed = max(Fraction(0), self.committed - self.broken_value * (self.broken_mult or 1))
            self.broken_value = self.broken_mult = None
            self.used += time
            self.last_time = None  # a broken pair's second note cannot start another pair
        elif self.tuplet_left:
            time = value * self.tuplet_factor
            if self.tuplet_value is None:
                self.tuplet_value = value
                self.committed += (self.tuplet_left - 1) * time
            else:
                self.committed = max(Fraction(0), self.committed - time)
            self.used += time
            self.tuplet_left -= 1
            if not self.tuplet_left:
                self.tuplet_value = None
                self.tuplet_factor = Fraction(1)
                self.committed = Fraction(0) if self.broken_value is None else self.committed
            self.last_time = None  # no broken rhythm inside or right after a tuplet
        else:
            if self.bar_len is not None:
                self.used += value
            self.last_time = value
        if hosted:
            self.last_time = None  # abc2midi changes decorated notes and rests: no broken rhythm after them
        self.last_value = value
        self.last_pitch = pitch
        self.bar_notes = True
        self.need_note = ""
        self.last = "note"
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
        self.kind, self.text = "", ""
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
        self.last = "bar"
        self.last_bar = token

    def _apply_field(self, name: str, value: str) -> None:
        if name == "M":
            self._set_meter(value)
        elif name == "L":
            self._set_unit(value)
        elif name == "R":
            self.swung = "hornpipe" in value.lower()

    # --- a fresh token

    def _start(self, c: str) -> bool:
        strict = self.strict
        if strict and self.must_end and c != "\n":
            return False
        if strict and self.tie_pitch is not None and c not in NOTE_LETTERS:
            return False
        if c == "\n":
            if self.line_start and not self.continued:
                if strict and not self._tune_complete():
                    return False
                self.ended = True
                return True
            if strict and (self.last != "bar" or self.after_space or self.in_chord or self.in_grace
                           or self.need_note or self.tuplet_left or self.broken_value is not None):
                return False
            self.in_chord = self.in_grace = False
            self.line_start = True
            self.after_space = False
            self.newline_since_bar = True
            return True
        if c == " ":
            if strict and (self.in_chord or self.in_grace or self.need_note or self.last in ("slur_open", "start")
                           or self.broken_value is not None or self.after_space):
                return False
            self.after_space = True
            return True
        self.after_space = False
        if self.line_start and not strict and c.isalpha() and c not in NOTE_LETTERS and c not in "zx":
            self.kind, self.text = "field_letter", c
            return True
        if c in NOTE_LETTERS or c in "^_=":
            if strict:
                if self.need_second:
                    return False
                if c in "^_=" and self.tie_pitch is not None:
                    return False
                if not self.in_grace and not self.in_chord and not self._event_possible():
                    return False
                if self.in_grace and self.grace_count >= MAX_GRACE_NOTES:
                    return False
                if self.in_chord and self.chord_count >= MAX_CHORD_NOTES:
                    return False
                if self.tie_pitch is not None and not self.in_grace and c != self.tie_pitch[0]:
                    return False
            if c in NOTE_LETTERS:
                self.kind, self.pitch, self.text = "note", c, ""
            else:
                self.kind, self.text = "acc", c
            return True
        if c in "zxZ":
            if strict and (c != "z" or self.broken_value is not None or self.in_chord or self.in_grace
                           or self.tie_pitch is not None or self.need_second or self.need_note not in ("", "symbol")
                           or not self._event_possible()):
                return False
            self.kind, self.pitch, self.text = "note", c, ""
            return True
        if c == "[":
            if strict:
                if self.in_chord or self.in_grace:
                    return False
                chord = (not self.need_second and self.tie_pitch is None and self.need_note in ("", "symbol")
                         and not self.tuplet_left and self._event_possible())
                ending = self.last == "bar" and (self.need_second or self.repeat_open and self.ending == 0)
                if not (chord or ending):
                    return False
            self.kind, self.text = "bracket", c
            return True
        if c == "]":
            if self.in_chord:
                if strict and self.chord_count < 2:
                    return False
                self.kind, self.pitch, self.text = "note", "chord", ""
                return True
            return not strict
        if c in "|:":
            if strict and not self._bar_viable(c):
                return False
            self.kind, self.text = "bar", c
            return True
        if c == "(":
            if strict:
                if (self.in_chord or self.in_grace or self.need_second or self.need_note not in ("", "symbol")
                        or not self._event_possible()):
                    return False
                tuplet = (not self.tuplet_left and self.broken_value is None and self.tie_pitch is None
                          and self._tuplet_fits(2, 3, 2))
                if self.slur >= 1 and not tuplet:
                    return False
            self.kind, self.text = "paren", c
            return True
        if c == ")":
            if strict and (self.slur <= 0 or self.last != "note" or self.in_chord or self.in_grace
                           or self.after_space):
                return False
            self.slur = max(0, self.slur - 1)
            self.last = "slur_close"
            return True
        if c in "<>":
            # abc2midi swings a hornpipe's pairs itself and rejects some written pairs ("notes not equal").
            if strict and (self.swung or self.last != "note" or self.last_time is None or self.in_chord or self.in_grace
                           or self.after_space or self.tuplet_left or self.broken_value is not None
                           or self.tie_pitch is not None):
                return False
            if strict:
                free = self._free()
                if free is not None and self.last_value > free:  # the pair takes 2 × value in all
                    return False
            self.kind, self.text = "broken", c
            return True
        if c == "-":
            if strict and (self.last != "note" or self.in_chord or self.in_grace or self.bar_accidental
                           or self.after_space or self.last_time is None or not self._event_possible()
                           or self.last_pitch[:1] not in NOTE_LETTERS or self.broken_value is not None):
                return False
            self.tie_pitch = self.last_pitch if self.last == "note" else None
            self.last = "tie"
            return True
        if c == '"':
            if strict and (self.in_chord or self.in_grace or self.need_note or self.need_second
                           or self.broken_value is not None or not self._event_possible()):
                return False
            self.kind, self.text = "quote", ""
            return True
        if c == "!":
            if strict and (self.in_chord or self.in_grace or self.need_second or self.need_note not in ("", "symbol")
                           or self.broken_value is not None or not self._event_possible()):
                return False
            if strict and not self._event_possible():
                return False
            self.kind, self.text = "deco", ""
            return True
        if c == "{":
            if strict and (self.in_chord or self.in_grace or self.need_second or self.tie_pitch is not None
                           or self.need_note not in ("", "symbol") or self.broken_value is not None
                           or self.tuplet_left or not self._host_possible()):
                return False
            self.in_grace = True
            self.grace_count = 0
            return True
        if c == "}":
            if strict and (not self.in_grace or self.grace_count < 1 or self.kind):
                return False
            self.in_grace = False
            self.need_note = "grace"
            self.last = "grace"
            return True
        if c == "\\":
            if strict and (self.last != "bar" or self.after_space or self.in_chord or self.in_grace
                           or self.need_note or self.need_second):
                return False
            self.kind = "backslash"
            return True
        if c in SHORT_DECORATIONS or (not strict and c in "MPSOLRJkKy+%"):
            if not strict:
                if c == "+":
                    self.kind, self.text = "plus_deco", ""
                elif c == "%":
                    self.kind, self.text = "comment", ""
                return True
            if self.in_chord or self.in_grace or self.need_second or not self._event_possible():
                return False
            if self.need_note not in ("", "symbol") or self.broken_value is not None:
                return False
            if c == "." and self.swung:
                return False  # abc2midi shortens a staccato note, then cannot swing its pair
            if c in ORNAMENTS and not self._host_possible():
                return False
            self.need_note = "ornament" if c in ORNAMENTS else "deco"
            self.last = "deco"
            return True
        return not strict


_MASK_CACHE: dict[tuple, np.ndarray] = {}
_ALL_SLOTS = attrgetter(*AbcState.__slots__)
_VOCAB_INDEX = {ch: i for i, ch in enumerate(VOCAB)}
#: Characters tried first when closing a tune: end what is open, fill bars with rests, then anything musical.
_CLOSING_QUOTE = ('"', *"ABCDEFG")
_CLOSING_CHARS = ("\n", ")", "]", "|", ":", "z", "8", "4", "2", "/", "[")
_CLOSING_NOTES = ("\n", ")", "]", "}", "|", ":", "z", "8", "4", "2", "/", "B", "[", *"1635789")
_CLOSING_DECORATION = ("!", *sorted(set("".join(LONG_DECORATIONS))))
