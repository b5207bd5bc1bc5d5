"""Open the Composer window (optionally on FILE.abc)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

SMOKE_TEST_SECONDS = 180.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="tunebook to open (default: the last file, else a copy of the "
                        "shipped examples)")
    # For `make package` and the tests: open FILE, engrave and check it, export its first tune to MIDI, exit.
    parser.add_argument("--smoke-test", metavar="OUT.mid", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.smoke_test:
        return smoke_test(args.file, Path(args.smoke_test))
    from composer.ui.app import run_app

    return run_app(args.file)


def smoke_test(file: str | None, midi_path: Path, seconds: float = SMOKE_TEST_SECONDS) -> int:
    """Start the window (offscreen unless QT_QPA_PLATFORM says otherwise) on `file` or the examples, wait for
    its engraving and check, export the first tune as MIDI to `midi_path`, load the shipped model if there
    is one, close; 0 when every step worked. Settings, autosaves and user data go to a throw-away folder."""
    home = tempfile.mkdtemp(prefix="composer-smoke-")
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "COMPOSER_DATA"):
        os.environ[variable] = os.path.join(home, variable.lower())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    watchdog = threading.Timer(seconds, _give_up, args=(seconds,))
    watchdog.daemon = True  # a modal dialog or a stuck job must not hang `make package`
    watchdog.start()

    from composer.abc.tunebook import read_string
    from composer.ui.app import create_application, open_window

    app = create_application()
    window = open_window(file)
    results: dict[str, object] = {}
    window.jobs.finished.connect(lambda lane, result: results.__setitem__(lane, result))
    window.jobs.failed.connect(lambda lane, error: results.__setitem__(lane, error))

    def settled(*lanes: str) -> Callable[[], bool]:
        return lambda: all(lane in results for lane in lanes) and window.jobs.is_idle()

    _pump(app, settled("engrave", "check"))
    failures = [f"{lane}: {results[lane]}" for lane in ("engrave", "check") if isinstance(results[lane], Exception)]
    engraving = results["engrave"]
    if not failures and (engraving.engraved is None or engraving.engraved.is_empty):
        failures.append("engrave: nothing was drawn")
    if not failures:
        from composer.ui.resources import examples_path

        opened = window.path or f"{examples_path()} (as an untitled copy)"
        print(f"smoke test: opened {opened} ({len(read_string(window.text).tunes)} tunes), engraved the first, "
              f"{len(results['check'])} problems found", flush=True)
        if window.export_midi(midi_path) == 0:
            failures.append("export: no tune to export")
        else:
            _pump(app, settled("export"))
            failures += _check_midi(results["export"], midi_path)
    failures += _check_shipped_model()
    window.close()
    _pump(app, window.jobs.is_idle)
    watchdog.cancel()
    for failure in failures:
        print(f"smoke test failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _pump(app, done: Callable[[], bool]) -> None:
    """Run the Qt event loop until `done()` (the watchdog ends a smoke test that never gets there)."""
    while not done():
        app.processEvents()
        time.sleep(0.01)


def _give_up(seconds: float) -> None:
    print(f"smoke test failed: not done after {seconds:g} s", file=sys.stderr, flush=True)
    os._exit(1)


def _check_midi(result: object, midi_path: Path) -> list[str]:
    """Why the exported MIDI file is not a playable tune ([] when it is)."""
    import mido

    if isinstance(result, Exception):
        return [f"export: {result}"]
    try:
        notes = sum(1 for message in mido.MidiFile(midi_path) if message.type == "note_on" and message.velocity)
    except (OSError, ValueError, EOFError) as exc:
        return [f"export: {midi_path} is not a MIDI file ({exc})"]
    if notes == 0:
        return [f"export: {midi_path} has no notes"]
    print(f"smoke test: exported {midi_path} ({notes} notes)", flush=True)
    return []


def _check_shipped_model() -> list[str]:
    """Load the shipped default model and run one step, when this build has one ([] when it works)."""
    from composer.errors import ModelError
    from composer.paths import default_model_path

    path = default_model_path()
    if not path.is_file():
        print(f"smoke test: no shipped model ({path} is absent)", flush=True)
        return []
    import numpy as np

    from composer.model.onnx_model import OnnxModel

    try:
        model = OnnxModel(path, device="cpu", threads=1)
        logits, _state = model.run(np.zeros((1, 1), dtype=np.int64), model.zero_state(1))
    except ModelError as exc:
        return [f"model: {exc}"]
    print(f"smoke test: {model.path.name} ({model.weights} weights) runs on {model.provider} "
          f"(logits {tuple(logits.shape)})", flush=True)
    return []
