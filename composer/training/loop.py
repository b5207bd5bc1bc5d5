"""The training loop as a generator of small event records: steps, evaluations, checkpoints, the end."""

from __future__ import annotations

import functools
import json
import math
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from composer.errors import TrainingError
from composer.training.batches import epoch_batches, make_batch
from composer.training.checkpoint import (
    Progress,
    load_checkpoint,
    progress_of,
    restore_random_state,
    save_checkpoint,
)
from composer.training.config import ModelConfig, TrainConfig
from composer.training.corpus import Corpus
from composer.training.distributed import Distributed
from composer.training.events import CheckpointSaved, Evaluation, TrainEvent, TrainingFinished, TrainStep, to_dict
from composer.training.lstm import CharLSTM, detach_state


def learning_rate(config: TrainConfig, step: int, progress: float) -> float:
    """Linear warm-up, then cosine decay to `min_lr_fraction` of the peak as `progress` goes 0 → 1."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    floor = config.min_lr_fraction
    return config.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def run_progress(config: TrainConfig, step: int, elapsed: float) -> float:
    """How far through its budget (steps or minutes, whichever is nearer its end) the run is."""
    parts = []
    if config.max_steps:
        parts.append(step / config.max_steps)
    if config.minutes:
        parts.append(elapsed / (config.minutes * 60))
    return max(parts) if parts else 0.0


@torch.no_grad()
def evaluate(model: CharLSTM, texts: list[str], batch_size: int = 32) -> tuple[float, float]:
    """(nats per body character, body accuracy) of `model` on whole tunes, each from a zero state."""
    was_training = model.training
    model.eval()
    total_loss = 0.0
    total_correct = 0
    total_chars = 0
    ordered = sorted(texts, key=len)
    for start in range(0, len(ordered), batch_size):
        batch = make_batch(ordered[start:start + batch_size])
        logits, _ = model(batch.inputs)
        losses = nn.functional.cross_entropy(logits.transpose(1, 2), batch.targets, reduction="none")
        body = batch.body & batch.mask
        total_loss += float(losses[body].sum())
        total_correct += int((logits.argmax(-1) == batch.targets)[body].sum())
        total_chars += int(body.sum())
    model.train(was_training)
    return total_loss / max(total_chars, 1), total_correct / max(total_chars, 1)


PLAYABLE_FIFTHS = range(-3, 5)
"""Key signatures augmentation may move a tune into: three flats to four sharps, the keys session players use."""


def _main_key(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("K:"):
            return line[2:].strip()
    return None


@functools.lru_cache(maxsize=4096)
def _lands_in_playable_key(key: str, semitones: int) -> bool:
    """Whether moving K:`key` by `semitones` gives a key signature in PLAYABLE_FIFTHS (a corpus has few keys)."""
    from composer.abc.keys import parse_key
    from composer.abc.transpose import transpose_key

    try:
        moved = parse_key(transpose_key(key, semitones))
    except Exception:  # a key the transposer cannot move
        return False
    return moved is not None and moved.fifths in PLAYABLE_FIFTHS


def transposer(semitones: tuple[int, ...]):
    """A key-aware batch transform: half the tunes stay as written, the others move by one of `semitones`
    chosen among the shifts that land in a playable key (`PLAYABLE_FIFTHS`)."""
    if not semitones:
        return None
    from composer.abc.transpose import transpose_tune

    def transform(text: str, rng: random.Random) -> str:
        if rng.random() < 0.5:
            return text
        key = _main_key(text)
        shifts = [s for s in semitones if _lands_in_playable_key(key, s)] if key is not None else []
        if not shifts:
            return text
        try:
            return transpose_tune(text, rng.choice(shifts))
        except Exception:  # a tune the transposer cannot move stays as it is
            return text

    return transform


#: The files a training run writes into its folder as it goes.
TRAINING_FILES = ("checkpoint.pt", "best.pt", "log.jsonl")


def holds_a_run(folder: Path) -> bool:
    """Whether `folder` holds a training run's files."""
    return any((Path(folder) / name).exists() for name in TRAINING_FILES)


class Trainer:
    """Trains a CharLSTM on a corpus into `out_dir` (log.jsonl, checkpoint.pt, best.pt); resumable."""

    def __init__(self, model_config: ModelConfig, train_config: TrainConfig, corpus: Corpus, out_dir: Path,
                 *, resume: bool = False, initial_state: dict | None = None, extra: dict | None = None) -> None:
        self.model_config = model_config
        self.config = train_config
        self.corpus = corpus
        self.out_dir = Path(out_dir)
        self.extra = dict(extra or {})
        self.extra.setdefault("corpus", corpus.describe())
        self.dist = Distributed.from_environment()
        threads = train_config.threads or max(1, (os.cpu_count() or 1) // self.dist.world_size)
        torch.set_num_threads(threads)
        torch.manual_seed(train_config.seed)
        self.model = CharLSTM(model_config)
        if initial_state is not None:
            self.model.load_state_dict(initial_state)
        self.model.freeze(train_config.freeze_layers)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=train_config.learning_rate,
                                           weight_decay=train_config.weight_decay)
        self.progress = Progress()
        checkpoint = self.out_dir / "checkpoint.pt"
        if not resume and holds_a_run(self.out_dir):
            raise TrainingError("this folder holds a training run already; resume it, or train into another "
                                "folder (a run is never written over)", path=str(self.out_dir))
        if resume:
            if not checkpoint.is_file():
                raise TrainingError("nothing to resume: no checkpoint.pt", path=str(self.out_dir))
            payload = load_checkpoint(checkpoint)
            if ModelConfig.from_dict(payload["model_config"]) != model_config:
                raise TrainingError("the checkpoint's model shape differs from this run's", path=str(checkpoint))
            self.model.load_state_dict(payload["model"])
            if "optimizer" in payload:
                self.optimizer.load_state_dict(payload["optimizer"])
            self.progress = progress_of(payload)
            restore_random_state(payload)
            self._forget_log_after(self.progress.step)
        self.model = self.dist.wrap(self.model)

    @property
    def core_model(self) -> CharLSTM:
        return self.dist.unwrap(self.model)

    def _log(self, event: TrainEvent) -> None:
        if not self.dist.is_main:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with open(self.out_dir / "log.jsonl", "a") as fh:
            fh.write(json.dumps(to_dict(event)) + "\n")

    def _forget_log_after(self, step: int) -> None:
        """Drop the log's records past the checkpoint's `step` (a killed run got further; those steps are trained
        again) and its TrainingFinished records (the run goes on), so every step is logged once."""
        path = self.out_dir / "log.jsonl"
        if not self.dist.is_main or not path.is_file():
            return
        kept = []
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by the kill
                continue
            if record.get("event") != "TrainingFinished" and record.get("step", 0) <= step:
                kept.append(line + "\n")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("".join(kept))
        os.replace(tmp, path)

    def _save(self, name: str, extra_progress: Progress) -> CheckpointSaved | None:
        if not self.dist.is_main:
            return None
        path = self.out_dir / name
        save_checkpoint(path, self.core_model, self.config, extra_progress,
                        self.optimizer if name == "checkpoint.pt" else None, self.extra)
        return CheckpointSaved(extra_progress.step, str(path))

    def run(self, cancel: threading.Event | None = None) -> Iterator[TrainEvent]:
        """Train until the budget is spent, validation stops improving, or `cancel` is set."""
        cfg = self.config
        p = self.progress
        train_texts = [t.text for t in self.corpus.train]
        valid_texts = [t.text for t in self.corpus.validation]
        transform = transposer(cfg.augment_semitones)
        started = time.monotonic() - p.elapsed
        window_chars, window_start = 0, time.monotonic()
        last_checkpoint_step = p.step
        reason = self._stop_reason(cancel)  # a resumed run may have spent its budget already
        self.model.train()
        while reason is None:
            batches = epoch_batches(train_texts, cfg.batch_size, cfg.seed + p.epoch, transform, p.batch_in_epoch)
            for number, batch in enumerate(batches, start=p.batch_in_epoch):
                state = None
                for inputs, targets, mask, _body in self.dist.rows_of(batch).chunks(cfg.seq_len):
                    elapsed = time.monotonic() - started
                    lr = learning_rate(cfg, p.step, run_progress(cfg, p.step, elapsed))
                    for group in self.optimizer.param_groups:
                        group["lr"] = lr
                    logits, state = self.model(inputs, state)
                    state = detach_state(state)
                    losses = nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
                    chars = int(mask.sum())
                    loss = losses[mask].sum() / max(chars, 1)
                    self.optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip)
                    self.optimizer.step()
                    accuracy = float((logits.argmax(-1) == targets)[mask].sum()) / max(chars, 1)
                    window_chars += chars * self.dist.world_size
                    now = time.monotonic()
                    rate = window_chars / max(now - window_start, 1e-9)
                    if now - window_start > 20:
                        window_chars, window_start = 0, now
                    p = replace(p, step=p.step + 1, batch_in_epoch=number, elapsed=now - started,
                                chars_seen=p.chars_seen + chars * self.dist.world_size)
                    event = TrainStep(p.step, p.epoch, float(loss.detach()), accuracy, lr, rate, p.elapsed,
                                      run_progress(cfg, p.step, p.elapsed))
                    self._log(event)
                    yield event
                    if p.step % cfg.eval_every == 0:
                        nats, acc = evaluate(self.core_model, valid_texts)
                        self.model.train()
                        best = nats < p.best_nats
                        if best:
                            p = replace(p, best_nats=nats, best_step=p.step, evaluations_since_best=0)
                        else:
                            p = replace(p, evaluations_since_best=p.evaluations_since_best + 1)
                        evaluation = Evaluation(p.step, nats, acc, best, p.elapsed)
                        self._log(evaluation)
                        yield evaluation
                        if best:
                            self._save("best.pt", p)
                    if cfg.max_steps and p.step >= cfg.max_steps:
                        break  # the budget is spent within this batch: the rest of it is not trained on
                # A batch boundary: the place where checkpoints and stops happen.
                p = replace(p, batch_in_epoch=number + 1, elapsed=time.monotonic() - started)
                self.progress = p
                stop = self._stop_reason(cancel)
                if p.step - last_checkpoint_step >= cfg.checkpoint_every or stop:
                    saved = self._save("checkpoint.pt", p)
                    last_checkpoint_step = p.step
                    if saved:
                        self._log(saved)
                        yield saved
                if stop:
                    reason = stop
                    break
            else:
                p = replace(p, epoch=p.epoch + 1, batch_in_epoch=0)
                self.progress = p
                continue
            break
        yield from self._finish(reason)

    def _stop_reason(self, cancel: threading.Event | None) -> str | None:
        p, cfg = self.progress, self.config
        reason = None
        if cancel is not None and cancel.is_set():
            reason = "cancelled"
        elif cfg.max_steps and p.step >= cfg.max_steps:
            reason = "step budget spent"
        elif cfg.minutes and p.elapsed >= cfg.minutes * 60:
            reason = "time budget spent"
        elif p.evaluations_since_best >= cfg.patience:
            reason = "validation loss stopped improving"
        return self.dist.agree(reason)

    def _finish(self, reason: str) -> Iterator[TrainEvent]:
        p = self.progress
        valid_texts = [t.text for t in self.corpus.validation]
        if p.step != p.best_step and reason != "cancelled":
            nats, acc = evaluate(self.core_model, valid_texts)
            best = nats < p.best_nats
            if best:
                p = replace(p, best_nats=nats, best_step=p.step, evaluations_since_best=0)
                self.progress = p
                self._save("best.pt", p)
                self._save("checkpoint.pt", p)
            evaluation = Evaluation(p.step, nats, acc, best, p.elapsed)
            self._log(evaluation)
            yield evaluation
        done = TrainingFinished(p.step, reason, p.best_nats, p.elapsed)
        self._log(done)
        yield done
