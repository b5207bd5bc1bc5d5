"""Sheet-music exporters for `composer export` (.pdf, .svg, .musicxml); not a subcommand of its own."""

from __future__ import annotations

import argparse
from pathlib import Path

from composer.abc.tunebook import Tune, Tunebook


def export_pdf(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> list[Path]:
    """The chosen tunes (or the whole tunebook) as one PDF, every tune starting a new page."""
    from composer.notation.pages import tunebook_text
    from composer.notation.pdf import write_pdf

    write_pdf(tunebook_text(book, tunes), output)
    return [output]


def export_svg(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> list[Path]:
    """The chosen tunes as SVG, one file per page (OUT-1.svg, OUT-2.svg... when there are several)."""
    from composer.notation.pages import tunebook_text
    from composer.notation.svg_pages import write_svg_pages

    return write_svg_pages(tunebook_text(book, tunes), output)


def export_musicxml(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> list[Path]:
    """Each chosen tune as a MusicXML file (OUT-<X>.musicxml when there are several)."""
    from composer.commands.export import numbered_paths
    from composer.notation.musicxml import write_musicxml

    paths = numbered_paths(output, tunes)
    for tune, path in zip(tunes, paths, strict=True):
        write_musicxml(tune, path)
    return paths
