"""Run Debian's abc2midi on one tune and read its messages: the judge the checker is compared with."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from composer.abc.tokens import Kind, tokenize_tune
from composer.abc.tunebook import Tune
from composer.errors import AbcError

__all__ = ["Abc2midiMessage", "Abc2midiRun", "abc2midi_available", "bar_places", "run_abc2midi"]

_MESSAGE = re.compile(r"^(Error|Warning) in line-char (\d+)-(\d+) : (.*)$")
_BAR_LENGTH = re.compile(r"Bar \d+ has .* (time units while the time signature has|units instead of)")


@dataclass(frozen=True)
class Abc2midiMessage:
    """One `Error`/`Warning` line of abc2midi, placed in the tunebook (1-based line, 1-based column)."""

    severity: str
    line: int
    column: int
    text: str

    @property
    def is_bar_length(self) -> bool:
        return bool(_BAR_LENGTH.search(self.text))


@dataclass(frozen=True)
class Abc2midiRun:
    """What abc2midi said about one tune, and the MIDI file it wrote (bytes, empty when none)."""

    messages: tuple[Abc2midiMessage, ...]
    midi: bytes
    output: str


def abc2midi_available() -> bool:
    """True when the `abc2midi` program is on PATH."""
    return shutil.which("abc2midi") is not None


def tune_file_text(tune: Tune) -> tuple[str, int]:
    """The text written for abc2midi (file-header fields, then the tune) and the source line of its line 1."""
    header = "".join(f"{f.name}:{f.value}\n" for f in tune.file_header if f.name in "LMKQ")
    prefix_lines = header.count("\n")
    return header + tune.text(), tune.line - prefix_lines


def run_abc2midi(tune: Tune, options: tuple[str, ...] = (), timeout: float = 20.0) -> Abc2midiRun:
    """Convert `tune` with `abc2midi FILE N -o OUT.mid [OPTIONS]` and collect its messages, placed in the
    tunebook. `options` such as `-NFER` (play fermatas at their written length) are passed on."""
    program = shutil.which("abc2midi")
    if program is None:
        raise AbcError("abc2midi is not installed (apt-get install abcmidi)")
    text, first_line = tune_file_text(tune)
    reference = str(tune.reference) if tune.reference is not None else "1"
    if tune.reference is None:
        text = "X:1\n" + text
        first_line -= 1
    with tempfile.TemporaryDirectory(prefix="composer-abc2midi-") as tmp:
        source = Path(tmp) / "tune.abc"
        target = Path(tmp) / "tune.mid"
        source.write_text(text, encoding="utf-8")
        command = [program, str(source), reference, "-o", str(target), *options]
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout,
                              cwd=tmp)
        midi = target.read_bytes() if target.exists() else b""
    output = done.stdout + done.stderr
    messages = []
    for raw in output.splitlines():
        m = _MESSAGE.match(raw.strip())
        if m:
            messages.append(Abc2midiMessage(m.group(1).lower(), first_line + int(m.group(2)) - 1,
                                            int(m.group(3)) + 1, m.group(4).strip()))
    return Abc2midiRun(tuple(messages), midi, output)


def bar_places(tune: Tune, run: Abc2midiRun) -> set[tuple[int, int]]:
    """The bar lines (line, column of the bar token) abc2midi flags for a wrong bar length.

    abc2midi points at the bar line that closes the bar; a place that falls inside or just before a bar
    token is moved onto that token.
    """
    bars: dict[int, list[tuple[int, int]]] = {}
    for tok in tokenize_tune(tune):
        if tok.kind is Kind.BAR:
            bars.setdefault(tok.line, []).append((tok.column, tok.end_column))
    places = set()
    for message in run.messages:
        if not message.is_bar_length:
            continue
        spans = bars.get(message.line, [])
        hit = next((start for start, end in spans if start <= message.column < end), None)
        if hit is None:
            after = [start for start, _ in spans if start >= message.column]
            hit = min(after) if after and min(after) - message.column <= 2 else message.column
        places.add((message.line, hit))
    return places
