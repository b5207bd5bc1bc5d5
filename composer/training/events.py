"""What training and fine-tuning report, as frozen records; torch-free, so the window can read them.

The training loop yields `TrainStep`, `Evaluation`, `CheckpointSaved` and `TrainingFinished`; a fine-tune adds a
`DataReport` before them and a `FinetuneExported` after. `to_dict` and `from_dict` carry a record across a process
boundary (one JSON object per line, `{"event": "TrainStep", "step": 1, ...}`) and into a run's `log.jsonl`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["CheckpointSaved", "DataReport", "Evaluation", "FinetuneEvent", "FinetuneExported", "RejectedTune",
           "TrainEvent", "TrainStep", "TrainingFinished", "from_dict", "to_dict"]


@dataclass(frozen=True)
class TrainStep:
    """One optimizer step."""

    step: int
    epoch: int
    loss: float
    accuracy: float
    learning_rate: float
    chars_per_second: float
    elapsed: float
    progress: float


@dataclass(frozen=True)
class Evaluation:
    """Validation loss in nats per body character, and accuracy, after `step`."""

    step: int
    nats_per_char: float
    accuracy: float
    best: bool
    elapsed: float


@dataclass(frozen=True)
class CheckpointSaved:
    """A checkpoint written at `step` (a run can go on from it)."""

    step: int
    path: str


@dataclass(frozen=True)
class TrainingFinished:
    """The loop stopped: budget spent, validation stopped improving, or cancelled."""

    step: int
    reason: str
    best_nats_per_char: float
    elapsed: float


@dataclass(frozen=True)
class RejectedTune:
    """A tune left out of fine-tuning, with where and why."""

    path: str
    tune: str
    line: int
    column: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.tune}: {self.reason}"


@dataclass(frozen=True)
class DataReport:
    """What the tunebooks gave: tunes read and rejected, characters replaced, the split, time per epoch; once the
    run is prepared also the base model's validation loss, the step budget and the run folder."""

    tunes_read: int
    rejected: tuple[RejectedTune, ...]
    replaced_characters: tuple[tuple[str, str], ...]
    train_tunes: int
    validation_tunes: int
    train_chars: int
    steps_per_epoch: int
    seconds_per_epoch: float | None = None
    validation_before: float | None = None
    max_steps: int = 0
    run_dir: str | None = None

    def lines(self) -> list[str]:
        """The report as lines of text for the CLI."""
        out = [f"{self.tunes_read} tunes read, {len(self.rejected)} rejected, "
               f"{self.train_tunes} for training and {self.validation_tunes} for validation (split by tune)"]
        out += [f"  rejected {r}" for r in self.rejected]
        if self.replaced_characters:
            out.append("characters outside the vocabulary: " +
                       ", ".join(f"{a!r} → {b!r}" for a, b in self.replaced_characters))
        estimate = f", about {self.seconds_per_epoch:.0f} s per epoch here" if self.seconds_per_epoch else ""
        out.append(f"{self.train_chars} training characters, {self.steps_per_epoch} steps per epoch{estimate}")
        return out


@dataclass(frozen=True)
class FinetuneExported:
    """The fine-tuned model written as ONNX, with its card."""

    path: str
    card: dict


TrainEvent = TrainStep | Evaluation | CheckpointSaved | TrainingFinished
FinetuneEvent = DataReport | TrainEvent | FinetuneExported

_KINDS: dict[str, type] = {kind.__name__: kind for kind in (
    DataReport, TrainStep, Evaluation, CheckpointSaved, TrainingFinished, FinetuneExported)}


def to_dict(event: FinetuneEvent) -> dict[str, Any]:
    """The event as a JSON-ready dict, its kind under "event": `{"event": "TrainStep", "step": 1, ...}`."""
    return {"event": type(event).__name__, **asdict(event)}


def from_dict(record: dict[str, Any]) -> FinetuneEvent:
    """The event a `to_dict` record (or its JSON round trip) describes; ValueError for anything else."""
    kind = _KINDS.get(record.get("event")) if isinstance(record, dict) else None
    if kind is None:
        raise ValueError(f"not a training event: {record!r:.200}")
    values = {f.name: record[f.name] for f in fields(kind) if f.name in record}
    try:
        if kind is DataReport:
            values["rejected"] = tuple(RejectedTune(**r) for r in values.get("rejected", ()))
            values["replaced_characters"] = tuple((a, b) for a, b in values.get("replaced_characters", ()))
        return kind(**values)
    except (TypeError, ValueError) as exc:  # a field missing, or a rejected tune or replacement malformed
        raise ValueError(f"a {kind.__name__} record that does not fit: {exc}") from exc
