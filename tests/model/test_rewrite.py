"""Rewriting bars with a real (tiny) ONNX model: bar numbering, the span kept in shape, the ranking, refusals."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from composer.abc.tunebook import read_string
from composer.errors import AbcError
from composer.model.canonical import canonical_text
from composer.model.onnx_model import OnnxModel
from composer.model.rewrite import bars_of, rewrite_bars
from composer.model.sampling import SamplingOptions
from composer.model.vocab import encode

KESH = """X:3
T:The Kesh
R:jig
M:6/8
L:1/8
K:G
% a comment line the model does not read
|:GAG GAB|ABA ABd|edd gdd|edB dBA|
GAG GAB|ABA ABd|edd gdB|AGF G3:|
|:BAB dBd|ege dBA|BAB dBG|ABA AGA|  % a comment after the music
BAB dBd|ege dBd|gfg aga|bgg g3:|
"""

PICKUP = """X:7
T:Pickup and endings
R:reel
M:4/4
L:1/8
K:D
|:A|dfed cdec|dBAF GFEF|DEFG AFAB|defd edBA|
dfed cdec|dBAF GFEF|1DEFG ABde:|2DEFG ABdc||
"""


@pytest.fixture(scope="module")
def model(tiny_onnx_model) -> OnnxModel:
    return OnnxModel(tiny_onnx_model)


def _bars(tune_text: str) -> list[tuple[int, str, Fraction | None]]:
    text = canonical_text(read_string(tune_text).tunes[0])
    return [(b.number, text[b.start:b.end], b.room) for b in bars_of(text)]


def test_bars_are_numbered_from_the_first_full_bar_with_endings_outside_them():
    bars = _bars(PICKUP)
    assert bars[0] == (0, "A", Fraction(7))
    assert bars[1] == (1, "dfed cdec", 0)
    assert bars[-2:] == [(7, "DEFG ABde", 0), (8, "DEFG ABdc", 0)]
    assert [n for n, _, _ in _bars(KESH)] == list(range(1, 17))


def test_a_rewrite_keeps_the_bar_count_and_the_music_around_it(model, judge):
    tune = read_string(KESH).tunes[0]
    rewrite = rewrite_bars(model, tune, 5, 6, count=4, samples=8, sampling=SamplingOptions(seed=3))
    assert 1 <= len(rewrite.candidates) <= 4 and rewrite.samples == 8
    assert rewrite.original.text == "GAG GAB|ABA ABd"
    assert rewrite.start == (9, 1) and rewrite.end == (9, 16)
    before = _bars(KESH)
    for candidate in rewrite.candidates:
        text = rewrite.tune_text(candidate)
        assert text.startswith(KESH[:KESH.index("GAG GAB|ABA ABd|edd gdB")])
        assert text.endswith("|edd gdB|AGF G3:|\n" + KESH[KESH.index("|:BAB"):])
        after = _bars(text)
        assert len(after) == len(before)
        assert [b for b in after if b[0] not in (5, 6)] == [b for b in before if b[0] not in (5, 6)]
        assert all(room == 0 for n, _, room in after if n in (5, 6))
        assert judge(text) == [], text


def test_the_ranking_is_the_log_probability_of_the_music_after_the_span(model):
    tune = read_string(KESH).tunes[0]
    rewrite = rewrite_bars(model, tune, 3, 4, count=3, samples=6, sampling=SamplingOptions(seed=5))
    following = [c.following for c in rewrite.ranked]
    assert following == sorted(following, reverse=True) and len(rewrite.ranked) >= 2
    text = canonical_text(tune)
    start = text.index("edd gdd|edB dBA")
    after = text[start + len("edd gdd|edB dBA"):]
    for candidate in [rewrite.original, *rewrite.ranked[:2]]:
        whole = text[:start] + candidate.text + after  # fed afresh from the tune's start
        logits, _ = model.run(np.asarray([encode(whole)], dtype=np.int64)[:, :-1], model.zero_state(1))
        log_probs = logits[0].astype(np.float64)
        log_probs -= log_probs.max(axis=-1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
        picked = log_probs[np.arange(len(whole) - 1), encode(whole)[1:]]
        span_from = start + len(candidate.text)
        assert picked[span_from - 1:].sum() == pytest.approx(candidate.following, abs=2e-3)
        assert picked[start - 1:span_from - 1].sum() == pytest.approx(candidate.own, abs=2e-3)
    together = rewrite_bars(model, tune, 3, 4, count=3, samples=6, sampling=SamplingOptions(seed=5), rank="together")
    assert {c.text for c in together.ranked} == {c.text for c in rewrite.ranked}
    assert [c.together for c in together.ranked] == sorted((c.together for c in together.ranked), reverse=True)


def test_a_seed_reproduces_a_rewrite(model):
    tune = read_string(KESH).tunes[0]
    first = rewrite_bars(model, tune, 2, 2, samples=4, sampling=SamplingOptions(seed=9)).ranked
    assert first == rewrite_bars(model, tune, 2, 2, samples=4, sampling=SamplingOptions(seed=9)).ranked


@pytest.mark.parametrize(("tune_text", "first", "last", "said", "line"), [
    (KESH, 16, 17, "outside the tune: it has bars 1-16", 1),
    (KESH, 12, 13, "does not read", 10),
    (PICKUP, 6, 7, "cross the start of an ending", 8),
    (KESH.replace("K:G\n", ""), 1, 1, "K: is missing", 1),
    (KESH.replace("M:6/8", "M:none"), 1, 1, "cannot be measured", 1),
    (KESH.replace("M:6/8", "M:0/4"), 1, 1, "cannot be rewritten: M:0/4 has no beats in a bar", 4),
])
def test_bad_requests_are_refused_with_the_place(model, tune_text, first, last, said, line):
    tune = read_string(tune_text).tunes[0]
    with pytest.raises(AbcError) as refused:
        rewrite_bars(model, tune, first, last, samples=2)
    assert said in str(refused.value) and refused.value.tune == tune.reference
    assert refused.value.line == line
