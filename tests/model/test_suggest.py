"""Suggestions as you type with a real (tiny) ONNX model: the incremental state cache and the next bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.tunes import KESH as KESH_FIRST_PART

from composer.abc.tunebook import read_string, read_tunebook
from composer.model.canonical import canonical_text
from composer.model.constraint import AbcState
from composer.model.form import AUTO
from composer.model.form_plan import plan_form
from composer.model.form_state import FormState
from composer.model.onnx_model import OnnxModel
from composer.model.rewrite import bars_of
from composer.model.sampling import SamplingOptions
from composer.model.state_cache import StateCache, auto_form, header_fields
from composer.model.suggest import ends_at_bar, prime_before_cursor, suggest_next_bar
from composer.model.vocab import encode

REPO = Path(__file__).resolve().parents[2]
KESH = KESH_FIRST_PART + "|:BAB dBd|ege dBA|BAB dBG|ABA AGA|\nBAB dBd|ege dBd|gfg aga|bgg g3:|\n"


@pytest.fixture(scope="module")
def model(tiny_onnx_model) -> OnnxModel:
    return OnnxModel(tiny_onnx_model)


def _fresh(model: OnnxModel, text: str):
    logits, state = model.run(np.asarray([encode(text)], dtype=np.int64), model.zero_state(1))
    return logits[0, -1], state


def _assert_same(cache: StateCache, model: OnnxModel) -> None:
    point = cache.at_end()
    logits, state = _fresh(model, cache.text)
    assert point.chars == len(cache.text)
    np.testing.assert_allclose(point.logits, logits, atol=1e-4)
    for ours, theirs in zip(point.state.arrays, state.arrays, strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-4)
    reading = FormState.for_prime(cache.text, strict=False)
    assert point.reading.music.key() == reading.music.key()
    assert point.reading.written() == reading.written()


def test_the_cache_after_typing_and_edits_equals_a_fresh_feed(model):
    text = canonical_text(read_string(KESH).tunes[0]).rstrip("\n")
    cache = StateCache(model, every=16)
    for end in range(40, 120):  # typing, a character at a time
        upkeep = cache.update(text[:end])
        assert (upkeep.fed, upkeep.calls) == (1, 1) or end == 40
    _assert_same(cache, model)
    edited = text[:70] + "B" + text[71:150]  # a note changed earlier in the tune, and more typed
    upkeep = cache.update(edited)
    assert upkeep.changed_at == 70 and upkeep.fed == len(edited) - 64  # from the checkpoint at 64
    _assert_same(cache, model)
    cache.update(edited[:95])  # the cursor moved back
    _assert_same(cache, model)
    cache.update(text)
    _assert_same(cache, model)
    assert cache.checkpoints == tuple(range(0, len(text) + 1, 16))


def test_an_unchanged_text_feeds_nothing(model):
    cache = StateCache(model)
    cache.update("X:1\nT:a\nM:4/4\nL:1/8\nK:D\n")
    assert cache.update("X:1\nT:a\nM:4/4\nL:1/8\nK:D\n").fed == 0


def _cuts(tune_text: str) -> list[str]:
    """The canonical text of `tune_text` cut after every bar line of its body."""
    text = canonical_text(read_string(tune_text).tunes[0]).rstrip("\n")
    return [text[:b.line_end] for b in bars_of(text + "\n\n")]


def test_kept_state_and_auto_form_stand_for_what_they_replace():
    """The cache builds the constraint from its reading; it must be the one a prime read afresh gives."""
    book = read_tunebook(REPO / "benchmarks" / "data" / "unseen_session.abc")
    for tune_text in [KESH, *(t.text() for t in book.tunes[:6])]:
        for prime in _cuts(tune_text):
            reading = FormState.for_prime(prime, strict=False)
            rhythm, meter = header_fields(prime)
            form = auto_form(reading.written(), rhythm, meter)
            assert form == plan_form(AUTO, prime, rhythm=rhythm, meter=meter).form, prime
            ours, theirs = reading.kept(prime, form), FormState.for_prime(prime, form)
            for slot in FormState.__slots__:
                if slot == "music":
                    assert ours.music.key() == theirs.music.key(), prime
                elif slot != "_situation":
                    assert getattr(ours, slot) == getattr(theirs, slot), (slot, prime)


def test_suggestions_are_whole_bars_of_the_meter_that_abc2midi_reads(model, judge):
    cache = StateCache(model)
    for prime in _cuts(KESH)[:12]:
        cache.update(prime)
        assert ends_at_bar(cache)
        suggestions = suggest_next_bar(cache, sampling=SamplingOptions(seed=4))
        assert 1 <= len(suggestions.items) <= 3 and suggestions.calls >= 1
        assert len({s.text for s in suggestions.items}) == len(suggestions.items)
        assert [s.log_prob for s in suggestions.items] == sorted((s.log_prob for s in suggestions.items), reverse=True)
        for s in suggestions.items:
            music = AbcState.for_prime(prime + s.text, strict=False)
            assert music.bars_done == AbcState.for_prime(prime, strict=False).bars_done + 1, s.text
            bars = bars_of(prime + s.text + "\n\n")
            assert bars[-1].room == 0 and s.text.rstrip().endswith(("|", ":|", "::", "||", "|]")), s.text
            tune = prime + s.text
            closing = FormState.for_prime(tune, None).completion()
            assert closing is not None
            assert judge(tune + closing) == [], tune + closing


def test_at_a_parts_end_the_suggestion_closes_the_part(model):
    """Bar 8 of the Kesh's A part: the form (jig: AABB of 8 bars) wants the repeat closed there (`::` also opens
    the B part's)."""
    source = KESH[:KESH.index("edd gdB|") + len("edd gdB|")]
    prime = prime_before_cursor(source)
    cache = StateCache(model)
    cache.update(prime)
    suggestions = suggest_next_bar(cache, sampling=SamplingOptions(seed=2))
    assert suggestions.form.startswith("AABB")
    assert suggestions.items and all(s.text.endswith((":|", "::")) for s in suggestions.items)
    assert all(bars_of(prime + s.text + "\n\n")[-1].room == 0 for s in suggestions.items)


def test_the_bar_four_back_is_offered_again_where_the_constraint_lets_it_stand(model):
    cache = StateCache(model)
    cache.update(_cuts(KESH)[3])  # after `edB dBA|`: bar 1 was `GAG GAB`
    suggestions = suggest_next_bar(cache, sampling=SamplingOptions(seed=1))
    repeats = [s for s in suggestions.items if s.source != "model"]
    assert [(s.source, s.text) for s in repeats] == [("repeat 4", "GAG GAB|")]
    assert len(suggestions.items) <= 3
    only_sampled = suggest_next_bar(cache, sampling=SamplingOptions(seed=1), repeats=())
    assert all(s.source == "model" for s in only_sampled.items)


def test_a_seed_reproduces_the_suggestions(model):
    cache = StateCache(model)
    cache.update(_cuts(KESH)[2])
    first = suggest_next_bar(cache, sampling=SamplingOptions(seed=7)).items
    assert first == suggest_next_bar(cache, sampling=SamplingOptions(seed=7)).items
    others = {s.text for seed in range(8) for s in suggest_next_bar(cache, sampling=SamplingOptions(seed=seed)).items}
    assert len(others) > 3


def test_the_cursor_at_a_bar_end_and_elsewhere():
    assert prime_before_cursor("X:1\nT:x\nM:4/4\n") is None  # no K: yet
    prime = prime_before_cursor(KESH[:KESH.index("ABA ABd")])
    assert prime.endswith("|:GAG GAB|") and prime.startswith("X:1\nT:The Kesh\nR:jig\nM:6/8\nL:1/8\nK:G\n")


def test_ends_at_bar(tiny_onnx_model):
    cache = StateCache(OnnxModel(tiny_onnx_model))
    header = "X:1\nT:x\nM:4/4\nL:1/8\nK:D\n"
    for text, expected in [(header + "ABcd efga|", True), (header + "ABcd efga| ", True), (header + "ABcd ef", False),
                           (header + "|", False), (header + "|:", True), (header + "ABcd efga|\n", True),
                           (header[:-4], False)]:
        cache.update(text)
        assert ends_at_bar(cache) == expected, text
