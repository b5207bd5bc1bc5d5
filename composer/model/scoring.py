"""How well a model predicts tunes: nats per body character over canonical tunes, through onnxruntime."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from composer.abc.tunebook import Tune
from composer.model.canonical import body_start, canonical_text
from composer.model.onnx_model import OnnxModel
from composer.model.vocab import encode


@dataclass(frozen=True)
class Score:
    """Total negative log-likelihood of the body characters, their count, and the number of tunes."""

    nats: float
    chars: int
    tunes: int

    @property
    def nats_per_char(self) -> float:
        return self.nats / self.chars if self.chars else float("nan")


def score_text(model: OnnxModel, text: str) -> tuple[float, int]:
    """(nats, characters) of the body of one canonical tune: every character after the K: line, final empty
    line included, each predicted from everything before it, starting from the zero state."""
    tokens = np.array([encode(text)], dtype=np.int64)
    logits, _ = model.run(tokens[:, :-1], model.zero_state(1))
    logits = logits[0].astype(np.float64)
    log_probs = logits - logits.max(axis=-1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
    targets = tokens[0, 1:]
    first = max(body_start(text) - 1, 0)  # target t is character t + 1
    picked = log_probs[np.arange(len(targets)), targets][first:]
    return float(-picked.sum()), len(picked)


def score_tunes(model: OnnxModel, tunes: Iterable[Tune]) -> Score:
    """The model's score over the canonical text of `tunes` (tunes without music are skipped)."""
    nats, chars, count = 0.0, 0, 0
    for tune in tunes:
        if not tune.body:
            continue
        tune_nats, tune_chars = score_text(model, canonical_text(tune))
        nats += tune_nats
        chars += tune_chars
        count += 1
    return Score(nats, chars, count)
