"""Sheet-music exporters for `composer export` (.pdf, .svg, .musicxml); not a subcommand of its own."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from composer.abc.tunebook import Tune, Tunebook
from composer.commands.export_outcome import Outcome, each_tune
from composer.errors import ComposerError


def exportable(book: Tunebook, tunes: list[Tune]) -> tuple[list[Tune], list[ComposerError]]:
    """The tunes fit to print, and the errors of the others (numbers outside musical bounds, no K:); AbcError
    when the tunebook would pull another file into the pages (`%%abc-include`)."""
    from composer.notation.music21_abc import require_exportable
    from composer.notation.pages import refuse_file_directives

    refuse_file_directives(book.text, book.path)
    good: list[Tune] = []
    failed: list[ComposerError] = []
    for tune in tunes:
        try:
            require_exportable(tune)
            good.append(tune)
        except ComposerError as exc:
            failed.append(exc)
    return good, failed


@contextmanager
def _named(book: Tunebook) -> Iterator[None]:
    """Give an engraver's or Ghostscript's error that names no file the tunebook's name."""
    try:
        yield
    except ComposerError as exc:
        if exc.path is not None:
            raise
        raise type(exc)(f"cannot print it: {exc.message}", path=book.path or "the tunebook", tune=exc.tune,
                        line=exc.line, column=exc.column) from exc


def export_pdf(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> Outcome:
    """The chosen tunes (or the whole tunebook) as one PDF, every tune starting a new page; tunes outside
    musical bounds are left out and reported."""
    from composer.notation.pages import tunebook_text
    from composer.notation.pdf import write_pdf

    good, failed = exportable(book, tunes)
    if not good:
        return Outcome([], failed)
    with _named(book):
        write_pdf(tunebook_text(book, good), output)
    return Outcome([output], failed)


def export_svg(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> Outcome:
    """The chosen tunes as SVG, one file per page (OUT-1.svg, OUT-2.svg... when there are several); tunes outside
    musical bounds are left out and reported."""
    from composer.notation.pages import tunebook_text
    from composer.notation.svg_pages import write_svg_pages

    good, failed = exportable(book, tunes)
    if not good:
        return Outcome([], failed)
    with _named(book):
        return Outcome(write_svg_pages(tunebook_text(book, good), output), failed)


def export_musicxml(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> Outcome:
    """Each chosen tune as a MusicXML file (OUT-<X>.musicxml when there are several)."""
    from composer.commands.export_outcome import numbered_paths
    from composer.notation.musicxml import write_musicxml

    return each_tune(tunes, numbered_paths(output, tunes), write_musicxml)
