"""The engrave job: parse the text and engrave the tune under the cursor, reflowed to the staff pane, with a
suggestion shown faint when there is one (runs in a worker thread; the window shows the result in the StaffView)."""

from __future__ import annotations

from dataclasses import dataclass

from composer.abc.tunebook import Tunebook, read_tune_at
from composer.notation.engrave import EngravedTune, engrave_svg, isolate_tune
from composer.notation.preview import Insertion, faint_insertion


@dataclass(frozen=True)
class Engraving:
    """What the engrave job returns: the tunebook as far as it was read (its file header, first tune and the tune
    drawn: composer.abc.tunebook.read_tune_at), the tune drawn (its first line) and the picture (a
    composer.notation.preview.PreviewedTune when a suggestion was drawn in it)."""

    book: Tunebook
    tune_line: int | None
    engraved: EngravedTune | None
    text: str = ""  # the text it was parsed from (with the previewed insertion in it, if any)


def engrave_tune_at(text: str, line: int, page_width: int | None = None,
                    preview: Insertion | None = None) -> Engraving:
    """Engrave the tune of `text` covering `line`, reflowed to `page_width` pixels when given (runs in a worker
    thread). Only that tune is read: the Document reads the whole tunebook, once per pause in typing. With
    `preview` (a suggestion at the cursor), the tune is drawn with it inserted and its symbols faint; the other
    symbols keep their places in `text`."""
    if preview is not None and not 0 <= preview.position <= len(text):
        preview = None
    shown = text if preview is None else preview.applied_to(text)
    book = read_tune_at(shown, line)
    tune = book.tune_at_line(line) or (book.tunes[0] if book.tunes else None)
    if tune is None:
        return Engraving(book, None, None, shown)
    engraved = engrave_svg(isolate_tune(shown, tune.line, book), page_width=page_width)
    if preview is not None:
        engraved = faint_insertion(engraved, shown, preview)
    return Engraving(book, tune.line, engraved, shown)
