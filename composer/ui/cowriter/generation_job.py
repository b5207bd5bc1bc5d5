"""Generation off the UI thread: `Generator.stream` on a Python thread, its events handed over in small batches."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from composer.model.generate import Event, Generator, Request
from composer.model.onnx_model import OnnxModel
from composer.paths import weights_of
from composer.ui.courier import call_in_ui_thread, prepare_courier

#: Longest time events wait in the worker before they are handed to the UI thread.
FLUSH_SECONDS = 0.05
#: How often the GIL changes hands while generating (seconds).
GIL_SWITCH_SECONDS = 0.0005

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


class GenerationJob(QObject):
    """One run of the generator over `request` with the model at `model_path`, on a Python thread.

    Events reach the UI thread in small batches (a few a second, not one signal per character); `cancel()` stops
    it between two sampling steps. While it runs, the interpreter hands the GIL over every GIL_SWITCH_SECONDS (not
    the default 5 ms): the sampling loop is Python, and each call the UI thread makes into Qt may wait that long
    to get the GIL back.

    `events` carries tuples of engine events (Started, Sampled, Finished) in order; `ended` follows the last
    of them with "done" or "cancelled"; `failed` carries an exception (a bad model file, say) instead.
    """

    events = Signal(object)  # tuple[Event, ...]
    ended = Signal(str)
    failed = Signal(object)

    def __init__(self, model_path: str | os.PathLike, request: Request, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model_path = Path(model_path)
        self.request = request
        prepare_courier()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="composer-generation", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the generator to stop at its next step; the candidates end with reason `cancelled`."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until the worker thread has ended (its last signals still arrive through the event loop)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.is_running()

    def _run(self) -> None:
        previous = sys.getswitchinterval()
        sys.setswitchinterval(min(previous, GIL_SWITCH_SECONDS))
        try:
            self._stream()
        finally:
            sys.setswitchinterval(previous)

    def _stream(self) -> None:
        try:
            generator = Generator(load_model(self.model_path))
            pending: list[Event] = []
            flushed = time.monotonic()
            for event in generator.stream(self.request, self._cancel):
                pending.append(event)
                now = time.monotonic()
                if now - flushed >= FLUSH_SECONDS:
                    call_in_ui_thread(self, self.events.emit, tuple(pending))
                    pending = []
                    flushed = now
            if pending:
                call_in_ui_thread(self, self.events.emit, tuple(pending))
        except Exception as exc:  # handed to the UI thread as a value
            call_in_ui_thread(self, self.failed.emit, exc)
            return
        call_in_ui_thread(self, self.ended.emit, "cancelled" if self._cancel.is_set() else "done")
