"""Fine-tuning runs on disk, without torch: the settings' defaults, run folders, unfinished runs, their requests.

The fine-tune tab imports this module (not composer.training.finetune), so the window never loads torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from composer.errors import ComposerError
from composer.paths import finetune_runs_dir

FINISHED_MARK = "finished.json"
#: The files a run folder holds; a folder with any of them is a run, never written over by another.
RUN_FILES = ("checkpoint.pt", "best.pt", "log.jsonl", "request.json", FINISHED_MARK)


@dataclass(frozen=True)
class FinetuneSettings:
    """Settings suited to a 50–500 tune tunebook: small tunebooks overfit fast, so dropout and early stopping."""

    epochs: int = 8
    learning_rate: float = 5e-4
    dropout: float = 0.3
    freeze_layers: int = 0
    augment: bool = True
    patience: int = 3
    validation_fraction: float = 0.15
    batch_size: int = 16
    seq_len: int = 128
    seed: int = 1
    threads: int = 0


def run_folder(name: str) -> Path:
    """The folder of the fine-tuning run called `name`."""
    return finetune_runs_dir() / name


def unfinished_runs() -> list[Path]:
    """Runs with a checkpoint that never finished: the app offers to resume them."""
    root = finetune_runs_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if (p / "checkpoint.pt").is_file() and not (p / FINISHED_MARK).is_file())


def holds_a_run(folder: Path) -> bool:
    """Whether `folder` holds any file of a training run."""
    return any((folder / name).exists() for name in RUN_FILES)


def fresh_run_folder(wanted: Path) -> Path:
    """`wanted`, created, or when it holds a run already the first of `wanted-2`, `wanted-3`, ... that does not:
    starting again never deletes a person's run (an interrupted one can still be resumed from its folder)."""
    candidate, number = wanted, 1
    while True:
        if not holds_a_run(candidate):
            try:
                candidate.mkdir(parents=True, exist_ok=True)
                return candidate
            except FileExistsError:  # a file of that name: not a folder to run in
                pass
        number += 1
        candidate = wanted.with_name(f"{wanted.name}-{number}")


def load_request(run_dir: Path) -> dict:
    """The request a run was started with (to resume it with the same base, data and settings)."""
    try:
        return json.loads((run_dir / "request.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ComposerError(f"not a fine-tuning run: {exc}", path=str(run_dir)) from exc
