"""Harmonize a melody: the model writes chord symbols at chosen places while every melody character is forced."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from composer.abc.checker import check_tune
from composer.abc.diagnostic import ERROR, printable
from composer.abc.tunebook import Tune, read_string
from composer.errors import AbcError, ModelError
from composer.model.chord_places import (
    DOWNBEAT,
    ChordPlace,
    TuneLayout,
    apply_edits,
    layout,
    model_text,
    without_chord_symbols,
)
from composer.model.constraint import CHORD_SYMBOLS
from composer.model.onnx_model import MAX_TUNE_CHARS, LstmState, OnnxModel
from composer.model.vocab import INDEX, encode

__all__ = ["PER_CHOICES", "ChosenChord", "HarmonizeOptions", "Harmonization", "harmonize"]

#: Chord places the search may leave without a chord: `bar` keeps one place a bar, `beat` two in even meters.
PER_CHOICES = ("bar", "beat")
#: Hypotheses the beam search keeps unless asked otherwise.
BEAM = 4
#: Chord names each hypothesis tries at a chord place (its likeliest) unless asked otherwise.
NAMES = 4
_QUOTE = '"'
#: Checker errors about repeats and slurs: abc2midi plays through them and they move no note, so they stay.
_UNTIMED_ERRORS = ("repeat ", "slur", ") without")


@dataclass(frozen=True)
class HarmonizeOptions:
    """How to harmonize: chord places per bar or per beat, replace or keep existing chords, the beam's width,
    the chord names tried per hypothesis at each place, and the written bars to harmonize (all when None)."""

    per: str = "bar"
    replace: bool = False
    beam: int = BEAM
    names: int = NAMES
    bars: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.per not in PER_CHOICES:
            raise ValueError(f"per must be one of {', '.join(PER_CHOICES)}, not {self.per!r}")
        if self.beam < 1 or self.names < 1:
            raise ValueError("beam and names must be at least 1")
        if self.bars is not None and not 1 <= self.bars[0] <= self.bars[1]:
            raise ValueError(f"bars must be FIRST-LAST with 1 <= FIRST <= LAST, not {self.bars[0]}-{self.bars[1]}")


@dataclass(frozen=True)
class ChosenChord:
    """A chord symbol the model wrote: its name, the source place it stands before, its written bar and beat."""

    name: str
    line: int
    column: int
    bar: int
    beat: str


@dataclass(frozen=True)
class Harmonization:
    """The harmonized tune's text, the chords written, how many old ones were taken out, how many places the
    search had, and the model's log-probability (nats) of the text from the first place on."""

    tune_text: str
    chords: tuple[ChosenChord, ...]
    removed: int
    places: int
    log_prob: float


@cache
def _next_characters() -> dict[str, tuple[str, ...]]:
    """Chord-name text so far → the characters that may follow it (`"` where it is a whole chord name)."""
    table: dict[str, set[str]] = {}
    for symbol in CHORD_SYMBOLS:
        for i in range(len(symbol)):
            table.setdefault(symbol[:i], set()).add(symbol[i])
        table.setdefault(symbol, set()).add(_QUOTE)
    return {prefix: tuple(sorted(chars)) for prefix, chars in table.items()}


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    values = np.asarray(logits, dtype=np.float64)
    values = values - values.max(axis=-1, keepdims=True)
    return values - np.log(np.exp(values).sum(axis=-1, keepdims=True))


def _join(states: list[LstmState]) -> LstmState:
    return LstmState(tuple(np.concatenate(parts) for parts in zip(*(s.arrays for s in states), strict=True)))


def _feed(model: OnnxModel, state: LstmState, last: np.ndarray, text: str) -> tuple[np.ndarray, LstmState,
                                                                                       np.ndarray]:
    """Feed the same `text` to every row: its log-probability per row (`last` predicts its first character),
    the state after it and the logits of the character after it."""
    ids = np.asarray(encode(text), dtype=np.int64)
    total = _log_softmax(last)[:, ids[0]]
    logits, state = model.run(np.tile(ids, (state.batch, 1)), state)
    if len(ids) > 1:
        steps = _log_softmax(logits[:, :-1, :])
        total = total + steps[:, np.arange(len(ids) - 1), ids[1:]].sum(axis=1)
    return total, state, logits[:, -1, :]


@dataclass(frozen=True)
class _Names:
    """Chord names written after `"` for a batch of rows: per name its row, text, log-probability without the
    closing quote, and the state and logits from which the closing quote comes."""

    rows: tuple[int, ...]
    names: tuple[str, ...]
    log_probs: np.ndarray
    state: LstmState | None
    logits: np.ndarray | None


def _chord_names_after(model: OnnxModel, state: LstmState, last: np.ndarray, width: int) -> _Names:
    """The `width` likeliest chord names per row, opened with `"` from `state` (whose logits are `last`)."""
    table = _next_characters()
    opened, state, logits = _feed(model, state, last, _QUOTE)
    hyps = [(row, "", float(opened[row])) for row in range(state.batch)]
    done: dict[int, list[tuple[float, float, str, int]]] = {row: [] for row in range(state.batch)}
    done_states: list[LstmState] = []
    done_logits: list[np.ndarray] = []
    while hyps:
        scores = _log_softmax(logits)
        grown: dict[int, list[tuple[float, str, int]]] = {}
        for index, (row, text, score) in enumerate(hyps):
            for ch in table.get(text, ()):
                value = score + float(scores[index, INDEX[ch]])
                if ch == _QUOTE:
                    done[row].append((value, score, text, len(done_states)))
                    done_states.append(state.select([index]))
                    done_logits.append(logits[index:index + 1])
                else:
                    grown.setdefault(row, []).append((value, text + ch, index))
        hyps, parents = [], []
        for row, options in grown.items():
            finished = sorted((-v for v, *_ in done[row]))
            bar = -finished[width - 1] if len(finished) >= width else -np.inf
            options.sort(key=lambda o: (-o[0], o[1]))
            for value, text, parent in options[:width]:
                if value > bar:  # a name can only lose probability as it grows
                    hyps.append((row, text, value))
                    parents.append(parent)
        if hyps:
            tokens = np.asarray([[INDEX[text[-1]]] for _, text, _ in hyps], dtype=np.int64)
            step_logits, state = model.run(tokens, state.select(parents))
            logits = step_logits[:, -1, :]
    chosen = []
    for row in sorted(done):
        best = sorted(done[row], key=lambda d: (-d[0], d[2]))[:width]
        chosen += [(row, text, score, where) for _, score, text, where in best]
    if not chosen:
        return _Names((), (), np.zeros(0), None, None)
    return _Names(tuple(c[0] for c in chosen), tuple(c[1] for c in chosen), np.asarray([c[2] for c in chosen]),
                  _join([done_states[c[3]] for c in chosen]), np.concatenate([done_logits[c[3]] for c in chosen]))


def _check(tune: Tune) -> None:
    where = {"path": tune.path, "tune": tune.reference}
    if not tune.has_key:
        raise AbcError("K: is missing: the tune's header must end with a K: line", line=tune.line, **where)
    if not any(line.text.strip() for line in tune.body):
        raise AbcError(f"{printable(tune.label[:60])} has no music to harmonize", line=tune.line, **where)
    errors = [d for d in check_tune(tune) if d.blocks_export or d.severity == ERROR
              and not d.message.startswith(_UNTIMED_ERRORS)]
    if errors:  # the notes cannot be placed in time reliably, and the result would carry the error on
        first = errors[0]
        raise AbcError(f"{printable(tune.label[:60])} cannot be harmonized: {first.message}", line=first.line,
                       column=first.column, **where)


def _plan(tune: Tune, tune_layout: TuneLayout, options: HarmonizeOptions) -> tuple[list[ChordPlace],
                                                                                  dict[tuple[int, int], int]]:
    """The places to decide and the chord symbols to take out first."""
    first, last = options.bars or (1, tune_layout.bars)
    if last > tune_layout.bars:
        raise AbcError(f"bars {first}-{last} go past the tune's {tune_layout.bars} written bars",
                       path=tune.path, tune=tune.reference, line=tune.line)
    deletions: dict[tuple[int, int], int] = {}
    if options.replace:
        deletions = {(s.line, s.column): s.length for s in tune_layout.symbols if first <= s.bar <= last}
        for body_line in tune.body:  # a line of chord symbols only stays: taking them out would end the tune
            mine = [(c, n) for (line, c), n in deletions.items() if line == body_line.line]
            left = "".join(ch for i, ch in enumerate(body_line.text, start=1)
                           if not any(c <= i < c + n for c, n in mine))
            if mine and not left.strip():
                for c, _ in mine:
                    del deletions[(body_line.line, c)]
    kept_bars = {s.bar for s in tune_layout.symbols if (s.line, s.column) not in deletions}
    places = []
    for place in tune_layout.places:
        if not first <= place.bar <= last:
            continue
        if place.chorded and (not options.replace or place.bar in kept_bars):
            continue  # a chord stays there
        if options.per == "bar" and place.bar in kept_bars:
            continue  # the bar keeps its chord
        places.append(place)
    return places, deletions


def harmonize(model: OnnxModel, tune: Tune, options: HarmonizeOptions | None = None) -> Harmonization:
    """The tune with chord symbols written by the model at its chord places, its melody left byte for byte.

        result = harmonize(OnnxModel(), tune, HarmonizeOptions(per="bar", beam=4))
        result.tune_text   # the tune as written, with `"G"`, `"D7"`... before the notes that carry them

    The model reads the tune's canonical text (chord symbols taken out with `replace`, kept otherwise), and every
    melody character is forced. At each chord place (`chord_places.layout`) each hypothesis opens `"`, writes a
    chord name of the constraint's chord table (roots A-G with accidentals, the types abc2midi knows, an optional
    bass; searched character by character) and closes it; on a middle beat it may also go on with the melody.
    A bar's first note always gets a chord: left the choice, the model writes one in the first bar and none after,
    because a bar without a chord makes the tune look like one of its chordless collections, after which every
    chord costs it 5 nats. A beam of hypotheses, each with its own LSTM state, is ranked by the model's
    log-probability of everything written so far; they go through the model as one batch, the melody up to the
    next place as one call. Ties keep the earlier hypothesis, so the search is deterministic.
    """
    options = options or HarmonizeOptions()
    _check(tune)
    tune_layout = layout(tune, per=options.per)
    places, deletions = _plan(tune, tune_layout, options)
    text = model_text(tune, deletions)
    if len(text.text) > MAX_TUNE_CHARS:
        raise AbcError(f"the tune is {len(text.text):,} characters long; the model reads tunes of up to "
                       f"{MAX_TUNE_CHARS:,}", path=tune.path, tune=tune.reference, line=tune.line)
    if not places:
        return Harmonization(apply_edits(tune, deletions, {}), (), len(deletions), 0, 0.0)
    starts = [text.offset(p.line, p.column) for p in places]
    kept = sorted(text.offset(s.line, s.column) for s in tune_layout.symbols if (s.line, s.column) not in deletions)
    optional = [p.beat != DOWNBEAT for p in places]
    chosen, log_prob = _search(model, text.text, starts, optional, kept, options)
    insertions = {(p.line, p.column): f'"{name}"' for p, name in zip(places, chosen, strict=True) if name}
    result = apply_edits(tune, deletions, insertions)
    harmonized = read_string(result).tunes
    if len(harmonized) != 1 or without_chord_symbols(harmonized[0]) != without_chord_symbols(tune):
        raise ModelError("harmonizing changed the melody; nothing was written", path=tune.path, line=tune.line)
    chords = tuple(ChosenChord(name, p.line, p.column, p.bar, p.beat)
                   for p, name in zip(places, chosen, strict=True) if name)
    return Harmonization(result, chords, len(deletions), len(places), log_prob)


def _search(model: OnnxModel, text: str, starts: list[int], optional: list[bool], kept: list[int],
            options: HarmonizeOptions) -> tuple[list[str | None], float]:
    """Beam search over the places at offsets `starts` of the model text: a chord name or None for each, and
    the best hypothesis's log-probability. A place may stay without a chord where `optional` says so and a
    chord stands before it; `kept` are the offsets of the chord symbols the text already holds."""
    prime = np.asarray(encode(text[:starts[0]]), dtype=np.int64)[None, :]
    logits, state = model.run(prime, model.zero_state(1))
    last = logits[:, -1, :]
    scores = np.zeros(1)
    histories: list[tuple[str | None, ...]] = [()]
    for k, start in enumerate(starts):
        segment = text[start:starts[k + 1] if k + 1 < len(starts) else len(text)]
        chord_before = bool(kept) and kept[0] < start
        free = [row for row, history in enumerate(histories) if optional[k] and (chord_before or any(history))]
        names = _chord_names_after(model, state, last, options.names)
        parts: list[tuple[np.ndarray, LstmState, np.ndarray, list[tuple[str | None, ...]]]] = []
        if free:
            gained, after, following = _feed(model, state.select(free), last[free], segment)
            parts.append((scores[free] + gained, after, following, [histories[r] + (None,) for r in free]))
        if names.rows:
            gained, after, following = _feed(model, names.state, names.logits, _QUOTE + segment)
            rows = list(names.rows)
            parts.append((scores[rows] + names.log_probs + gained, after, following,
                          [histories[r] + (n,) for r, n in zip(rows, names.names, strict=True)]))
        all_scores = np.concatenate([p[0] for p in parts])
        order = np.argsort(-all_scores, kind="stable")[:options.beam]
        state = _join([p[1] for p in parts]).select(order)
        last = np.concatenate([p[2] for p in parts])[order]
        every = [h for p in parts for h in p[3]]
        histories = [every[i] for i in order]
        scores = all_scores[order]
    return list(histories[0]), float(scores[0])
