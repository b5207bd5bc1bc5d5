"""Self-describing checkpoints (config, weights, optimizer, progress), written atomically, loaded weights-only."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from composer.errors import TrainingError
from composer.training.config import ModelConfig, TrainConfig
from composer.training.lstm import CharLSTM

FORMAT = "composer-checkpoint-1"
NOT_A_CHECKPOINT = "not a Composer checkpoint (damaged, cut short, or another program's file)"


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
        "format": FORMAT,
        "model_config": model.config.to_dict(),
        "train_config": train_config.to_dict(),
        "model": model.state_dict(),
        "progress": {k: getattr(progress, k) for k in Progress.__dataclass_fields__},
        "extra": extra or {},
        "rng": random_state(),
    }
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(payload, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:  # torch reports a failed write (a full disk) as a RuntimeError
        tmp.unlink(missing_ok=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "the write failed (is the disk full?)"
        raise TrainingError(f"cannot write the checkpoint: {reason}; the one before it was kept",
                            path=str(path)) from exc


def load_checkpoint(path: Path) -> dict:
    """The checkpoint's payload, loaded with `weights_only=True` (never otherwise: a checkpoint is data, not code).

    A file that is missing or unreadable says why; any other file torch cannot read weights-only, or whose
    contents are not a Composer checkpoint, is "not a Composer checkpoint" (torch's own message is not passed on:
    it suggests loading the file unsafely)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TrainingError(f"cannot read checkpoint: {exc.strerror or exc}", path=str(path)) from exc
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001  (UnpicklingError, RuntimeError, EOFError, OSError: not a file of ours)
        raise TrainingError(NOT_A_CHECKPOINT, path=str(path)) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT \
            or not {"model_config", "model", "progress"} <= payload.keys():
        raise TrainingError(NOT_A_CHECKPOINT, path=str(path))
    return payload


def random_state() -> dict:
    """torch's random generators (CPU, and CUDA where in use): dropout draws from them, so a resumed run must
    go on from the same state to be bit-exact. Batch order and augmentation are seeded per epoch already."""
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_random_state(payload: dict) -> None:
    """Put torch's generators back where the checkpoint's run left them (older checkpoints have no state)."""
    state = payload.get("rng") or {}
    if "torch" in state:
        torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def model_from_checkpoint(payload: dict) -> CharLSTM:
    """Rebuild the model from a checkpoint alone."""
    model = CharLSTM(ModelConfig.from_dict(payload["model_config"]))
    model.load_state_dict(payload["model"])
    return model


def progress_of(payload: dict) -> Progress:
    return Progress(**payload["progress"])
