"""Real tunes for the audio tests, and abc2midi's notes for them as an independent judge."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import mido
import pytest

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import Tune, read_tunebook


@dataclass(frozen=True)
class ReferenceNote:
    start: float
    duration: float
    pitch: int


def nottingham_tune(file: str, reference: int) -> Tune:
    return read_tunebook(nottingham_dir() / file).tune(reference)


def abc2midi_notes(tune: Tune, workdir: Path) -> list[ReferenceNote]:
    """The melody abc2midi plays for `tune` (no guitar chords), in seconds, sorted by start then pitch."""
    if shutil.which("abc2midi") is None:
        pytest.skip("abc2midi is not installed")
    lines = tune.text().splitlines(keepends=True)
    source = workdir / f"tune{tune.index}.abc"
    target = workdir / f"tune{tune.index}.mid"
    source.write_text(lines[0] + "%%MIDI nogchords\n" + "".join(lines[1:]), encoding="utf-8")
    subprocess.run(["abc2midi", str(source), "-o", str(target)], capture_output=True, timeout=30, check=False)
    now = 0.0
    sounding: dict[tuple[int, int], float] = {}
    notes: list[tuple[int, ReferenceNote]] = []
    for message in mido.MidiFile(target):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            sounding[(message.channel, message.note)] = now
        elif message.type in ("note_on", "note_off") and (message.channel, message.note) in sounding:
            start = sounding.pop((message.channel, message.note))
            notes.append((message.channel, ReferenceNote(start, now - start, message.note)))
    melody_channel = min(channel for channel, _ in notes)
    return sorted((n for channel, n in notes if channel == melody_channel), key=lambda n: (n.start, n.pitch))
