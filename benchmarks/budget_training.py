"""Shared by the training benchmarks: train a preset for a fixed time with no evaluation on the way, and the
unseen tunebooks its models are scored on."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from composer.training.config import Preset
from composer.training.corpus import Corpus
from composer.training.loop import Trainer, TrainingFinished, TrainStep

ROOT = Path(__file__).resolve().parents[1]
#: Tunebooks in none of the training collections (written out for the project; resources/ has chord symbols).
UNSEEN_TUNEBOOKS = [str(ROOT / "benchmarks" / "data" / "unseen.abc"), str(ROOT / "resources" / "examples.abc")]


@dataclass(frozen=True)
class BudgetRun:
    """A finished run: its trainer (model and progress), typical speed and the loop's last event."""

    trainer: Trainer
    chars_per_second: float  # mean of the last 20 steps
    finished: TrainingFinished


def train_for(preset: Preset, corpus: Corpus, minutes: float, threads: int) -> BudgetRun:
    """Train `preset`'s model on `corpus` for `minutes` with `threads`, evaluating only at the end."""
    config = replace(preset.train, minutes=minutes, max_steps=None, eval_every=10**9, patience=10**9,
                     threads=threads)
    rates: list[float] = []
    finished = None
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(preset.model, config, corpus, Path(tmp))
        for event in trainer.run():
            if isinstance(event, TrainStep):
                rates.append(event.chars_per_second)
            elif isinstance(event, TrainingFinished):
                finished = event
    if finished is None:
        raise RuntimeError("the training loop ended without its TrainingFinished event")
    last = rates[-20:]
    return BudgetRun(trainer, sum(last) / max(len(last), 1), finished)
