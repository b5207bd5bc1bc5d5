"""One dataclass for the model's shape, one for training, and the named presets stored as JSON files."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path

from composer.errors import TrainingError
from composer.model.vocab import VOCAB


def _plain(settings) -> dict:
    """A settings dataclass as JSON-ready values (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(settings).items()}


def _settings(cls, data: dict, what: str):
    """A settings dataclass from JSON values, refusing names it does not know."""
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise TrainingError(f"unknown {what} settings: {', '.join(sorted(unknown))}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


@dataclass(frozen=True)
class ModelConfig:
    """Embedding → stacked LSTM layers (each its own size) → dropout → optional dense layers → vocabulary."""

    embedding: int = 64
    layers: tuple[int, ...] = (512, 512)
    dropout: float = 0.1
    dense: tuple[int, ...] = ()
    vocab_size: int = len(VOCAB)

    def to_dict(self) -> dict:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        return _settings(cls, data, "model")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: batches, optimizer, schedule, budget, evaluation, checkpoints, augmentation."""

    batch_size: int = 64
    seq_len: int = 128
    learning_rate: float = 2e-3
    min_lr_fraction: float = 0.05
    warmup_steps: int = 100
    weight_decay: float = 0.01
    clip: float = 1.0
    minutes: float | None = None
    max_steps: int | None = None
    eval_every: int = 200
    checkpoint_every: int = 100
    patience: int = 10
    augment_semitones: tuple[int, ...] = ()
    freeze_layers: int = 0
    validation_fraction: float = 0.05
    seed: int = 1
    threads: int = 0

    def to_dict(self) -> dict:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        return _settings(cls, data, "training")

    def with_budget(self, minutes: float | None = None, max_steps: int | None = None) -> TrainConfig:
        """A copy with the time or step budget replaced where given."""
        changes = {}
        if minutes is not None:
            changes["minutes"] = minutes
        if max_steps is not None:
            changes["max_steps"] = max_steps
        return replace(self, **changes)


@dataclass(frozen=True)
class Preset:
    """A named model shape with its training settings and a note on where the shape comes from."""

    name: str
    description: str
    model: ModelConfig
    train: TrainConfig = field(default_factory=TrainConfig)


def preset_names() -> list[str]:
    """Names of the shipped presets."""
    folder = resources.files("composer.training") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_preset(name_or_path: str | Path) -> Preset:
    """A shipped preset by name, or a config file (same JSON shape) by path."""
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        text = path.read_text()
    else:
        resource = resources.files("composer.training") / "presets" / f"{name_or_path}.json"
        if not resource.is_file():
            raise TrainingError(f"no preset {name_or_path!r}; presets: {', '.join(preset_names())}")
        text = resource.read_text()
    try:
        data = json.loads(text)
        return Preset(data.get("name", path.stem), data.get("description", ""),
                      ModelConfig.from_dict(data.get("model", {})), TrainConfig.from_dict(data.get("train", {})))
    except (json.JSONDecodeError, TypeError) as exc:
        raise TrainingError(f"bad config file: {exc}", path=str(name_or_path)) from exc
