"""Write tunes back to an ABC tunebook: faithfully (source text kept) or in canonical model form."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from composer.abc.tunebook import Field, Tune, Tunebook, decode, normalize_newlines
from composer.model.canonical import canonical_text
from composer.notation.atomic_file import Destination, write_bytes_atomically

__all__ = ["abc_text", "standalone_tune_text", "write_abc"]


def abc_text(tunes_or_book: Tunebook | Iterable[Tune], *, canonical: bool = False) -> str:
    """The tunebook text of `tunes_or_book`.

    A Tunebook gives its own text (free text between tunes and all); a sequence of tunes gives each tune's
    source text, separated by an empty line, after the file header the tunes were read with. With
    `canonical`, every tune is in canonical model form, numbered X:1, X:2... unless their own X: numbers
    are all present and distinct.
    """
    if isinstance(tunes_or_book, Tunebook):
        if not canonical:
            return tunes_or_book.text
        tunes = list(tunes_or_book.tunes)
    else:
        tunes = list(tunes_or_book)
    if canonical:
        return _canonical_book(tunes)
    return _faithful_book(tunes)


def write_abc(tunes_or_book: Tunebook | Iterable[Tune], path: Destination, *,
              canonical: bool = False) -> None:
    """Write a tunebook to `path` (atomically) or to a binary file object.

    An unchanged Tunebook read from a file is written byte for byte as that file stood (line endings and
    encoding included); everything else is written as UTF-8 with LF line endings.
    """
    if isinstance(tunes_or_book, Tunebook) and not canonical:
        original = _unchanged_source_bytes(tunes_or_book)
        if original is not None:
            write_bytes_atomically(path, original)
            return
    write_bytes_atomically(path, abc_text(tunes_or_book, canonical=canonical).encode("utf-8"))


def standalone_tune_text(tune: Tune) -> str:
    """The tune's source text with the file-header fields it relies on folded in after its X: line."""
    return _with_file_header_fields(tune.text() or _text_from_parts(tune), tune)


def _unchanged_source_bytes(book: Tunebook) -> bytes | None:
    """The bytes of the file `book` was read from, if that file still holds exactly the book's text."""
    if book.path is None or not os.path.isfile(book.path):
        return None
    data = Path(book.path).read_bytes()
    return data if normalize_newlines(decode(data)) == book.text else None


def _canonical_book(tunes: list[Tune]) -> str:
    references = [t.reference for t in tunes]
    keep_own = None not in references and len(set(references)) == len(references)
    parts = []
    for number, tune in enumerate(tunes, start=1):
        reference = tune.reference if keep_own else number
        parts.append(re.sub(r"\AX:1\n", f"X:{reference}\n", canonical_text(tune)))
    return "".join(parts)


def _faithful_book(tunes: list[Tune]) -> str:
    if not tunes:
        return ""
    headers = {t.file_header for t in tunes}
    shared_header = tunes[0].file_header if len(headers) == 1 else ()
    blocks = []
    if shared_header:
        blocks.append("".join(_field_line(f) for f in shared_header))
    for tune in tunes:
        text = tune.text() or _text_from_parts(tune)
        if not shared_header and tune.file_header:
            text = _with_file_header_fields(text, tune)
        blocks.append(text)
    return "\n".join(blocks)


def _field_line(field: Field) -> str:
    return f"{field.name}:{field.value}\n"


def _text_from_parts(tune: Tune) -> str:
    """A tune built in code (no source lines): its header fields, then its body."""
    return "".join(_field_line(f) for f in tune.header) + "".join(b.text + "\n" for b in tune.body)


def _with_file_header_fields(text: str, tune: Tune) -> str:
    """`text` with the file-header fields the tune does not set itself, written just after its X: line."""
    own = {f.name for f in tune.header}
    missing = "".join(_field_line(f) for f in tune.file_header if f.name not in own)
    lines = text.splitlines(keepends=True)
    at = 1 if lines and lines[0].startswith("X:") else 0
    return "".join(lines[:at]) + missing + "".join(lines[at:])
