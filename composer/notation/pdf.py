"""Vector PDF of one tune or a whole tunebook: abcm2ps writes PostScript pages, Ghostscript turns them into PDF."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from composer.notation.atomic_file import Destination, write_bytes_atomically
from composer.notation.engrave import EngravingError
from composer.notation.pages import PageFormat, page_source, run_page_engraver

__all__ = ["GHOSTSCRIPT_NAMES", "PdfError", "pdf_bytes", "postscript_pages", "write_pdf"]

#: Ghostscript's command-line program on Linux/macOS and on Windows (Debian package `ghostscript`).
GHOSTSCRIPT_NAMES = ("gs", "gswin64c", "gswin32c")


class PdfError(EngravingError):
    """Ghostscript is missing or could not turn the engraved pages into a PDF."""


def postscript_pages(text: str, page_format: PageFormat | None = None, *, tune_per_page: bool = True,
                     timeout: float = 60.0) -> bytes:
    """The PostScript abcm2ps prints for ABC `text`; every tune starts a page unless `tune_per_page` is False."""
    postscript = run_page_engraver(page_source(text, page_format, tune_per_page=tune_per_page), "", timeout=timeout)
    if b"\n%%Page:" not in postscript:
        raise EngravingError("abcm2ps drew no page (no tune in the text?)")
    return postscript


def pdf_bytes(text: str, page_format: PageFormat | None = None, *, tune_per_page: bool = True,
              timeout: float = 60.0) -> bytes:
    """A vector PDF of ABC `text` (one tune or a tunebook) with one page per printed page.

    The paper size is abcm2ps's (its default, `page_format`, or the text's own `%%pagewidth`/`%%pageheight`).
    """
    postscript = postscript_pages(text, page_format, tune_per_page=tune_per_page, timeout=timeout)
    program = next((found for name in GHOSTSCRIPT_NAMES if (found := shutil.which(name))), None)
    if program is None:
        raise PdfError("Ghostscript is not installed (Debian/Ubuntu: apt install ghostscript)")
    with tempfile.TemporaryDirectory(prefix="composer-pdf-") as folder:
        source, target = Path(folder, "pages.ps"), Path(folder, "pages.pdf")
        source.write_bytes(postscript)
        # -dSAFER: the PostScript may not touch files; the page size comes from abcm2ps's setpagedevice.
        command = [program, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
                   f"-sOutputFile={target}", str(source)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Ghostscript took longer than {timeout:g} s") from exc
        except OSError as exc:
            raise PdfError(f"Ghostscript could not be started: {exc}") from exc
        if done.returncode != 0 or not target.is_file():
            message = (done.stderr or done.stdout).decode("utf-8", errors="replace").strip()
            raise PdfError(f"Ghostscript failed (exit {done.returncode})" + (f": {message[-300:]}" if message else ""))
        return target.read_bytes()


def write_pdf(text: str, destination: Destination, page_format: PageFormat | None = None, *,
              tune_per_page: bool = True) -> None:
    """Write the PDF of ABC `text` to a path (atomically) or a binary file object."""
    write_bytes_atomically(destination, pdf_bytes(text, page_format, tune_per_page=tune_per_page))
