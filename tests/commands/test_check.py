"""`composer check FILE.abc`: output format, exit codes, unreadable files."""

from __future__ import annotations

import subprocess
import sys

from composer.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "composer", "check", *args], capture_output=True, text=True)


def test_errors_print_file_line_column_and_exit_1(tmp_path):
    path = tmp_path / "bad.abc"
    path.write_text("X:1\nT:t\nM:4/4\nL:1/8\nK:G\nABc (d|\"Cd\"efga|\n")
    done = run(str(path))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert f"{path}:6:5: error: slur ( is never closed" in lines
    assert any(line.startswith(f"{path}:6:8: warning: chord symbol") for line in lines)


def test_warnings_only_exit_0(tmp_path, capsys):
    path = tmp_path / "ok.abc"
    path.write_text("X:1\nT:t\nY:AB\nM:4/4\nL:1/8\nK:G\nABcd efga|\n")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}:3:1: warning: unknown header field Y:\n"


def test_clean_real_file_and_binary_file(tmp_path):
    clean = tmp_path / "clean.abc"
    clean.write_text("X:1\nT:t\nM:3/4\nL:1/8\nK:D\nd2 fe dc|B6|]\n")
    assert run(str(clean)).returncode == 0
    binary = tmp_path / "junk.abc"
    binary.write_bytes(bytes(range(256)) * 20)
    done = run(str(binary))
    assert done.returncode == 1 and "Traceback" not in done.stderr and done.stdout


def test_unreadable_file_gives_a_message_not_a_traceback(tmp_path):
    done = run(str(tmp_path / "missing.abc"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr and "Traceback" not in done.stderr
    folder = run(str(tmp_path))
    assert folder.returncode == 2 and "Traceback" not in folder.stderr
