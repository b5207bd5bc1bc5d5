"""Rewrite selected bars: K sampled spans of exactly those bars, ranked by how well the music after them follows.

    rewrite = rewrite_bars(model, tune, first=5, last=6, count=4, samples=16)
    for candidate in rewrite.candidates:          # best first
        new_source = rewrite.tune_text(candidate)  # the tune's source with the span replaced

The span runs from just after the bar line before bar `first` (a line break after it stays outside) to the bar line
after bar `last`, which stays as written. Bars are counted as musicians number them: the first full bar is 1, a
pickup is bar 0 (a later part's pickup is numbered like a bar). The prefix goes through the model once; K spans are
sampled as one batch, each bar valid music exactly as long as the bar it replaces (a part's short closing bar and
the next part's pickup included) and the bar lines between them as written (`model/span_shape.py`); then every
span's state goes on through the text after the span, all K as one batch, and the spans are ranked by the
log-probability of that text.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from composer.abc.checker import export_blockers
from composer.abc.diagnostic import printable
from composer.abc.tunebook import Tune
from composer.errors import AbcError
from composer.model.bar_sampling import Start, draw_bars, room_left
from composer.model.canonical import body_start, canonical_body_lines, canonical_header
from composer.model.constraint import AbcState, Kind
from composer.model.onnx_model import MAX_TUNE_CHARS, OnnxModel
from composer.model.sampling import SamplingOptions
from composer.model.span_shape import SpanShape, SpanState
from composer.model.vocab import encode, to_vocab

#: Spans sampled unless asked otherwise.
SAMPLES = 16
#: How spans are drawn unless asked otherwise: a little cooler than new tunes, for likelier bars.
REWRITE_SAMPLING = SamplingOptions(temperature=0.8, top_p=0.95)
#: What a span may be ranked by (a `Candidate` attribute): the text after it, or the span and that text.
RANKINGS = ("following", "together")


@dataclass(frozen=True)
class Bar:
    """One bar of canonical text: its number, where its notes start, where its closing bar line starts and ends,
    the room left in it at that bar line (0 for a full bar; None where the meter does not measure it) and its
    length (units of L:; None likewise)."""

    number: int
    start: int
    end: int
    line_end: int
    room: Fraction | None
    ending: bool = False
    length: Fraction | None = None


@dataclass(frozen=True)
class Candidate:
    """A sampled span: its text, the model's log-probability of it after the prefix (`own`), and of the text after
    it given the prefix and the span (`following`, the ranking)."""

    text: str
    own: float
    following: float

    @property
    def together(self) -> float:
        """The log-probability of the span and the text after it: the whole tune's, less the prefix's."""
        return self.own + self.following


@dataclass(frozen=True)
class Rewrite:
    """The ranked alternatives for bars `first`-`last` of `tune`, the real span's figures and what it cost."""

    tune: Tune
    first: int
    last: int
    original: Candidate
    ranked: tuple[Candidate, ...]
    rank: str
    count: int
    samples: int
    calls: int
    chars_fed: int
    seconds: float
    start: tuple[int, int]
    end: tuple[int, int]

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        """The best `count` spans, best first."""
        return self.ranked[:self.count]

    def tune_text(self, candidate: Candidate | str) -> str:
        """The tune's source text with the span replaced by `candidate`."""
        text = candidate if isinstance(candidate, str) else candidate.text
        lines = list(self.tune.source_lines)
        (a, col_a), (b, col_b) = self.start, self.end
        i, j = a - self.tune.line, b - self.tune.line
        return "".join(lines[:i]) + lines[i][:col_a - 1] + text + lines[j][col_b - 1:] + "".join(lines[j + 1:])


_ENDING = re.compile(r"\[?[0-9][0-9,-]*")
#: The text after a span that ends the tune: its last bar line alone.
_FINAL = re.compile(r"[|:\[\]]+\s*")


def bars_of(text: str) -> list[Bar]:
    """The bars of a canonical tune, numbered (a short first bar is the pickup, bar 0)."""
    reading = AbcState(strict=False)
    bars: list[Bar] = []
    content = token_start = body_start(text)
    for i, ch in enumerate(text):
        nxt = reading.advance(ch)
        if nxt is None:
            continue
        if nxt.kind == Kind.BAR and reading.kind != Kind.BAR:
            token_start = i
        if reading.kind == Kind.BAR and (nxt.kind != Kind.BAR or not nxt.text.startswith(reading.text)):
            if nxt.bars_closed > reading.bars_closed:
                room = room_left(reading)
                length = None if room is None else reading.bar_len - room
                number = len(bars) + (0 if bars and bars[0].number == 0 else 1)
                if not bars and room:
                    number = 0
                marker = _ENDING.match(text, content, token_start)  # `1` of `|1`, `[2`: the ending stays
                bars.append(Bar(number, marker.end() if marker else content, token_start, i, room, bool(marker),
                                length))
            content = i + 1 if ch == "\n" else i
        reading = nxt
    return bars


@dataclass(frozen=True)
class _Lines:
    """A tune's canonical text and, for each body line, its source line and where it starts in the text."""

    text: str
    body: int
    starts: tuple[int, ...]
    source: tuple[int, ...]


def _canonical_lines(tune: Tune) -> _Lines:
    header = canonical_header(tune.title, tune.meter, tune.unit, tune.key, tune.rhythm)
    parts, starts, source = [], [], []
    offset = len(header)
    for body_line in tune.body:
        for line in canonical_body_lines(dataclasses.replace(tune, body=(body_line,))):
            line = to_vocab(line)
            parts.append(line)
            starts.append(offset)
            source.append(body_line.line)
            offset += len(line) + 1
    return _Lines(header + "\n".join(parts) + "\n\n", len(header), tuple(starts), tuple(source))


def _refuse_unreadable(tune: Tune) -> _Lines:
    """The tune's canonical lines, or AbcError where the model cannot take it: no K:, too long, outside musical
    bounds (as `continue` refuses them)."""
    if not tune.has_key:
        raise AbcError("K: is missing: the tune's header must end with a K: line", path=tune.path,
                       tune=tune.reference, line=tune.line)
    blockers = export_blockers(tune)
    if blockers:
        first = blockers[0]
        raise AbcError(f"{printable(tune.label[:60])} cannot be rewritten: {first.message}", path=tune.path,
                       tune=tune.reference, line=first.line, column=first.column)
    lines = _canonical_lines(tune)
    if len(lines.text) > MAX_TUNE_CHARS:
        raise AbcError(f"the tune is {len(lines.text):,} characters long; the model reads tunes of up to "
                       f"{MAX_TUNE_CHARS:,}", path=tune.path, tune=tune.reference, line=tune.line)
    return lines


def _source_place(tune: Tune, lines: _Lines, offset: int) -> tuple[int, int]:
    """(line, column) in the source of a canonical body offset (the texts agree where the span is checked)."""
    index = max(i for i, s in enumerate(lines.starts) if s <= offset)
    return lines.source[index], offset - lines.starts[index] + 1


def bars_between(tune: Tune, start: tuple[int, int], end: tuple[int, int]) -> tuple[int, int] | None:
    """(first, last): the full bars (numbered as `rewrite_bars` counts them) that a selection from source place
    `start` to `end` (line, column; 1-based, end exclusive) touches; an empty selection names the bar it stands
    in. None where it touches none (the header, a pickup alone, a tune the model cannot read)."""
    try:
        lines = _refuse_unreadable(tune)
    except AbcError:
        return None
    touched = []
    for bar in bars_of(lines.text):
        if bar.number < 1:
            continue
        begin, stop = _source_place(tune, lines, bar.start), _source_place(tune, lines, bar.end)
        if (begin < end and stop > start) if start != end else begin <= start <= stop:
            touched.append(bar.number)
    return (touched[0], touched[-1]) if touched else None


def rewrite_bars(model: OnnxModel, tune: Tune, first: int, last: int, *, count: int = 4, samples: int = SAMPLES,
                 sampling: SamplingOptions | None = None, rank: str = "following") -> Rewrite:
    """Sample `samples` spans for bars `first`-`last` of `tune` and rank them (see the module); AbcError with the
    place for a tune that cannot be rewritten there. `rank`: "following" (the text after the span, as the issue
    asks) or "together" (the span and the text after it: the whole tune's log-probability)."""
    if rank not in RANKINGS:
        raise ValueError(f"rank is one of {', '.join(RANKINGS)}")
    started = time.perf_counter()
    if first < 1 or last < first:
        raise AbcError(f"bars {first}-{last}: give the first and last bar, counted from 1", path=tune.path,
                       tune=tune.reference, line=tune.line)
    lines = _refuse_unreadable(tune)
    bars = [b for b in bars_of(lines.text) if b.number >= 1]
    chosen = [b for b in bars if first <= b.number <= last]
    if len(chosen) != last - first + 1:
        have = f"bars 1-{bars[-1].number}" if bars else "no full bar"
        raise AbcError(f"bars {first}-{last} are outside the tune: it has {have}", path=tune.path,
                       tune=tune.reference, line=tune.line)
    if any(b.room is None for b in chosen):
        raise AbcError(f"bars {first}-{last} cannot be measured against the tune's meter "
                       f"(M:{tune.meter or 'none'}); the model rewrites bars of a meter", path=tune.path,
                       tune=tune.reference, line=tune.line)
    inner = next((b for b in chosen[1:] if b.ending), None)
    if inner is not None:
        line, column = _source_place(tune, lines, inner.start)
        raise AbcError(f"bars {first}-{last} cross the start of an ending (bar {inner.number}); rewrite the bars "
                       "on one side of it", path=tune.path, tune=tune.reference, line=line, column=column)
    begin, end = chosen[0].start, chosen[-1].end
    start_place, end_place = _source_place(tune, lines, begin), _source_place(tune, lines, end)
    span = lines.text[begin:end]
    between = _source_between(tune, start_place, end_place)
    if between != span:
        raise AbcError(f"bars {first}-{last} hold text the model does not read (a comment, a field line or "
                       "characters outside its alphabet); rewrite fewer bars or remove it first",
                       path=tune.path, tune=tune.reference, line=start_place[0], column=start_place[1])
    prefix, following = lines.text[:begin], lines.text[end:]

    counted = _Counted(model)
    logits, state = counted.run(np.asarray([encode(prefix)], dtype=np.int64), model.zero_state(1))
    after_prefix = Start(state, logits[0, -1].copy())
    shape = SpanShape(tuple(b.length for b in chosen),
                      tuple(lines.text[b.end:after.start] for b, after in zip(chosen, chosen[1:], strict=False)),
                      _key_line(prefix) if _FINAL.fullmatch(following) else None)
    draw = draw_bars(counted, after_prefix, SpanState.start(prefix, shape), bars=len(chosen), count=samples,
                     sampling=sampling or REWRITE_SAMPLING, until="before", keep_states=True)
    drawn = [d for d in draw.drawn if d.complete and d.end is not None]
    real_logits, real_state = counted.run(np.asarray([encode(span)], dtype=np.int64), state)
    real_own = _log_prob(np.concatenate([after_prefix.logits[None], real_logits[0, :-1]]), span)
    ends = [Start(real_state, real_logits[0, -1].copy()), *(d.end for d in drawn)]
    scores = _following_log_probs(counted, ends, following)
    original = Candidate(span, real_own, float(scores[0]))
    unique = {d.text: Candidate(d.text, d.log_prob, float(score)) for d, score in zip(drawn, scores[1:], strict=True)}
    ranked = sorted(unique.values(), key=lambda c: -getattr(c, rank))
    return Rewrite(tune, first, last, original, tuple(ranked), rank, count, samples, counted.calls, counted.fed,
                   time.perf_counter() - started, start_place, end_place)


def _key_line(prefix: str) -> str | None:
    """The last K: line of the prefix (the key in force where the span starts)."""
    return next((line for line in reversed(prefix.splitlines()) if line.startswith("K:")), None)


def _source_between(tune: Tune, start: tuple[int, int], end: tuple[int, int]) -> str:
    lines = [line.rstrip("\n") for line in tune.source_lines]
    (a, col_a), (b, col_b) = start, end
    i, j = a - tune.line, b - tune.line
    if i == j:
        return lines[i][col_a - 1:col_b - 1].replace("\t", " ")
    inner = [lines[i][col_a - 1:], *lines[i + 1:j], lines[j][:col_b - 1]]
    return "\n".join(inner).replace("\t", " ")


def _log_prob(logits: np.ndarray, text: str) -> float:
    """Sum of log p(text[t] | logits[t]) for rows of `logits` [len(text), vocab]."""
    scaled = logits.astype(np.float64)
    scaled -= scaled.max(axis=-1, keepdims=True)
    log_probs = scaled - np.log(np.exp(scaled).sum(axis=-1, keepdims=True))
    return float(log_probs[np.arange(len(text)), encode(text)].sum())


def _following_log_probs(model: _Counted, ends: list[Start], following: str) -> np.ndarray:
    """log p(following | each end) for every end, as one batch."""
    state = type(ends[0].state)(tuple(np.concatenate(arrays) for arrays in zip(*(e.state.arrays for e in ends),
                                                                                 strict=True)))
    ids = np.asarray([encode(following)] * len(ends), dtype=np.int64)
    logits, _ = model.run(ids[:, :-1], state)
    first = np.stack([e.logits for e in ends])[:, None, :]
    return np.asarray([_log_prob(rows, following) for rows in np.concatenate([first, logits], axis=1)])


class _Counted:
    """A model whose calls and fed characters are counted (a rewrite reports its cost)."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self.calls = 0
        self.fed = 0

    def run(self, tokens: np.ndarray, state):
        self.calls += 1
        self.fed += int(np.asarray(tokens).size)
        return self.model.run(tokens, state)

    def zero_state(self, batch: int = 1):
        return self.model.zero_state(batch)
