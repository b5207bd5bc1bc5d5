"""Engrave ABC to whole SVG pages with abcm2ps (the staff pane's engraver), one picture per printed page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from composer.notation.atomic_file import write_bytes_atomically
from composer.notation.engrave import EngravingError
from composer.notation.pages import PageFormat, page_source, run_page_engraver

__all__ = ["SvgPage", "engrave_pages", "page_paths", "write_svg_pages"]

_SVG_DOCUMENT = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_SIZE = re.compile(
    r'<svg\b[^>]*?\bwidth="([\d.]+)(px|pt|in|cm|mm)?"[^>]*?\bheight="([\d.]+)(px|pt|in|cm|mm)?"', re.S)
# SVG user units per point (abcm2ps writes px at 96 per inch).
_UNIT_POINTS = {"px": 0.75, "pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, None: 0.75}


@dataclass(frozen=True)
class SvgPage:
    """One printed page as a standalone SVG document, and its paper size in points."""

    number: int  # 1-based
    svg: str
    width: float
    height: float


def engrave_pages(text: str, page_format: PageFormat | None = None, *, tune_per_page: bool = True,
                  timeout: float = 60.0) -> tuple[SvgPage, ...]:
    """The pages abcm2ps prints for ABC `text` (one tune or a tunebook), as SVG.

    Every tune starts on a new page unless `tune_per_page` is False; `%%` page-format directives in the text
    are honoured and win over `page_format`. Raises EngravingError when no page can be drawn.
    """
    output = run_page_engraver(page_source(text, page_format, tune_per_page=tune_per_page), "-v", timeout=timeout)
    documents = _SVG_DOCUMENT.findall(output.decode("utf-8", errors="replace"))
    if not documents:
        raise EngravingError("abcm2ps drew no page (no tune in the text?)")
    pages = []
    for number, document in enumerate(documents, start=1):
        size = _SVG_SIZE.search(document)
        if size:
            width = float(size.group(1)) * _UNIT_POINTS[size.group(2)]
            height = float(size.group(3)) * _UNIT_POINTS[size.group(4)]
        else:
            width = height = 0.0
        pages.append(SvgPage(number, '<?xml version="1.0" encoding="UTF-8"?>\n' + document + "\n", width, height))
    return tuple(pages)


def page_paths(output: Path, count: int) -> list[Path]:
    """Where `count` pages go: `output` itself for one page, else OUT-1.svg, OUT-2.svg..."""
    if count == 1:
        return [output]
    width = len(str(count))
    return [output.with_name(f"{output.stem}-{number:0{width}d}{output.suffix}") for number in range(1, count + 1)]


def write_svg_pages(text: str, output: str | Path, page_format: PageFormat | None = None, *,
                    tune_per_page: bool = True) -> list[Path]:
    """Engrave `text` and write one SVG file per page (see page_paths); returns the files written."""
    pages = engrave_pages(text, page_format, tune_per_page=tune_per_page)
    paths = page_paths(Path(output), len(pages))
    for page, path in zip(pages, paths, strict=True):
        write_bytes_atomically(path, page.svg.encode("utf-8"))
    return paths
