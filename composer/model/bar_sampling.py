"""Sampling a few bars from a state already computed: one batch of candidates, constrained, with their log-probability.

`draw_bars(model, point, machine, bars=1, count=3)` starts every candidate from one LSTM state and its next-character
logits (a prefix fed once, or a cached state), and samples until each candidate has written `bars` bars:

- `until="after"` (suggestions) stops once the last bar's closing bar line is complete as the constraint wants it
  (`|`, or `:|`, `||`, `|]` where the form closes a part);
- `until="before"` (rewriting a span) stops at the first character of the last bar's bar line, which is not kept,
  so the caller can join the bar line that follows the span; `shape` then gives each bar's room left at its bar line
  (0 for a full bar, the pickup's complement for a shortened closing bar), so the span keeps its bars' lengths.

A bar line written just before the start may not be extended (`|` to `||`), and a rewritten span opens no endings.
Each candidate's `log_prob` is the model's own (temperature 1, no vetoes) for the text it wrote.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from composer.model.constraint import AbcState, Kind
from composer.model.form_state import FormState
from composer.model.onnx_model import LstmState, OnnxModel, step_rows
from composer.model.sampling import SamplingOptions, softmax
from composer.model.vocab import VOCAB

State = AbcState | FormState
#: Characters one bar may take before its candidate is given up.
MAX_BAR_CHARS = 80


@dataclass(frozen=True)
class Start:
    """Where sampling starts: the LSTM state (batch 1) and the logits of the next character."""

    state: LstmState
    logits: np.ndarray


@dataclass(frozen=True)
class Drawn:
    """One candidate: its text, the model's log-probability of it, whether it wrote all its bars, and (with
    `keep_states`) the state and next-character logits after it."""

    candidate: int
    text: str
    log_prob: float
    complete: bool
    end: Start | None = None


@dataclass(frozen=True)
class Draw:
    """Every candidate of one draw, in candidate order, and the model calls it took."""

    drawn: tuple[Drawn, ...]
    calls: int


def music_of(machine: State) -> AbcState:
    """The music constraint inside `machine`."""
    return machine if isinstance(machine, AbcState) else machine.music


def room_left(music: AbcState) -> Fraction | None:
    """Room left in the bar (in units of L:), or None when the bar is not measured."""
    if music.bar_len is None or music.bar_unchecked:
        return None
    return music.bar_len - music.used - music.committed


def opens_bar_line(before: State, after: State) -> bool:
    """Whether the character from `before` to `after` starts a new bar line."""
    return after.kind == Kind.BAR and before.kind != Kind.BAR


def draw_bars(model: OnnxModel, start: Start, machine: State, *, bars: int = 1, count: int = 3,
              sampling: SamplingOptions | None = None, until: str = "after",
              shape: Sequence[Fraction | None] | None = None, keep_states: bool = False) -> Draw:
    """Sample `count` candidates of `bars` bars each from `start` under `machine` (see the module)."""
    if until not in ("after", "before"):
        raise ValueError("until is 'after' or 'before'")
    options = sampling or SamplingOptions()
    rngs = [random.Random(None if options.seed is None else options.seed * 1_000_003 + i) for i in range(count)]
    memo: dict[tuple[State, int], State | None] = {}  # states never change: candidates share their successors
    first_bars = machine.bars_done
    machines: list[State] = [machine] * count
    texts: list[list[str]] = [[] for _ in range(count)]
    log_probs = np.zeros(count)
    done: dict[int, Drawn] = {}
    state = start.state.repeat(count)
    logits = np.repeat(start.logits[None, :], count, axis=0)
    active = list(range(count))
    calls = 0
    limit = MAX_BAR_CHARS * bars
    while active:
        own = _log_softmax(logits)
        probabilities = np.exp(own) if options.is_greedy or options.temperature == 1 else softmax(
            logits, options.temperature)
        rows = _filtered_rows(probabilities, options)
        kept, chosen = [], []
        for row, c in enumerate(active):
            before = machines[c]
            written = before.bars_done - first_bars

            def veto(after: State, before: State = before, written: int = written, c: int = c) -> bool:
                return _vetoed(before, after, not texts[c], until, shape, written)

            token, after = _pick(rngs[c], rows[row], probabilities[row], before, veto, memo)
            if token is None:
                done[c] = Drawn(c, "".join(texts[c]), float(log_probs[c]), False)
                continue
            if until == "before" and opens_bar_line(before, after) and written >= bars - 1:
                end = Start(state.select([row]), logits[row].copy()) if keep_states else None
                done[c] = Drawn(c, "".join(texts[c]), float(log_probs[c]), True, end)
                continue
            texts[c].append(VOCAB[token])
            log_probs[c] += own[row, token]
            machines[c] = after
            if until == "after" and _bar_closed(after, first_bars + bars):
                done[c] = Drawn(c, "".join(texts[c]), float(log_probs[c]), True)
            elif len(texts[c]) >= limit or after.ended:
                done[c] = Drawn(c, "".join(texts[c]), float(log_probs[c]), False)
            else:
                kept.append(row)
                chosen.append(token)
        if not kept:
            break
        active = [active[row] for row in kept]
        logits, state = step_rows(model, state, kept, chosen)
        calls += 1
    return Draw(tuple(done[c] for c in range(count)), calls)


def _vetoed(before: State, after: State, first: bool, until: str, shape: Sequence[Fraction | None] | None,
            written: int) -> bool:
    """The rules of a draw beyond the constraint's own (see the module)."""
    if first and before.kind == Kind.BAR and after.kind == Kind.BAR:
        return True  # the bar line before the start stands as written
    if until != "before":
        return False
    if music_of(after).ending not in (0, music_of(before).ending):
        return True  # an ending opens (one may close: `||` after a 2nd ending, written between bars)
    if shape is not None and opens_bar_line(before, after) and written < len(shape):
        want = shape[written]
        room = room_left(music_of(after))
        return want is not None and room is not None and room != want
    return False


def _pick(rng: random.Random, filtered_row: tuple[np.ndarray, np.ndarray] | None, probabilities: np.ndarray,
          machine: State, veto, memo: dict) -> tuple[int | None, State | None]:
    """A token the machine and `veto` accept, and the state after it; (None, None) when none is left.

    The draw has `Sampler.choose`'s distribution (temperature, top-k, top-p; when nothing in the filtered set may
    stand, any allowed character by its probability), but by rejection: it tests only the characters it draws.
    A mask of a new situation costs a hundred constraint steps, a draw one. `filtered_row` None means greedy."""

    def accepts(token: int) -> bool:
        key = (machine, token)
        if key not in memo:
            nxt = machine.advance(VOCAB[token])
            memo[key] = None if nxt is None or veto(nxt) else nxt
        return memo[key] is not None

    if filtered_row is None:
        token = next((int(t) for t in np.argsort(-probabilities, kind="stable") if accepts(int(t))), None)
        return (None, None) if token is None else (token, memo[machine, token])
    ids, weights = filtered_row
    token = _draw(rng, ids, weights.copy(), accepts)
    if token is None:  # nothing in the filtered set may stand: any allowed character, by its probability
        refused = [t for t in range(len(VOCAB)) if memo.get((machine, t), 0) is None]
        weights = probabilities.astype(np.float64).copy()
        weights[refused] = 0.0
        if weights.sum() <= 0:
            weights = np.ones(len(VOCAB))
            weights[refused] = 0.0
        token = _draw(rng, np.arange(len(VOCAB)), weights, accepts)
    return (None, None) if token is None else (token, memo[machine, token])


def _filtered_rows(probabilities: np.ndarray, options: SamplingOptions) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Each row's (ids, weights) kept by top-k then top-p, as `sampling.filtered` keeps them (None when greedy)."""
    if options.is_greedy:
        return [None] * len(probabilities)
    order = np.argsort(-probabilities, axis=1, kind="stable")
    if options.top_k:
        order = order[:, :options.top_k]
    weights = np.take_along_axis(probabilities, order, axis=1)
    rows = []
    for ids, w in zip(order, weights, strict=True):
        if options.top_p < 1.0:
            cumulative = np.cumsum(w) / w.sum()
            keep = int(np.searchsorted(cumulative, options.top_p) + 1)
            ids, w = ids[:keep], w[:keep]
        rows.append((ids, w / w.sum()))
    return rows


def _draw(rng: random.Random, ids: np.ndarray, weights: np.ndarray, accepts) -> int | None:
    """One of `ids` by `weights` that `accepts` takes, drawing again without the refused ones; None if none."""
    while True:
        total = weights.sum()
        if total <= 0:
            return None
        pick = min(int(np.searchsorted(np.cumsum(weights), rng.random() * total, side="right")), len(ids) - 1)
        if weights[pick] > 0 and accepts(int(ids[pick])):
            return int(ids[pick])
        weights[pick] = 0.0


def _bar_closed(after: State, target: int) -> bool:
    """Whether `after` ends the `target`-th bar with a bar line that may stand as it is."""
    if after.kind != Kind.BAR or after.bars_done < target:
        return False
    return after.advance(" ") is not None or after.advance("\n") is not None


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    scaled = np.asarray(logits, dtype=np.float64)
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    return scaled - np.log(np.exp(scaled).sum(axis=-1, keepdims=True))
