"""Generation off the UI thread: `Generator.stream` as a `Job` on the `generate` lane, its events in small batches."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QObject

from composer.model.generate import Event, Generator, Request
from composer.model.onnx_model import OnnxModel
from composer.paths import weights_of
from composer.ui.jobs import Job

#: Longest time events wait in the worker before they are handed to the UI thread.
FLUSH_SECONDS = 0.05

_models: dict[tuple[str, int], OnnxModel] = {}
_models_lock = threading.Lock()


def load_model(path: str | os.PathLike) -> OnnxModel:
    """The OnnxModel of exactly the file `path` (the caller chooses between a model's float32 and int8 files),
    loaded on first use (ModelError for a missing or non-contract file). Models are loaded once per file (and file
    version) and shared: onnxruntime sessions are safe to run from any thread."""
    where = Path(path).resolve()
    try:
        version = where.stat().st_mtime_ns
    except OSError:
        version = -1
    key = (str(where), version)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            model = OnnxModel(where, weights=weights_of(where))
            for old in [k for k in _models if k[0] == key[0]]:
                del _models[old]
            _models[key] = model
        return model


def generate_in_batches(model_path: Path, request: Request, cancel: threading.Event,
                        flush_seconds: float = FLUSH_SECONDS) -> Iterator[tuple[Event, ...]]:
    """The engine's events for `request` as tuples, at most one per `flush_seconds` (a few a second, not one per
    character); returns "done", or "cancelled" once `cancel` stopped the stream between two sampling steps.

    Once `cancel` is set nothing is handed over until the stream has ended, so the last tuple holds every
    candidate's `Finished(..., "cancelled")`: the job stops asking for more after the next tuple."""
    pending: list[Event] = []
    flushed = time.monotonic()
    for event in Generator(load_model(model_path)).stream(request, cancel):
        pending.append(event)
        now = time.monotonic()
        if now - flushed >= flush_seconds and not cancel.is_set():
            yield tuple(pending)
            pending = []
            flushed = now
    if pending:
        yield tuple(pending)
    return "cancelled" if cancel.is_set() else "done"


class GenerationJob(Job):
    """One run of the generator over `generation` (a `Request`) with the model at `model_path`, on the `generate`
    lane's own thread, numbered `request` for the answer.

    Each `progress` carries a tuple of engine events (Started, Sampled, Finished) in order; `result` an `Answer`
    whose value is "done", "cancelled", or None when `cancel()` stopped the job between two tuples (the
    candidates then keep what was handed over); `failed` an exception (a bad model file, say) instead; `finished`
    comes last. `cancel()` stops the sampling between two steps, not only between tuples.
    """

    def __init__(self, model_path: str | os.PathLike, generation: Request, request: int = 0,
                 parent: QObject | None = None) -> None:
        super().__init__(generate_in_batches, Path(model_path), generation, lane="generate", request=request,
                         cancel_keyword="cancel", parent=parent)  # cancel() reaches the sampling loop
        self.model_path = Path(model_path)
        self.generation = generation
