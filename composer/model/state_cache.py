"""LSTM states and form readings kept at checkpoints along a tune's canonical text, updated as the text changes.

`StateCache(model)` follows one tune: `cache.update(text)` takes the canonical text before the cursor and feeds the
model only what changed, from the last checkpoint (every `every` characters) before the first changed character;
text appended at the end feeds only the new characters. Beside each checkpoint it keeps the lenient `FormState`
after the same text, so the constraint of a suggestion needs no re-reading of the tune either. `cache.at_end()`
is what a suggestion starts from: the state, the logits of the next character and the reading.

`reading.kept(prime, form)` (FormState.kept) is `FormState.for_prime(prime, form)` from a reading already made, and
`auto_form(written, rhythm, meter)` is `plan_form("auto", ...)`'s form from a written form already known (the
tests hold both equal to the functions they stand for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from composer.model.constraint import AbcState, Kind
from composer.model.form import Form, WrittenForm, default_form
from composer.model.form_plan import _auto_form
from composer.model.form_state import FormState
from composer.model.onnx_model import LstmState, OnnxModel
from composer.model.vocab import VOCAB, encode, to_vocab

#: Characters between two checkpoints: an edit re-feeds at most this many characters before the edit.
CHECKPOINT_EVERY = 64


@dataclass(frozen=True)
class Point:
    """The model and the form reader after `chars` characters: state, next-character logits (None at 0), reading."""

    chars: int
    state: LstmState
    logits: np.ndarray | None
    reading: FormState


@dataclass(frozen=True)
class Upkeep:
    """What one update cost: characters fed to the model, model calls, and where the text first changed."""

    fed: int
    calls: int
    changed_at: int


class StateCache:
    """Checkpointed LSTM states and form readings for one tune's canonical text (see the module)."""

    def __init__(self, model: OnnxModel, every: int = CHECKPOINT_EVERY) -> None:
        if every < 1:
            raise ValueError("checkpoints must be at least one character apart")
        self.model = model
        self.every = every
        self.text = ""
        self._checkpoints: list[Point] = [Point(0, model.zero_state(1), None, FormState(AbcState(strict=False)))]
        self._end = self._checkpoints[0]
        self.fed = 0
        self.calls = 0

    @property
    def checkpoints(self) -> tuple[int, ...]:
        """Offsets of the kept checkpoints."""
        return tuple(p.chars for p in self._checkpoints)

    def at_end(self) -> Point:
        """The point after the whole text."""
        return self._end

    def update(self, text: str) -> Upkeep:
        """Follow `text` (transliterated into the vocabulary), feeding only what changed since the last update."""
        text = to_vocab(text)
        old = self.text
        same = _common_prefix(old, text)
        if same == len(old) == len(text):
            return Upkeep(0, 0, same)
        if same == len(old):
            start = self._end
        else:
            while self._checkpoints[-1].chars > same:
                self._checkpoints.pop()
            start = self._checkpoints[-1]
        fed, calls = self._feed(start, text)
        self.text = text
        return Upkeep(fed, calls, same)

    def _feed(self, start: Point, text: str) -> tuple[int, int]:
        point = start
        fed = calls = 0
        while point.chars < len(text):
            stop = min(len(text), (point.chars // self.every + 1) * self.every)
            chunk = text[point.chars:stop]
            logits, state = self.model.run(np.asarray([encode(chunk)], dtype=np.int64), point.state)
            reading = point.reading
            for ch in chunk:
                nxt = reading.advance(ch)
                if nxt is not None:
                    reading = nxt
            point = Point(stop, state, logits[0, -1].copy(), reading)
            fed += len(chunk)
            calls += 1
            if stop % self.every == 0:
                self._checkpoints.append(point)
        self._end = point
        self.fed += fed
        self.calls += calls
        return fed, calls


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of `a` and `b` (slices compared in C, halving)."""
    if b.startswith(a):
        return len(a)
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def constraint_after(reading: FormState, prime: str, form: Form | None) -> FormState | PendingBarLine:
    """The constraint for what follows `prime`: `FormState.kept`, or where the prime ends inside a bar line the writer
    wrote, a state that ends that bar line leniently (the strict rules would judge the writer's bar line, and
    refuse everything after `|:A|` or after a part's short closing bar)."""
    if reading.music.kind == Kind.BAR:
        return PendingBarLine(reading, prime, form)
    return reading.kept(prime, form)


class PendingBarLine:
    """The constraint after a prime that ends inside a bar line: the bar line is ended leniently (by the space or
    newline that follows, or as by a space before anything else), then the strict state (with the form) judges the
    next character. Offers what generation asks of a state."""

    __slots__ = ("reading", "prime", "form", "_after", "_mask")

    def __init__(self, reading: FormState, prime: str, form: Form | None) -> None:
        self.reading = reading
        self.prime = prime
        self.form = form
        self._after: FormState | None = None
        self._mask: np.ndarray | None = None

    @property
    def music(self) -> AbcState:
        return self.reading.music

    @property
    def kind(self) -> Kind:
        return self.reading.kind

    @property
    def bars_done(self) -> int:
        return self.reading.bars_done

    @property
    def ended(self) -> bool:
        return False

    def advance(self, ch: str) -> FormState | None:
        """The strict state after `ch` (None where `ch` would extend the bar line, or breaks the rules)."""
        nxt = self.reading.advance(ch)
        if nxt is None or nxt.kind == Kind.BAR:
            return None
        if ch in " \n":  # the bar line ends with this very character
            return nxt.kept(self.prime + ch, self.form)
        if self._after is None:
            ended = self.reading.advance(" ")
            if ended is None:
                return None
            self._after = ended.kept(self.prime + " ", self.form)
        return self._after.advance(ch)

    def feed(self, text: str) -> FormState | None:
        """The state after every character of `text`, or None at the first forbidden one."""
        first = self.advance(text[:1]) if text else None
        return first.feed(text[1:]) if first is not None else None

    def allowed_mask(self) -> np.ndarray:
        if self._mask is None:
            self._mask = np.fromiter((self.advance(ch) is not None for ch in VOCAB), dtype=bool, count=len(VOCAB))
        return self._mask


@lru_cache(maxsize=512)
def auto_form(written: WrittenForm, rhythm: str | None, meter: str | None) -> Form:
    """The form `plan_form("auto", prime, rhythm=..., meter=...)` keeps for a prime whose written form is `written`."""
    return _auto_form(written, default_form(rhythm, meter))


_FIELD = re.compile(r"^([MR]):(.*)$", re.M)


def header_fields(prime: str) -> tuple[str | None, str | None]:
    """(R:, M:) of a canonical prime's header (None where absent)."""
    head = prime[:prime.find("\nK:") + 1] if "\nK:" in prime else prime
    found = {m.group(1): m.group(2).strip() for m in _FIELD.finditer(head)}
    return found.get("R"), found.get("M")
