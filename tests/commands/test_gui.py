"""`composer gui --smoke-test`: the route `make package` drives in the bundle, run here from the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mido

from composer.abc.tunebook import read_tunebook
from composer.notation.midi import write_midi

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "resources" / "examples.abc"


def run_smoke_test(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "COMPOSER_DATA"):
        env.pop(variable, None)
    return subprocess.run([sys.executable, "-m", "composer", "gui", *arguments], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_smoke_test_exports_the_first_tune_as_the_core_does(tmp_path):
    done = run_smoke_test(tmp_path, "--smoke-test", str(tmp_path / "window.mid"), str(EXAMPLES))
    assert done.returncode == 0, done.stderr
    first = read_tunebook(EXAMPLES).tunes[0]
    write_midi(first, tmp_path / "core.mid")
    assert (tmp_path / "window.mid").read_bytes() == (tmp_path / "core.mid").read_bytes()
    notes = sum(1 for m in mido.MidiFile(tmp_path / "window.mid") if m.type == "note_on" and m.velocity)
    assert f"({notes} notes)" in done.stdout
    assert f"({len(read_tunebook(EXAMPLES).tunes)} tunes)" in done.stdout


def test_smoke_test_opens_the_shipped_examples_by_default(tmp_path):
    done = run_smoke_test(tmp_path, "--smoke-test", str(tmp_path / "window.mid"))
    assert done.returncode == 0, done.stderr
    assert f"opened {EXAMPLES}" in done.stdout


def test_smoke_test_leaves_no_settings_or_autosaves_in_home(tmp_path):
    done = run_smoke_test(tmp_path, "--smoke-test", str(tmp_path / "window.mid"), str(EXAMPLES))
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "home").rglob("*")) == []


def test_smoke_test_fails_on_a_file_without_tunes(tmp_path):
    words = tmp_path / "words.abc"
    words.write_text("% only a comment, no tune here\n", encoding="utf-8")
    done = run_smoke_test(tmp_path, "--smoke-test", str(tmp_path / "window.mid"), str(words))
    assert done.returncode == 1
    assert "smoke test failed" in done.stderr
    assert not (tmp_path / "window.mid").exists()


def test_smoke_test_is_not_offered_in_help(tmp_path):
    done = run_smoke_test(tmp_path, "--help")
    assert done.returncode == 0
    assert "tunebook to open" in done.stdout and "smoke" not in done.stdout
