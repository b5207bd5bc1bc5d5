"""The window's exports as plain functions of snapshots (text, paths, values), each returning the files written:
importable in a child process (composer.notation.time_limit), with no Qt anywhere."""

from __future__ import annotations

from composer.abc.tunebook import Tune, read_string
from composer.notation.pages import PageFormat

__all__ = ["midi_file_of", "musicxml_file_of", "pdf_file_of", "svg_files_of"]


def pdf_file_of(text: str, path: str, page_format: PageFormat | None) -> list[str]:
    from composer.notation.pdf import write_pdf

    write_pdf(text, path, page_format)
    return [path]


def svg_files_of(text: str, path: str, page_format: PageFormat | None) -> list[str]:
    from composer.notation.svg_pages import write_svg_pages

    return [str(p) for p in write_svg_pages(text, path, page_format)]


def musicxml_file_of(text: str, path: str, page_format: PageFormat | None = None) -> list[str]:
    """The first tune of `text` as MusicXML."""
    from composer.notation.musicxml import write_musicxml

    write_musicxml(read_string(text).tunes[0], path)
    return [path]


def midi_file_of(tune: Tune, path: str) -> str:
    from composer.notation.midi import write_midi

    write_midi(tune, path)
    return path
