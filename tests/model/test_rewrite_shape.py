"""Rewriting bars of a tune with pickups, on the shipped model: a part's short closing bar stays short with its bar
line, the next part's pickup stays a pickup, and the tune's last bar still ends on the tonic."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from composer.abc.tunebook import read_string
from composer.model.canonical import canonical_text
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel
from composer.model.rewrite import bars_of, rewrite_bars
from composer.model.sampling import SamplingOptions
from composer.model.span_shape import SpanShape, SpanState

# Both parts open with a one-quaver pickup, so each closes on a bar a quaver short (as The Lady Madeline Sinclair,
# Monymusk and most strathspeys are written): bar 4 is short, bar 5 is the B part's pickup, bar 9 ends the tune.
STRATHSPEY = """X:1
T:Short closing bars
R:strathspey
M:4/4
L:1/8
K:D
|:A|d>cd>e f<ad>f|e>dc>B A>BA<F|G>FG>A B<gf>e|d<fe>c d2d:|
|:e|f<af>d g<bg>e|f<af>d e>dc>A|f<af>d g<bg>e|d<fe>c d2d:|
"""


@pytest.fixture(scope="module")
def model() -> OnnxModel:
    return OnnxModel(DEFAULT_MODEL)


def _shape(tune_text: str) -> list[tuple]:
    """Every bar's number, room at its bar line and length, and the bar line after it."""
    text = canonical_text(read_string(tune_text).tunes[0])
    return [(b.number, b.room, b.length, text[b.end:b.line_end]) for b in bars_of(text)]


def test_the_tune_has_the_short_bars_the_tests_rely_on():
    rooms = {number: room for number, room, _, _ in _shape(STRATHSPEY)}
    assert rooms[0] == 7 and rooms[4] == 1 and rooms[5] == 7 and rooms[9] == 1
    assert all(rooms[n] == 0 for n in (1, 2, 3, 6, 7, 8))


@pytest.mark.parametrize(("first", "last", "real"), [
    (4, 4, "d<fe>c d2d"),                        # a part's short closing bar, its `:|` after the span
    (3, 4, "G>FG>A B<gf>e|d<fe>c d2d"),          # ... with the full bar before it
    (4, 5, "d<fe>c d2d:|\n|:e"),                 # the short bar, the parts' bar lines, the next part's pickup
    (5, 6, "e|f<af>d g<bg>e"),                   # the pickup and the part's first full bar
    (8, 9, "f<af>d g<bg>e|d<fe>c d2d"),          # the tune's short last bar
])
def test_each_rewritten_bar_is_as_long_as_the_bar_it_replaces(model, judge, first, last, real):
    tune = read_string(STRATHSPEY).tunes[0]
    rewrite = rewrite_bars(model, tune, first, last, count=3, samples=8, sampling=SamplingOptions(seed=2))
    assert rewrite.original.text == real
    assert rewrite.candidates, "no sampled span fits the bars"
    before = _shape(STRATHSPEY)
    for candidate in rewrite.candidates:
        text = rewrite.tune_text(candidate)
        assert text.startswith(STRATHSPEY[:STRATHSPEY.index(real)])
        assert text.endswith(STRATHSPEY[STRATHSPEY.index(real) + len(real):])
        assert _shape(text) == before, candidate.text  # lengths, rooms and bar lines, bar by bar
        assert candidate.text != real
        assert judge(text) == [], text
        if "\n" in real:
            assert ":|\n|:" in candidate.text


def test_a_rewritten_last_bar_ends_on_the_tonic(model):
    tune = read_string(STRATHSPEY).tunes[0]
    rewrite = rewrite_bars(model, tune, 9, 9, count=4, samples=12, sampling=SamplingOptions(seed=4))
    assert rewrite.candidates
    for candidate in rewrite.candidates:
        notes = re.sub(r'"[^"]*"|![^!]*!', "", candidate.text)
        assert re.findall(r"[A-Ga-g]", notes)[-1] in "Dd", candidate.text


def test_a_span_state_takes_the_bars_as_written_and_nothing_of_another_length_or_bar_line():
    text = canonical_text(read_string(STRATHSPEY).tunes[0])
    bars = {b.number: b for b in bars_of(text)}
    shape = SpanShape((bars[4].length, bars[5].length), (text[bars[4].end:bars[5].start],))
    assert shape == SpanShape((Fraction(7), Fraction(1)), (":|\n|:",))
    start = SpanState.start(text[:bars[4].start], shape)

    def fed(chars: str) -> SpanState | None:
        state = start
        for ch in chars:
            state = state.advance(ch) if state is not None else None
        return state

    assert fed("d<fe>c d2d:|\n|:e") is not None and fed("d<fe>c d2d:|\n|:e").bars_done == 1
    assert fed("d<fe>c d2") is not None and fed("d<fe>c d2|") is None  # a quaver short of the bar it replaces
    assert fed("d<fe>c d2d|") is None and fed("d<fe>c d2d:|\n|:|") is None  # the bar lines as written
    assert fed("d<fe>c d2d:|\n|:e2") is None  # the pickup is one quaver
    assert fed("d<fe>c d2d:|\n|:e").advance("|") is not None  # ... and then its bar line, where the span stops
