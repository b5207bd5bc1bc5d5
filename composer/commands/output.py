"""Writing a command's tunebook: to standard output, or atomically to a file, never at the cost of a user's tunes.

`write_text(text, path)` goes through the atomic writer, so a failed write (a full disk, a folder in the way)
leaves the old file as it was and no temporary file behind, and says so as a ComposerError naming the file.
`replace_tune(book_path, tune, text)` rewrites one tune of a tunebook in place and keeps every other byte.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from composer.abc.tunebook import Tune
from composer.errors import ComposerError
from composer.notation.atomic_file import write_bytes_atomically

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_BOM = b"\xef\xbb\xbf"


def tunebook_text(tunes: list[str]) -> str:
    """Tunes (each starting with its X: line) separated by empty lines."""
    return "\n\n".join(t.rstrip("\n") for t in tunes) + "\n"


def write_text(text: str, output: Path | None) -> None:
    """`text` to standard output (None) or atomically to `output` as UTF-8."""
    if output is None:
        sys.stdout.write(text)
        return
    write_file(output, text.encode("utf-8"))


def write_file(output: Path, data: bytes) -> None:
    try:
        write_bytes_atomically(output, data)
    except OSError as exc:
        raise ComposerError(f"cannot write: {exc.strerror or exc}; the file was left as it was",
                            path=str(output)) from exc


def same_file(a: str | os.PathLike, b: str | os.PathLike | None) -> bool:
    """Whether `b` names the existing file `a` (through any spelling or link)."""
    if b is None:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def replace_tune(book_path: Path, tune: Tune, text: str) -> None:
    """Rewrite `book_path` with `tune`'s lines replaced by `text`; every other byte stays as it was.

    The file is decoded and encoded as the reader decodes it (UTF-8, else Latin-1), with its own newlines."""
    try:
        data = book_path.read_bytes()
    except OSError as exc:
        raise ComposerError(f"cannot read: {exc.strerror or exc}", path=str(book_path)) from exc
    bom = _BOM if data.startswith(_BOM) else b""
    try:
        encoding, source = "utf-8", data[len(bom):].decode("utf-8")
    except UnicodeDecodeError:
        encoding, source = "latin-1", data[len(bom):].decode("latin-1")
    lines = _LINE.findall(source)
    first, last = tune.line - 1, tune.end_line  # the tune's lines, as the reader numbered them
    if last > len(lines) or "".join(lines[first:last]).replace("\r\n", "\n").replace("\r", "\n") != tune.text():
        raise ComposerError("the tunebook changed while the tune was being continued; nothing was written",
                            path=str(book_path), tune=tune.reference, line=tune.line)
    newline = next((ln[len(ln.rstrip("\r\n")):] for ln in lines if ln.endswith(("\n", "\r"))), "\n")
    new_lines = [ln + newline for ln in text.rstrip("\n").split("\n")]
    if last == len(lines) and not lines[-1].endswith(("\n", "\r")):
        new_lines[-1] = new_lines[-1][:-len(newline)]  # the file had no final newline: still none
    encoded = "".join([*lines[:first], *new_lines, *lines[last:]]).encode(encoding, errors="replace")
    write_file(book_path.resolve(), bom + encoded)  # through a link to the file, not over the link
