"""Batches of candidates and the job control that samples them: one GenerationJob at a time, its events kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QTextCursor

from composer.model.generate import Finished, Sampled, Started
from composer.model.generation_plan import GenerationPlan, Mode, Placement
from composer.ui.cowriter.candidate_card import bar_count
from composer.ui.cowriter.generation_job import GenerationJob
from composer.ui.jobs import Answer

if TYPE_CHECKING:
    from composer.ui.cowriter.previews import Preview

MODE_LABELS = {Mode.CONTINUE: "Continue from the cursor", Mode.BARS: "Fill the next bars",
               Mode.NEW_TUNE: "New tune"}
#: Characters a candidate without a bar limit is expected to reach (for the progress bar only).
EXPECTED_CHARS = 500


@dataclass
class Candidate:
    """A candidate as the panel holds it: its seed, its text so far, why it stopped (None while sampling)."""

    index: int
    seed: int
    stream: int
    text: str = ""
    reason: str | None = None
    form_kept: bool = True  # False: its form left no way on, and it went on with the music's rules alone
    preview: Preview | None = None
    engraved_length: int = -1  # length of the text last sent for engraving
    engraved_at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.reason is not None


@dataclass
class Batch:
    """One press of Generate: the plan, the model, where its text goes in the editor, and its candidates."""

    number: int
    plan: GenerationPlan
    model_path: Path
    anchor: QTextCursor | None
    candidates: list[Candidate]
    created: datetime = field(default_factory=datetime.now)
    provider: str = ""
    state: str = "running"  # running, done, cancelled, failed

    def placements(self) -> list[str]:
        """Where a candidate may go (Placement values): a new tune's only at the end."""
        if self.plan.mode is Mode.NEW_TUNE:
            return [Placement.NEW_TUNE.value]
        return [Placement.CURSOR.value, Placement.SELECTION.value, Placement.REST_OF_TUNE.value]

    @property
    def label(self) -> str:
        request = self.plan.request
        return (f"{self.number}. {self.created:%H:%M:%S} {MODE_LABELS[self.plan.mode]} · "
                f"{len(self.candidates)}× · seed {request.sampling.seed} · {self.model_path.name}")


class BatchRunner(QObject):
    """Samples candidates of one batch at a time (all of them, or one sampled again) in a GenerationJob.

    `grew(batch, slots)` follows each handful of events with the candidates they touched; `ended(batch, how,
    message)` says the job is over: "done", "cancelled", or "failed" with why (unfinished candidates then end
    "failed")."""

    grew = Signal(object, object)  # Batch, set of candidate indices
    candidate_finished = Signal(int, int)  # batch number, candidate index
    provider_seen = Signal(str)  # the execution provider the model runs on
    ended = Signal(object, str, str)  # Batch, "done" / "cancelled" / "failed", message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job: GenerationJob | None = None
        self.batch: Batch | None = None
        self.slots: list[int] = []
        self._requests = 0

    @property
    def busy(self) -> bool:
        return self.job is not None

    @property
    def cancelling(self) -> bool:
        return self.job is not None and self.job.cancelled

    def start(self, batch: Batch, plan: GenerationPlan, slots: list[int]) -> None:
        """Sample `plan` into the candidates `slots` of `batch` (the plan's candidate i fills slot i)."""
        self._requests += 1
        job = GenerationJob(batch.model_path, plan.request, request=self._requests, parent=self)
        job.progress.connect(self._on_events)
        job.result.connect(self._on_result)
        job.failed.connect(self._on_failed)
        job.finished.connect(job.deleteLater)
        self.job = job
        self.batch = batch
        self.slots = slots
        job.start()

    def cancel(self) -> bool:
        """Stop the running job at its next step (candidates keep what they have, marked cancelled)."""
        if self.job is None:
            return False
        self.job.cancel()
        return True

    def wait(self, timeout: float) -> None:
        """Cancel the running job and wait for its thread (quitting)."""
        job = self.job
        if job is not None:
            job.cancel()
            job.wait(timeout)

    def progress(self) -> tuple[int, int]:
        """(per mille done, candidates finished) of the running job, bars or characters counting."""
        batch = self.batch
        if batch is None:
            return 0, 0
        request = batch.plan.request
        done = 0.0
        for slot in self.slots:
            candidate = batch.candidates[slot]
            if candidate.finished:
                done += 1.0
            elif request.max_bars:
                done += min(bar_count(candidate.text) / request.max_bars, 0.99)
            else:
                done += min(len(candidate.text) / EXPECTED_CHARS, 0.95)
        finished = sum(batch.candidates[s].finished for s in self.slots)
        return round(1000 * done / max(len(self.slots), 1)), finished

    def _on_events(self, events: tuple) -> None:
        batch = self.batch
        if batch is None or self.sender() is not self.job:
            return
        touched: set[int] = set()
        for event in events:
            if isinstance(event, Sampled):
                slot = self.slots[event.candidate]
                batch.candidates[slot].text += event.text
                touched.add(slot)
            elif isinstance(event, Finished):
                slot = self.slots[event.candidate]
                candidate = batch.candidates[slot]
                candidate.text, candidate.reason, candidate.form_kept = event.text, event.reason, event.form_kept
                touched.add(slot)
                self.candidate_finished.emit(batch.number, slot)
            elif isinstance(event, Started):
                batch.provider = event.provider
                self.provider_seen.emit(event.provider)
        self.grew.emit(batch, touched)

    def _on_result(self, answer: Answer) -> None:
        if self.job is not None and answer.request == self.job.request:
            self._finish(answer.value or "cancelled")  # None: cancel() stopped the job between two batches

    def _on_failed(self, error: Exception) -> None:
        if self.sender() is self.job:
            self._finish("failed", str(error))

    def _finish(self, how: str, message: str = "") -> None:
        batch = self.batch
        self.job = None
        self.batch = None
        if batch is None:
            return
        batch.state = how
        if how != "done":
            for slot in self.slots:  # "failed"; or "cancelled" when the job stopped before the stream said so
                if batch.candidates[slot].reason is None:
                    batch.candidates[slot].reason = how
        self.ended.emit(batch, how, message)
