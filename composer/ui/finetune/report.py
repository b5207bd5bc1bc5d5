"""What the fine-tune tab says in words: the data report, durations, each event's status line, the ETA."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

from composer.training.events import DataReport, Evaluation, FinetuneExported, TrainingFinished, TrainStep

ETA_WINDOW = 40


def describe_duration(seconds: float) -> str:
    """'under 1 s', '45 s', '3 min 20 s', '1 h 05 min'."""
    if seconds < 1:
        return "under 1 s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def report_text(report: DataReport) -> str:
    """The data report as lines a person reads."""
    lines = [f"{report.tunes_read} tunes read, {len(report.rejected)} rejected; {report.train_tunes} for training, "
             f"{report.validation_tunes} for validation (split by tune)."]
    for r in report.rejected:
        lines.append(f"  rejected: {Path(r.path).name}, line {r.line}, column {r.column}: {r.tune}: {r.reason}")
    if report.replaced_characters:
        lines.append("Characters outside the vocabulary: " +
                     ", ".join(f"{a!r} → {b!r}" for a, b in report.replaced_characters))
    else:
        lines.append("Every character is in the model's vocabulary.")
    estimate = report.seconds_per_epoch
    about = "about " if estimate and estimate >= 1 else ""
    per_epoch = f"; {about}{describe_duration(estimate)} per epoch on this machine" if estimate else ""
    lines.append(f"{report.train_chars:,} training characters, {report.steps_per_epoch} steps per epoch"
                 f"{per_epoch}.")
    if report.validation_before is not None:
        lines.append(f"Validation loss of the base model: {report.validation_before:.4f} nats/char.")
    return "\n".join(lines)


def budget_text(report: DataReport, epochs: int) -> str:
    """'at most 96 steps, about 2 min 10 s': the step budget of `epochs` and, when estimated, its time."""
    steps = epochs * max(1, report.steps_per_epoch)
    total = ""
    if report.seconds_per_epoch:
        duration = report.seconds_per_epoch * epochs
        total = f", {'about ' if duration >= 1 else ''}{describe_duration(duration)}"
    return f"at most {steps} steps{total}"


def progress_format(event: TrainStep, max_steps: int) -> str:
    """The progress bar's text at a step ('%p%' is the bar's percentage)."""
    return f"step {event.step}/{max_steps or '?'} · epoch {event.epoch + 1} · %p%"


def status_text(event: Evaluation | TrainingFinished | FinetuneExported) -> str:
    """The status line an evaluation, the end of training or the exported model gives."""
    if isinstance(event, Evaluation):
        best = " (best so far)" if event.best else ""
        return f"Validation at step {event.step}: {event.nats_per_char:.4f} nats/char{best}."
    if isinstance(event, TrainingFinished):
        return (f"Stopped at step {event.step}: {event.reason}; best validation "
                f"{event.best_nats_per_char:.4f} nats/char.")
    card = event.card
    return (f"Wrote {event.path}: validation {card.get('validation_nats_per_char_before')} → "
            f"{card.get('validation_nats_per_char')} nats/char after {card.get('steps')} steps.")


def error_message(stderr: str) -> str:
    """The last meaningful stderr line ("composer finetune: ..." or an exception), for the status line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("composer finetune:"):
            return line.removeprefix("composer finetune:").strip()
    return lines[-1] if lines else ""


def run_history(run_dir: Path) -> tuple[list[dict], int]:
    """The logged steps and evaluations a resumed run keeps (up to its last checkpoint), as the log's records,
    and that step."""
    try:
        records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError):
        return [], 0
    checkpoint = max((r["step"] for r in records if r.get("event") == "CheckpointSaved"), default=0)
    kept = [r for r in records if r.get("event") in ("TrainStep", "Evaluation") and r["step"] <= checkpoint]
    return kept, checkpoint


class Eta:
    """Time left, from how fast progress went over the last ETA_WINDOW steps."""

    def __init__(self, window: int = ETA_WINDOW) -> None:
        self._points: deque[tuple[float, float]] = deque(maxlen=window)

    def add(self, step: TrainStep) -> None:
        self._points.append((step.elapsed, step.progress))

    def clear(self) -> None:
        self._points.clear()

    def remaining(self) -> float | None:
        """Seconds left at the recent pace; None until two steps show progress."""
        if len(self._points) < 2:
            return None
        (t0, p0), (t1, p1) = self._points[0], self._points[-1]
        if p1 <= p0 or t1 <= t0:
            return None
        return (1.0 - p1) * (t1 - t0) / (p1 - p0)
