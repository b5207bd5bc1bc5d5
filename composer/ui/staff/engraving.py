"""The engrave job: parse the text and engrave the tune under the cursor, reflowed to the staff pane (runs in a
worker thread; the window shows the result in the StaffView)."""

from __future__ import annotations

from dataclasses import dataclass

from composer.abc.tunebook import Tunebook, read_tune_at
from composer.notation.engrave import EngravedTune, engrave_svg, isolate_tune


@dataclass(frozen=True)
class Engraving:
    """What the engrave job returns: the tunebook as far as it was read (its file header, first tune and the tune
    drawn: composer.abc.tunebook.read_tune_at), the tune drawn (its first line) and the picture."""

    book: Tunebook
    tune_line: int | None
    engraved: EngravedTune | None
    text: str = ""  # the text it was parsed from


def engrave_tune_at(text: str, line: int, page_width: int | None = None) -> Engraving:
    """Engrave the tune of `text` covering `line`, reflowed to `page_width` pixels when given (runs in a worker
    thread). Only that tune is read: the Document reads the whole tunebook, once per pause in typing."""
    book = read_tune_at(text, line)
    tune = book.tune_at_line(line) or (book.tunes[0] if book.tunes else None)
    if tune is None:
        return Engraving(book, None, None, text)
    return Engraving(book, tune.line, engrave_svg(isolate_tune(text, tune.line, book), page_width=page_width),
                     text)
