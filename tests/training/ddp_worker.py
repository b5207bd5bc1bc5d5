"""Run under torchrun by test_distributed.py: a few tiny-model steps, then each replica saves its weights."""

import sys
from pathlib import Path

import torch

from composer.training.config import load_preset
from composer.training.corpus import build_corpus
from composer.training.loop import Trainer

data, out = sys.argv[1], Path(sys.argv[2])
corpus = build_corpus([data], 0.1, validate=False)
preset = load_preset("tiny")
trainer = Trainer(preset.model, preset.train.with_budget(max_steps=12), corpus, out)
steps = sum(1 for event in trainer.run() if type(event).__name__ == "TrainStep")
rank = trainer.dist.rank
torch.save({"steps": steps, "world": trainer.dist.world_size, "weights": trainer.core_model.state_dict()},
           out / f"replica{rank}.pt")
trainer.dist.close()
