"""Fine-tuning a model on a person's tunebooks: the data report, the settings, the run and the exported model.

The base model is read back from its ONNX file and never written to; the run lives in its own folder
(checkpoints every few steps, so a crash costs at most those steps) and ends with a new ONNX file whose card
names the base model, the tunebooks and the validation loss before and after.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import torch

from composer.abc.checker import check_tune
from composer.abc.tunebook import read_tunebook
from composer.errors import TrainingError
from composer.model.canonical import canonical_text
from composer.model.vocab import outside_vocab
from composer.paths import float32_model, user_models_dir
from composer.training.batches import bucketed_batches
from composer.training.checkpoint import load_checkpoint, model_from_checkpoint, progress_of
from composer.training.config import TrainConfig
from composer.training.corpus import Corpus, CorpusTune, abc2midi_errors, clean_tune, is_validation
from composer.training.events import DataReport, FinetuneExported, RejectedTune, TrainEvent
from composer.training.export import export_onnx, make_card, model_from_onnx, read_card
from composer.training.loop import Trainer, evaluate
from composer.training.runs import (  # noqa: F401  (part of this module's API)
    FINISHED_MARK,
    RUN_FILES,
    FinetuneSettings,
    fresh_run_folder,
    holds_a_run,
    load_request,
    run_folder,
    unfinished_runs,
)

DEFAULT_SETTINGS = FinetuneSettings()


def prepare_data(tunebooks: Sequence[str | Path], settings: FinetuneSettings,
                 validate: bool = True) -> tuple[Corpus, DataReport]:
    """Read, check and split the tunebooks; every rejection names its file, tune, line and column."""
    tunes: list[CorpusTune] = []
    places: list[tuple[str, str, int]] = []
    rejected: list[RejectedTune] = []
    replaced: dict[str, str] = {}
    read = 0
    for book_path in tunebooks:
        try:
            book = read_tunebook(Path(book_path))
        except OSError as exc:
            raise TrainingError(f"cannot read tunebook: {exc.strerror or exc}", path=str(book_path)) from exc
        for tune in book:
            read += 1
            errors = [d for d in check_tune(tune) if d.severity == "error"]
            if not tune.body:
                rejected.append(RejectedTune(str(book_path), tune.label, tune.line, 1, "the tune has no music"))
                continue
            if errors:
                first = errors[0]
                rejected.append(RejectedTune(str(book_path), tune.label, first.line, first.column, first.message))
                continue
            replaced.update(outside_vocab(tune.text()))
            tunes.append(CorpusTune(clean_tune(canonical_text(tune)), f"{book_path}:{tune.label}", tune.title))
            places.append((str(book_path), tune.label, tune.line))
    if validate and tunes:
        kept = []
        for tune, place, errs in zip(tunes, places, abc2midi_errors([t.text for t in tunes]), strict=True):
            if errs:
                rejected.append(RejectedTune(place[0], place[1], place[2], 1, f"abc2midi: {errs[0]}"))
            else:
                kept.append(tune)
        tunes = kept
    if len(tunes) < 2:
        raise TrainingError(f"fine-tuning needs at least 2 usable tunes; found {len(tunes)}"
                            f" ({len(rejected)} rejected)", path=str(tunebooks[0]) if tunebooks else None)
    validation = [t for t in tunes if is_validation(t.text, settings.validation_fraction)]
    train = [t for t in tunes if not is_validation(t.text, settings.validation_fraction)]
    if not validation:
        validation, train = train[-1:], train[:-1]
    corpus = Corpus(tuple(train), tuple(validation), tuple(str(p) for p in tunebooks))
    report = DataReport(read, tuple(rejected), tuple(sorted(replaced.items())), len(train), len(validation),
                        sum(len(t.text) for t in train),
                        steps_per_epoch([t.text for t in train], settings.batch_size, settings.seq_len))
    return corpus, report


def steps_per_epoch(texts: Sequence[str], batch_size: int, seq_len: int) -> int:
    """Optimizer steps in one pass over `texts` (one per truncated-BPTT chunk of each batch)."""
    return sum(math.ceil((max(len(texts[i]) for i in batch) - 1) / seq_len)
               for batch in bucketed_batches(texts, batch_size, 0))


def estimate_seconds_per_epoch(base_model: Path, report: DataReport, settings: FinetuneSettings) -> float:
    """Time two real training steps of the base model at the run's batch shape, scaled to one epoch."""
    model = model_from_onnx(base_model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    tokens = torch.randint(0, model.config.vocab_size, (settings.batch_size, settings.seq_len + 1))
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        logits, _ = model(tokens[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), tokens[:, 1:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        timings.append(time.perf_counter() - start)
    return min(timings[1:]) * report.steps_per_epoch


class Finetune:
    """One fine-tuning run: base ONNX model + tunebooks → run folder → user model folder."""

    def __init__(self, base_model: Path, tunebooks: Sequence[str | Path], name: str,
                 settings: FinetuneSettings = DEFAULT_SETTINGS, *, resume: bool = False,
                 run_dir: Path | None = None, models_dir: Path | None = None, validate: bool = True) -> None:
        self.base_model = float32_model(base_model)  # an int8 twin's weights are not trained on
        if not self.base_model.is_file():
            raise TrainingError("no such model file", path=str(base_model))
        self.tunebooks = [str(p) for p in tunebooks]
        self.name = name
        self.settings = settings
        self.run_dir = run_dir or run_folder(name)
        self.models_dir = models_dir or user_models_dir()
        self.model_path = self.models_dir / f"{name}.onnx"
        if self.model_path.resolve() == self.base_model.resolve():  # said before any work, not after training
            raise TrainingError("the fine-tuned model would overwrite its base model; choose another name",
                                path=str(self.model_path))
        self.corpus, self.report = prepare_data(self.tunebooks, settings, validate)
        self.base_card = read_card(self.base_model)
        base = model_from_onnx(self.base_model)
        self.model_config = replace(base.config, dropout=settings.dropout)
        steps = max(1, self.report.steps_per_epoch)
        self.train_config = TrainConfig(
            batch_size=settings.batch_size, seq_len=settings.seq_len, learning_rate=settings.learning_rate,
            warmup_steps=min(20, steps), max_steps=settings.epochs * steps, eval_every=max(1, steps // 2),
            checkpoint_every=max(1, min(25, steps // 2)), patience=settings.patience,
            augment_semitones=(-2, -1, 1, 2) if settings.augment else (), freeze_layers=settings.freeze_layers,
            validation_fraction=settings.validation_fraction, seed=settings.seed, threads=settings.threads)
        resume = resume and (self.run_dir / "checkpoint.pt").is_file()
        if not resume:  # a fresh run never replaces another run's files: it takes a folder of its own
            self.run_dir = fresh_run_folder(self.run_dir)
        self.before = evaluate(base, [t.text for t in self.corpus.validation])[0]
        self._write_request()
        self.trainer = Trainer(self.model_config, self.train_config, self.corpus, self.run_dir, resume=resume,
                               initial_state=None if resume else base.state_dict(),
                               extra={"base_model": str(self.base_model), "tunebooks": self.tunebooks})

    def _write_request(self) -> None:
        request = {"base_model": str(self.base_model), "tunebooks": self.tunebooks, "name": self.name,
                   "settings": asdict(self.settings), "validation_before": self.before}
        tmp = self.run_dir / "request.json.tmp"
        tmp.write_text(json.dumps(request, indent=1))
        os.replace(tmp, self.run_dir / "request.json")

    def run(self, cancel: threading.Event | None = None) -> Iterator[TrainEvent | FinetuneExported]:
        """Train, then export the best checkpoint (unless cancelled) and mark the run finished."""
        finished = None
        for event in self.trainer.run(cancel):
            finished = event
            yield event
        if finished is None or finished.reason == "cancelled":
            return
        yield self.export()

    def export(self) -> FinetuneExported:
        """Write the best checkpoint so far as `<models_dir>/<name>.onnx` (and its int8 twin) with its card."""
        best_path = self.run_dir / "best.pt"
        if not best_path.is_file():
            raise TrainingError("no checkpoint to export yet", path=str(self.run_dir))
        payload = load_checkpoint(best_path)
        model = model_from_checkpoint(payload)
        progress = progress_of(payload)
        card = make_card(
            model, self.base_card.get("preset", "default"),
            base_model=self.base_model.name, base_card=self.base_card, training_data=self.tunebooks,
            tunes=len(self.corpus.train), steps=progress.step, characters_seen=progress.chars_seen,
            validation_nats_per_char_before=round(self.before, 4),
            validation_nats_per_char=round(progress.best_nats, 4), fine_tuned=True)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        path = self.model_path
        if path.resolve() == self.base_model.resolve():
            raise TrainingError("the fine-tuned model would overwrite its base model; choose another name",
                                path=str(path))
        export_onnx(model, path, card)
        (self.run_dir / FINISHED_MARK).write_text(json.dumps({"model": str(path), "card": card}))
        return FinetuneExported(str(path), card)
