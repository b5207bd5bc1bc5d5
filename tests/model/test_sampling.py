"""The sampler: greedy, temperature, top-k, top-p, seeds, and the constraint's veto."""

from __future__ import annotations

import numpy as np
import pytest

from composer.model.sampling import Sampler, SamplingOptions, filtered, softmax

LOGITS = np.log(np.array([[0.5, 0.2, 0.15, 0.1, 0.05]]))


def draws(options: SamplingOptions, n: int = 400, accepts=None, allowed=None) -> list[int]:
    sampler = Sampler(options, 1)
    probabilities = sampler.probabilities(LOGITS)[0]
    return [sampler.choose(0, probabilities, accepts, allowed) for _ in range(n)]


def test_greedy_takes_the_likeliest_accepted_character():
    assert set(draws(SamplingOptions(greedy=True), 5)) == {0}
    assert set(draws(SamplingOptions(temperature=0), 5, accepts=lambda t: t != 0)) == {1}


def test_a_seed_reproduces_and_candidates_differ():
    a = draws(SamplingOptions(seed=7))
    assert a == draws(SamplingOptions(seed=7))
    assert a != draws(SamplingOptions(seed=8))
    sampler = Sampler(SamplingOptions(seed=7), 2)
    p = sampler.probabilities(LOGITS)[0]
    assert [sampler.choose(0, p) for _ in range(50)] != [sampler.choose(1, p) for _ in range(50)]


def test_draws_follow_the_distribution_and_temperature_sharpens_it():
    counts = np.bincount(draws(SamplingOptions(seed=1), 4000), minlength=5) / 4000
    assert np.allclose(counts, [0.5, 0.2, 0.15, 0.1, 0.05], atol=0.03)
    cold = np.bincount(draws(SamplingOptions(seed=1, temperature=0.3), 2000), minlength=5) / 2000
    assert cold[0] > 0.9


def test_top_k_and_top_p_keep_only_the_head():
    assert set(draws(SamplingOptions(seed=2, top_k=2))) == {0, 1}
    assert set(draws(SamplingOptions(seed=2, top_p=0.8))) == {0, 1, 2}
    ids, weights = filtered(softmax(LOGITS)[0], top_k=3)
    assert list(ids) == [0, 1, 2] and weights.sum() == pytest.approx(1.0)


def test_a_veto_removes_characters_and_falls_back_to_the_allowed_mask():
    assert 0 not in draws(SamplingOptions(seed=3), accepts=lambda t: t != 0)
    allowed = np.array([False, False, False, False, True])
    picks = draws(SamplingOptions(seed=3, top_k=2), 50, accepts=lambda t: t == 4, allowed=lambda: allowed)
    assert set(picks) == {4}


def test_bad_options_are_refused():
    for bad in ({"temperature": -1}, {"top_k": -1}, {"top_p": 0}, {"top_p": 1.5}):
        with pytest.raises(ValueError):
            SamplingOptions(**bad)
