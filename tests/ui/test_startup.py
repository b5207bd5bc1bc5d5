"""Startup: `composer` opens the examples without loading music21, torch, onnxruntime or pyqtgraph."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, sys, time
start = time.perf_counter()
from composer.ui.app import create_application, open_window
app = create_application()
window = open_window(sys.argv[1] if len(sys.argv) > 1 else None)
app.processEvents()
shown = time.perf_counter() - start
heavy = [m for m in ("music21", "torch", "onnxruntime", "pyqtgraph") if m in sys.modules]
print(json.dumps({"title": window.windowTitle(), "visible": window.isVisible(), "heavy": heavy,
                  "tunes": window.tune_list.row_count(), "shown": shown}))
window.editor.document().setModified(False)
"""


def run_window(tmp_path, *args: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env,
                          timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_window_opens_on_the_examples_without_heavy_imports(tmp_path):
    report = run_window(tmp_path)
    assert report["visible"] and report["title"].startswith("examples.abc")
    assert report["heavy"] == []


def test_a_file_named_on_the_command_line_is_opened(tmp_path):
    book = tmp_path / "mine.abc"
    book.write_text("X:1\nT:One\nK:C\nC\n\nX:2\nT:Two\nK:D\nD\n")
    report = run_window(tmp_path, str(book))
    assert report["title"].startswith("mine.abc")
