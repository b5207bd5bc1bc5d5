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


def test_control_characters_from_the_file_are_escaped_not_sent_to_the_terminal(tmp_path):
    path = tmp_path / "hostile.abc"
    path.write_bytes(b'X:1\nT:t\nM:4/4\nL:1/8\nK:D\nAB "\x1b]0;owned\x07\x1b[2J"cd \xe2\x80\xaeA|\nY:\x1b[31m\n')
    done = run(str(path))
    assert done.returncode == 1
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\u202e" not in done.stdout
    assert "\\x1b" in done.stdout and "hostile.abc:6:4:" in done.stdout


def test_a_zero_unit_length_is_an_error_with_its_place(tmp_path):
    path = tmp_path / "zero.abc"
    path.write_text("X:1\nT:t\nM:4/4\nL:1/0\nK:D\nABcd|\n")
    done = run(str(path))
    assert done.returncode == 1
    assert f"{path}:4:3: error: L:1/0 is not a unit length" in done.stdout
