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
from composer.model.sampling import SamplingOptions
from composer.model.vocab import VOCAB

State = AbcState | FormState
#: Characters one bar may take before its candidate is given up.
MAX_BAR_CHARS = 80
#: Characters of a row sorted for its nucleus at first: top-p rarely keeps more (the whole row is used when it does).
_HEAD = 24
#: A row's nucleus: ids, most likely first, and their weights.
Nucleus = tuple[list[int], list[float]]
#: The constraint's steps taken: (state, character) -> the state after it, None where refused.
Steps = dict[tuple[object, str], object]
_UNSEEN = object()
_MAX = np.maximum.reduce
_SUM = np.add.reduce


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
              shape: Sequence[Fraction | None] | None = None, keep_states: bool = False,
              steps: Steps | None = None) -> Draw:
    """Sample `count` candidates of `bars` bars each from `start` under `machine` (see the module). The constraint's
    steps are recorded in `steps` (a new dict by default) for a later `walk` from the same machine to reuse."""
    if until not in ("after", "before"):
        raise ValueError("until is 'after' or 'before'")
    options = sampling or SamplingOptions()
    rngs = [random.Random(None if options.seed is None else options.seed * 1_000_003 + i) for i in range(count)]
    steps = {} if steps is None else steps  # states never change: candidates share their successors
    first_bars = machine.bars_done
    machines: list[State] = [machine] * count
    texts: list[list[str]] = [[] for _ in range(count)]
    log_probs = [0.0] * count
    done: dict[int, Drawn] = {}
    state = start.state.repeat(count)
    logits = np.repeat(start.logits[None, :], count, axis=0)
    active = list(range(count))
    calls = 0
    limit = MAX_BAR_CHARS * bars
    while active:
        log_norms, weights, nuclei = _chances(logits, options)
        kept, chosen = [], []
        for row, c in enumerate(active):
            before = machines[c]
            written = before.bars_done - first_bars

            def veto(after: State, before: State = before, written: int = written, c: int = c) -> bool:
                return _vetoed(before, after, not texts[c], until, shape, written)

            token, after = _pick(rngs[c], nuclei[row], weights[row], before, veto, steps)
            if token is None:
                done[c] = Drawn(c, "".join(texts[c]), float(log_probs[c]), False)
                continue
            if until == "before" and opens_bar_line(before, after) and written >= bars - 1:
                end = Start(state.select([row]), logits[row].copy()) if keep_states else None
                done[c] = Drawn(c, "".join(texts[c]), float(log_probs[c]), True, end)
                continue
            texts[c].append(VOCAB[token])
            log_probs[c] += float(logits[row, token]) - log_norms[row]
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
        logits, state = _step_distinct(model, state, kept, chosen, ["".join(texts[c]) for c in active])
        calls += 1
    return Draw(tuple(done[c] for c in range(count)), calls)


def _step_distinct(model: OnnxModel, state: LstmState, rows: list[int], tokens: list[int],
                   texts: list[str]) -> tuple[np.ndarray, LstmState]:
    """`step_rows` for candidates that have written `texts`: those that wrote the same text so far hold the same
    state, so the model steps each distinct one once (a batch row with a twin adds nothing to what it computes)."""
    first = {text: i for i, text in reversed(list(enumerate(texts)))}
    if len(first) == len(texts):
        return step_rows(model, state, rows, tokens)
    distinct = sorted(first.values())
    logits, state = step_rows(model, state, [rows[i] for i in distinct], [tokens[i] for i in distinct])
    spread = [distinct.index(first[text]) for text in texts]
    return logits[spread], state.select(spread)


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


def _pick(rng: random.Random, nucleus: Nucleus | None, weights: np.ndarray, machine: State,
          veto, steps: Steps) -> tuple[int | None, State | None]:
    """A token the machine and `veto` accept, and the state after it; (None, None) when none is left.

    The draw has `Sampler.choose`'s distribution (temperature, top-k, top-p; when nothing in the filtered set may
    stand, any allowed character by its probability), but by rejection: it tests only the characters it draws.
    A mask of a new situation costs a hundred constraint steps, a draw one. `weights` is the row's temperature-scaled
    distribution (not normalized), `nucleus` the part of it top-k and top-p keep (None: greedy)."""

    def accepts(token: int) -> bool:
        after = successor(machine, VOCAB[token], steps)
        return after is not None and not veto(after)

    if nucleus is None:
        token = next((int(t) for t in np.argsort(-weights, kind="stable") if accepts(int(t))), None)
        return (None, None) if token is None else (token, steps[machine, VOCAB[token]])
    ids, kept = nucleus
    token = _draw(rng, ids, list(kept), accepts)
    if token is None:  # nothing in the filtered set may stand: any allowed character, by its probability
        refused = [t for t, ch in enumerate(VOCAB) if steps.get((machine, ch), _UNSEEN) is not _UNSEEN
                   and not accepts(t)]
        everything = weights.copy()
        everything[refused] = 0.0
        if everything.sum() <= 0:
            everything = np.ones(len(VOCAB))
            everything[refused] = 0.0
        token = _draw(rng, list(range(len(VOCAB))), everything.tolist(), accepts)
    return (None, None) if token is None else (token, steps[machine, VOCAB[token]])


def _chances(logits: np.ndarray, options: SamplingOptions) -> tuple[list[float], np.ndarray, list[Nucleus | None]]:
    """For each row of `logits`: the log of its sum of exponentials (a character's log-probability is its logit less
    this), its temperature-scaled weights (a distribution, not normalized), and its nucleus: the ids top-k then top-p
    keep, as `sampling.filtered` keeps them (most likely first), with their weights; None rows when greedy."""
    scaled = logits.astype(np.float64)
    top = _MAX(scaled, axis=1)  # the ufuncs' own reductions: what .max() and .sum() call, without their wrappers
    scaled -= top[:, None]
    exps = np.exp(scaled)
    log_norms = (top + np.log(_SUM(exps, axis=1))).tolist()
    if options.is_greedy:
        return log_norms, exps, [None] * len(exps)
    weights = exps if options.temperature == 1 else np.exp(scaled / options.temperature)
    order = np.negative(scaled, out=scaled).argsort(axis=1, kind="stable")  # the weights' order (exp is monotonic)
    if options.top_k:
        order = order[:, :options.top_k]
    rows = np.arange(len(order))[:, None]
    if options.top_p == 1:
        return log_norms, weights, list(zip(order.tolist(), weights[rows, order].tolist(), strict=True))
    totals = _SUM(weights[rows, order] if options.top_k else weights, axis=1) * options.top_p
    head = order[:, :_HEAD]
    nuclei = []
    for row, (ids, kept, goal) in enumerate(zip(head.tolist(), weights[rows, head].tolist(), totals.tolist(),
                                                strict=True)):
        keep = _nucleus_size(kept, goal)
        if keep is None and len(ids) < order.shape[1]:  # a flat row: its nucleus goes beyond the head
            ids, kept = order[row].tolist(), weights[row, order[row]].tolist()
            keep = _nucleus_size(kept, goal)
        nuclei.append((ids[:keep], kept[:keep]))
    return log_norms, weights, nuclei


def _nucleus_size(weights: list[float], goal: float) -> int | None:
    """How many of `weights` (most likely first) it takes to reach `goal`; None if they all fall short."""
    reached = 0.0
    for size, weight in enumerate(weights, 1):
        reached += weight
        if reached >= goal:
            return size
    return None


def _draw(rng: random.Random, ids: list[int], weights: list[float], accepts) -> int | None:
    """One of `ids` by `weights` that `accepts` takes, drawing again without the refused ones; None if none."""
    last = len(ids) - 1
    while True:
        total = sum(weights)
        if total <= 0:
            return None
        goal = rng.random() * total
        pick, reached = last, 0.0
        for i, w in enumerate(weights):
            reached += w
            if reached > goal:
                pick = i
                break
        if weights[pick] > 0 and accepts(ids[pick]):
            return ids[pick]
        weights[pick] = 0.0


def _bar_closed(after: State, target: int) -> bool:
    """Whether `after` ends the `target`-th bar with a bar line that may stand as it is."""
    if after.kind != Kind.BAR or after.bars_done < target:
        return False
    return after.advance(" ") is not None or after.advance("\n") is not None


def may_end_bar_line(state: State, steps: Steps) -> bool:
    """Whether the bar line `state` ends with may stand as it is (a space or a newline may follow)."""
    return successor(state, " ", steps) is not None or successor(state, "\n", steps) is not None


def successor(state: State, ch: str, steps: Steps) -> State | None:
    """`state.advance(ch)`, looked up in `steps` first and recorded there."""
    key = (state, ch)
    after = steps.get(key, _UNSEEN)
    if after is _UNSEEN:
        after = steps[key] = state.advance(ch)
    return after


def walk(state: State, text: str, steps: Steps) -> State | None:
    """The state after every character of `text` (None at the first refused one), through `steps`."""
    for ch in text:
        state = successor(state, ch, steps)
        if state is None:
            return None
    return state
