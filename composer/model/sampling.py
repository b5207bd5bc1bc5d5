"""Choosing the next character from logits: greedy, temperature, top-k and top-p, seeded, optionally vetoed.

`Sampler(options, candidates)` keeps one random generator per candidate, seeded from `options.seed` and the
candidate's index, so a seed reproduces every candidate. `sampler.choose(candidate, logits, accepts, allowed)` draws
from the filtered distribution (temperature, then top-k, then top-p); when `accepts(id)` refuses a draw, that
character is taken out and the draw repeated within the filtered set; if the veto empties the set, the draw falls
back to `allowed()` (a boolean mask over the vocabulary) on the temperature-scaled distribution alone. Greedy takes
the most likely accepted character.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SamplingOptions:
    """How characters are drawn. temperature 0 or greedy=True means always the most likely one."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    greedy: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError("temperature must be at least 0")
        if self.top_k < 0:
            raise ValueError("top-k must be at least 0 (0 = off)")
        if not 0 < self.top_p <= 1:
            raise ValueError("top-p must be in (0, 1]")

    @property
    def is_greedy(self) -> bool:
        return self.greedy or self.temperature == 0


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities along the last axis of `logits / temperature` (float64 for exact sums)."""
    scaled = np.asarray(logits, dtype=np.float64) / max(temperature, 1e-6)
    scaled -= scaled.max(axis=-1, keepdims=True)
    np.exp(scaled, out=scaled)
    scaled /= scaled.sum(axis=-1, keepdims=True)
    return scaled


def filtered(probabilities: np.ndarray, top_k: int = 0, top_p: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights) of the characters kept by top-k then top-p, most likely first, weights summing to 1."""
    order = np.argsort(-probabilities, kind="stable")
    if top_k:
        order = order[:top_k]
    weights = probabilities[order]
    if top_p < 1.0:
        cumulative = np.cumsum(weights) / weights.sum()
        keep = int(np.searchsorted(cumulative, top_p) + 1)
        order, weights = order[:keep], weights[:keep]
    return order, weights / weights.sum()


#: Vetoed draws after which the rest of the filtered set is masked in one go.
VETOES_BEFORE_MASK = 2


class Sampler:
    """One seeded random stream per candidate and the drawing rules of `SamplingOptions`."""

    def __init__(self, options: SamplingOptions, candidates: int = 1) -> None:
        self.options = options
        base = options.seed
        self.rngs = [np.random.default_rng(None if base is None else [base, i]) for i in range(candidates)]

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Temperature-scaled probabilities for a [batch, vocab] block of logits."""
        return softmax(logits, self.options.temperature if not self.options.is_greedy else 1.0)

    def choose(self, candidate: int, probabilities: np.ndarray,
               accepts: Callable[[int], bool] | None = None,
               allowed: Callable[[], np.ndarray] | None = None) -> int:
        """The next token id for `candidate` from its probability row, honouring `accepts` (see the module)."""
        opts = self.options
        if opts.is_greedy:
            for token in np.argsort(-probabilities, kind="stable"):
                if accepts is None or accepts(int(token)):
                    return int(token)
            raise ValueError("no character is allowed here")
        ids, weights = filtered(probabilities, opts.top_k, opts.top_p)
        rng = self.rngs[candidate]
        weights = weights.copy()
        for attempt in range(len(ids)):
            if attempt == VETOES_BEFORE_MASK and allowed is not None:
                weights *= allowed()[ids]  # many vetoes: mask the rest of the set at once (same distribution)
            total = weights.sum()
            if total <= 0:
                break
            pick = int(np.searchsorted(np.cumsum(weights), rng.random() * total, side="right"))
            pick = min(pick, len(ids) - 1)
            token = int(ids[pick])
            if accepts is None or accepts(token):
                return token
            weights[pick] = 0.0
        if allowed is None:
            raise ValueError("no character is allowed here")
        mask = allowed()
        masked = np.where(mask, probabilities, 0.0)
        total = masked.sum()
        if total <= 0:
            if not mask.any():
                raise ValueError("no character is allowed here")
            masked = mask.astype(np.float64)
            total = masked.sum()
        cumulative = np.cumsum(masked)
        return int(min(np.searchsorted(cumulative, rng.random() * total, side="right"), len(masked) - 1))
