"""Suggestions as you type: the next bar, three ways, from the cached state at the cursor (Qt-free core).

    cache = StateCache(model)                     # one per tune
    cache.update(prime_before_cursor(source))     # on every keystroke: feeds only what changed
    if ends_at_bar(cache):                        # the cursor rests at the end of a bar
        suggestions = suggest_next_bar(cache, count=3, sampling=SamplingOptions(seed=1))

A suggestion costs one bar of batched sampling from the cached state: the constraint (the bar fits the meter; the
form, auto, decides where a part closes, so at a part's end the bar brings the closing bar line) is built from the
reading the cache keeps, never by reading the tune again. The alternatives come most likely first, without
repeats.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from composer.abc.tunebook import read_string
from composer.model.bar_sampling import Start, Steps, draw_bars, may_end_bar_line, music_of, walk
from composer.model.canonical import canonical_body_lines, canonical_header
from composer.model.constraint import Kind, Last
from composer.model.form import Form
from composer.model.sampling import SamplingOptions
from composer.model.state_cache import StateCache, auto_form, constraint_after, header_fields
from composer.model.vocab import encode

#: Suggestions offered at once.
SUGGESTIONS = 3
#: How suggestions are drawn unless asked otherwise: a little cooler than generation, for likelier bars.
SUGGESTION_SAMPLING = SamplingOptions(temperature=0.8, top_p=0.95)
#: Bars back whose repeat is offered beside the sampled bars (tunes repeat their phrases: 4 and 8 bars back).
REPEATS = (4, 8)
_BAR_LINE = re.compile(r"\[\d|:*\|+\]?:*|::")
_CLOSINGS = ("|", ":|", "::", "||", "|]")


@dataclass(frozen=True)
class Suggestion:
    """One proposed next bar: the text to insert at the cursor, the model's log-probability of it, and where it
    comes from (`model`: sampled; `repeat N`: the bar N bars back, played again, which the model also scored)."""

    text: str
    log_prob: float
    source: str = "model"


@dataclass(frozen=True)
class Suggestions:
    """The proposals at one place, most likely first, with the form kept and what they cost."""

    items: tuple[Suggestion, ...]
    form: str
    calls: int
    seconds: float


def prime_before_cursor(source_prefix: str) -> str | None:
    """The canonical text the model reads for a tune's source text up to the cursor (None without a K: line)."""
    tunes = read_string(source_prefix).tunes
    if not tunes or not tunes[0].has_key:
        return None
    tune = tunes[0]
    body = canonical_body_lines(tune)
    prime = canonical_header(tune.title, tune.meter, tune.unit, tune.key, tune.rhythm) + "\n".join(body)
    if body and source_prefix.endswith("\n"):
        prime += "\n"
    return prime


def ends_at_bar(cache: StateCache) -> bool:
    """Whether the cached text ends at the end of a bar in the tune's body (after a bar line, spaces or a newline)."""
    music = cache.at_end().reading.music
    if music.ended or "\nK:" not in "\n" + cache.text:
        return False
    if music.kind == Kind.BAR:  # `|` at a line's start may be the first half of `|:`
        return music.bar_notes or music.text.endswith(":")
    return music.kind == Kind.NONE and music.last == Last.BAR


def suggest_next_bar(cache: StateCache, *, count: int = SUGGESTIONS, sampling: SamplingOptions | None = None,
                     form: Form | None = None, repeats: tuple[int, ...] = REPEATS) -> Suggestions:
    """`count` proposals for the bar after the cached text (fewer when some come out the same or none fits): bars
    sampled from the model and the bars `repeats` bars back played again (the likeliest of those always among
    them), the likeliest by the model first."""
    started = time.perf_counter()
    point = cache.at_end()
    if point.logits is None:
        return Suggestions((), "", 0, 0.0)
    prime = cache.text
    rhythm, meter = header_fields(prime)
    if form is None:
        form = auto_form(point.reading.written(), rhythm, meter)
    machine = constraint_after(point.reading, prime, form)
    described = form.describe()
    if music_of(machine).bar_len is None:  # no meter to fill a bar to
        return Suggestions((), described, 0, time.perf_counter() - started)
    options = sampling or SUGGESTION_SAMPLING
    start = Start(point.state, point.logits)
    steps: Steps = {}  # the constraint's steps, shared by the draw and the repeats
    draw = draw_bars(cache.model, start, machine, bars=1, count=count, sampling=options, until="after", steps=steps)
    calls = draw.calls
    if not any(d.complete for d in draw.drawn):  # the form left no way on: the music's rules alone
        described = ""
        draw = draw_bars(cache.model, start, constraint_after(point.reading, prime, None), bars=1, count=count,
                         sampling=options, until="after")
        calls += draw.calls
    pool = [Suggestion(d.text, d.log_prob) for d in draw.drawn if d.complete]
    if repeats and described:
        echoes = _repeats(prime, machine, repeats, steps)
        if echoes:
            pool += _scored(cache, echoes)
            calls += 1
    seen: set[str] = set()
    items = []
    for suggestion in sorted(pool, key=lambda s: -s.log_prob):
        notes = "".join(suggestion.text.split())
        if notes not in seen:
            seen.add(notes)
            items.append(suggestion)
    chosen = items[:count]
    echo = next((s for s in items if s.source != "model"), None)
    if echo is not None and echo not in chosen and count > 1:  # the likeliest repeat keeps a place
        chosen = sorted([*chosen[:count - 1], echo], key=lambda s: -s.log_prob)
    return Suggestions(tuple(chosen), described, calls, time.perf_counter() - started)


def _repeats(prime: str, machine, back: tuple[int, ...], steps: Steps) -> list[tuple[int, str]]:
    """The bars `back` bars before the next one, as the constraint lets them stand here (with the bar line it
    wants), each with how far back it is; the same bar twice only once, the nearer."""
    body = prime[prime.find("\nK:") + 1:].split("\n", 1)[-1] if "\nK:" in "\n" + prime else ""
    bars = [b.strip() for b in _BAR_LINE.split(body)]
    bars = [b for b in bars[:-1] if b and not b[0].isdigit()]  # complete bars; not an ending's first bar
    found, tried = [], set()
    for n in back:
        if n > len(bars):
            continue
        notes = bars[-n]
        if notes in tried:
            continue
        tried.add(notes)
        played = walk(machine, notes, steps)  # once: the closings below only differ in their last characters
        if played is None:
            continue
        for closing in _CLOSINGS:
            after = walk(played, closing, steps)
            if after is not None and may_end_bar_line(after, steps):
                found.append((n, notes + closing))
                break
    return found


def _scored(cache: StateCache, echoes: list[tuple[int, str]]) -> list[Suggestion]:
    """The model's log-probability of each repeated bar from the cached state, as one batch."""
    point = cache.at_end()
    ids = [encode(text) for _, text in echoes]
    width = max(len(i) for i in ids)
    tokens = np.asarray([i + [i[-1]] * (width - len(i)) for i in ids], dtype=np.int64)  # padding after: unread
    logits, _ = cache.model.run(tokens[:, :-1], point.state.repeat(len(echoes))) if width > 1 else (None, None)
    scored = []
    for row, ((n, text), tokens_row) in enumerate(zip(echoes, ids, strict=True)):
        rows = [point.logits] + ([] if logits is None else list(logits[row, :len(tokens_row) - 1]))
        scored.append(Suggestion(text, _log_prob(np.stack(rows), tokens_row), f"repeat {n}"))
    return scored


def _log_prob(logits: np.ndarray, tokens: list[int]) -> float:
    scaled = logits.astype(np.float64)
    scaled -= scaled.max(axis=-1, keepdims=True)
    log_probs = scaled - np.log(np.exp(scaled).sum(axis=-1, keepdims=True))
    return float(log_probs[np.arange(len(tokens)), tokens].sum())
