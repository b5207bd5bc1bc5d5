"""The `composer` command as a whole: a reader that stops early (`| head`) ends no command in a traceback."""

from __future__ import annotations

import subprocess
import sys

BAD_TUNE = "X:{n}\nT:Broken {n}\nM:4/4\nL:1/8\nK:D\n|: ABc d2 [ | cde :|\n"


def _stop_reading_after_one_line(command: list[str]) -> subprocess.CompletedProcess:
    """Run `python -m composer COMMAND` into a pipe whose reader goes away after the first line."""
    process = subprocess.Popen([sys.executable, "-m", "composer", *command], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode()
    process.wait(120)
    return subprocess.CompletedProcess(command, process.returncode, first, err)


def test_check_into_head_ends_quietly(tmp_path):
    book = tmp_path / "book.abc"
    book.write_text("\n".join(BAD_TUNE.format(n=n) for n in range(1, 3001)))
    done = _stop_reading_after_one_line(["check", str(book)])
    assert done.stdout.startswith(str(book).encode())
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.stderr == ""
    assert done.returncode == 141
