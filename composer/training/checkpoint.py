"""Self-describing checkpoints (config, weights, optimizer, progress), written atomically, loaded weights-only."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from composer.errors import TrainingError
from composer.training.config import ModelConfig, TrainConfig
from composer.training.lstm import CharLSTM


@dataclass(frozen=True)
class Progress:
    """Where a run stands: enough to resume it exactly at a batch boundary."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    elapsed: float = 0.0
    chars_seen: int = 0
    best_nats: float = float("inf")
    best_step: int = 0
    evaluations_since_best: int = 0


def save_checkpoint(path: Path, model: CharLSTM, train_config: TrainConfig, progress: Progress,
                    optimizer: torch.optim.Optimizer | None = None, extra: dict | None = None) -> None:
    """Write a checkpoint next to `path` and move it into place, so a crash leaves the old one whole."""
    payload = {
        "format": "composer-checkpoint-1",
        "model_config": model.config.to_dict(),
        "train_config": train_config.to_dict(),
        "model": model.state_dict(),
        "progress": {k: getattr(progress, k) for k in Progress.__dataclass_fields__},
        "extra": extra or {},
    }
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    """The checkpoint's payload, loaded with `weights_only=True`."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as exc:
        raise TrainingError(f"cannot read checkpoint: {exc}", path=str(path)) from exc
    if not isinstance(payload, dict) or payload.get("format") != "composer-checkpoint-1":
        raise TrainingError("not a Composer checkpoint", path=str(path))
    return payload


def model_from_checkpoint(payload: dict) -> CharLSTM:
    """Rebuild the model from a checkpoint alone."""
    model = CharLSTM(ModelConfig.from_dict(payload["model_config"]))
    model.load_state_dict(payload["model"])
    return model


def progress_of(payload: dict) -> Progress:
    return Progress(**payload["progress"])
