"""Whole printed pages from abcm2ps: paper and margins, which tunes to print, and the engraver run for pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from composer.abc.tunebook import Tune, Tunebook
from composer.notation.engrave import ABCM2PS, EngravingError

__all__ = [
    "PAPER_SIZES", "PageFormat", "file_directives", "page_source", "refuse_file_directives", "run_page_engraver",
    "tunebook_text",
]

#: Paper sizes in PostScript points (1/72 inch), width × height, portrait.
PAPER_SIZES: dict[str, tuple[float, float]] = {
    "a4": (595.28, 841.89),
    "a5": (419.53, 595.28),
    "letter": (612.0, 792.0),
    "legal": (612.0, 1008.0),
}

# Output buffer in KiB, as for the staff pane: the default overflows on long tunes.
_BUFFER_KIB = "8192"
_VERSION_LINE = re.compile(r"\A%abc[^\n]*\n")
# abcm2ps directives that read another file by name (`%%abc-include`, `%%format`, `%%EPS`), written as `%%`
# lines or as I: fields, on a line or inline.
_FILE_DIRECTIVE = re.compile(r"^\s*(?:%%|I:|\[I:)\s*(abc-include|format|EPS)\b", re.I | re.M)


@dataclass(frozen=True)
class PageFormat:
    """Paper size and margins in points; abcm2ps's own defaults are used for what is left as None.

    `%%` page-format directives in the ABC text (`%%pageheight`, `%%leftmargin`, `%%scale`...) come later
    than these and win.
    """

    width: float | None = None
    height: float | None = None
    left_margin: float | None = None
    right_margin: float | None = None
    top_margin: float | None = None
    bottom_margin: float | None = None

    @classmethod
    def paper(cls, name: str, margin: float | None = None) -> PageFormat:
        """A named paper size (see PAPER_SIZES) with one margin on every side, in points."""
        try:
            width, height = PAPER_SIZES[name.lower()]
        except KeyError:
            raise ValueError(f"unknown paper {name!r}: use one of {', '.join(PAPER_SIZES)}") from None
        return cls(width, height, margin, margin, margin, margin)

    def directives(self) -> str:
        """The abcm2ps format lines (`%%pagewidth 8.2678in`...) for the values that are set.

        Inches, because abcm2ps 8.14 reads "pt" as a CSS pixel (1/96 inch), not a PostScript point.
        """
        pairs = (
            ("pagewidth", self.width), ("pageheight", self.height), ("leftmargin", self.left_margin),
            ("rightmargin", self.right_margin), ("topmargin", self.top_margin), ("botmargin", self.bottom_margin),
        )
        return "".join(f"%%{name} {value / 72:.4f}in\n" for name, value in pairs if value is not None)


def tunebook_text(book: Tunebook, tunes: Iterable[Tune] | None = None) -> str:
    """The text to print: the whole tunebook, or the file header (directives and all) and the chosen tunes.

    Unlike the tunes' parsed file-header fields, the header kept here holds its `%%` format lines.
    """
    chosen = list(book.tunes if tunes is None else tunes)
    if tunes is None or chosen == list(book.tunes):
        return book.text
    lines = book.text.split("\n")
    first_tune_line = book.tunes[0].line if book.tunes else len(lines) + 1
    header = "".join(line + "\n" for line in lines[:first_tune_line - 1])
    return header + "\n".join(tune.text() for tune in chosen)


def page_source(text: str, page_format: PageFormat | None = None, *, tune_per_page: bool = True) -> str:
    """`text` with the page format (and `%%oneperpage`) put in front, after any `%abc` version line.

    EngravingError when `text` would make abcm2ps read another file (see refuse_file_directives)."""
    refuse_file_directives(text)
    front = page_format.directives() if page_format else ""
    if tune_per_page:
        front += "%%oneperpage 1\n"
    version = _VERSION_LINE.match(text)
    if version:
        return version.group(0) + front + text[version.end():]
    return front + text


def file_directives(text: str) -> list[tuple[int, str]]:
    """(line, directive) of each directive in `text` that would make abcm2ps read another file."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _FILE_DIRECTIVE.finditer(text)]


def refuse_file_directives(text: str, path: str | None = None) -> None:
    """EngravingError at the first directive that would pull another file into the pages: a tunebook may not
    print (or leak) files beside it or elsewhere on the disk."""
    found = file_directives(text)
    if found:
        line, name = found[0]
        raise EngravingError(f"%%{name} reads another file, which Composer does not do; copy what it needs into "
                             "this tunebook", path=path, line=line, column=1)


def run_page_engraver(text: str, output_option: str, *, timeout: float = 60.0, engraver: str | None = None) -> bytes:
    """Run abcm2ps on `text` with `output_option` ("-v" for SVG pages, "" for PostScript); its stdout.

    Raises EngravingError when the text would make abcm2ps read another file (refuse_file_directives), or
    abcm2ps is missing, crashes, hangs, or writes no page at all.
    """
    refuse_file_directives(text)
    program = engraver or shutil.which(ABCM2PS)
    if program is None:
        raise EngravingError("abcm2ps is not installed (Debian/Ubuntu: apt install abcm2ps)")
    command = [program, *([output_option] if output_option else []), "-q", "-S", "-k", _BUFFER_KIB, "-O", "-", "-"]
    try:
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise EngravingError(f"abcm2ps took longer than {timeout:g} s") from exc
    except OSError as exc:
        raise EngravingError(f"abcm2ps could not be started: {exc}") from exc
    if done.returncode < 0:
        raise EngravingError(f"abcm2ps crashed (signal {-done.returncode})")
    if not done.stdout.strip():
        errors = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        if not errors or "Nothing to generate" in errors[-1]:
            raise EngravingError("abcm2ps drew no page: it found no tune it could print (does each tune start with X:, "
                                 "and is its header free of blank lines?)")
        raise EngravingError(f"abcm2ps drew no page: {errors[-1]}")
    return done.stdout
