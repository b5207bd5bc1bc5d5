"""PDF export with the real abcm2ps and Ghostscript, read back with poppler's pdfinfo and pdftotext."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import read_string, read_tunebook
from composer.cli import main as composer
from composer.notation.engrave import EngravingError
from composer.notation.pages import PAPER_SIZES, PageFormat, page_source, tunebook_text
from composer.notation.pdf import PdfError, pdf_bytes, write_pdf

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples.abc"


def pdf_info(path: Path) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(re.findall(r"^([^:\n]+):\s*(.*)$", done.stdout, re.M))


def page_count(path: Path) -> int:
    return int(pdf_info(path)["Pages"])


def page_size(path: Path) -> tuple[float, float]:
    width, height = re.match(r"([\d.]+) x ([\d.]+)", pdf_info(path)["Page size"]).groups()
    return float(width), float(height)


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    text = subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.replace("\u2019", "'")  # abcm2ps sets apostrophes as typographic quotes


@pytest.fixture(scope="module")
def jigs():
    return read_tunebook(nottingham_dir() / "jigs.abc")


def test_every_tune_of_a_real_tunebook_starts_its_own_page_and_its_title_is_text(jigs, tmp_path):
    tunes = list(jigs.tunes[:5])
    path = tmp_path / "jigs.pdf"
    write_pdf(tunebook_text(jigs, tunes), path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert page_count(path) == len(tunes)
    for number, tune in enumerate(tunes, start=1):
        assert tune.title in pdf_text(path, number)


def test_without_page_breaks_short_tunes_share_pages(jigs, tmp_path):
    tunes = list(jigs.tunes[:5])
    path = tmp_path / "together.pdf"
    path.write_bytes(pdf_bytes(tunebook_text(jigs, tunes), tune_per_page=False))
    assert page_count(path) < len(tunes)
    text = pdf_text(path)
    assert all(tune.title in text for tune in tunes)


def test_a_long_tune_runs_over_several_pages_when_the_text_asks_for_small_paper(jigs, tmp_path):
    tune = jigs.tunes[0]
    small = "%%pageheight 8cm\n%%topmargin 0.5cm\n%%botmargin 0.5cm\n" + tune.text()
    path = tmp_path / "small.pdf"
    write_pdf(small, path)
    assert page_count(path) > 1
    assert page_size(path)[1] == pytest.approx(8 / 2.54 * 72, abs=1)


def test_the_paper_follows_the_page_format_and_the_texts_own_directives_win(tmp_path):
    kesh = next(t for t in read_tunebook(EXAMPLES) if t.title == "The Kesh")
    a5 = tmp_path / "a5.pdf"
    write_pdf(kesh.text(), a5, PageFormat.paper("a5", margin=36))
    assert page_size(a5) == pytest.approx(PAPER_SIZES["a5"], abs=1)
    letter_in_text = tmp_path / "letter.pdf"
    write_pdf("%%pagewidth 8.5in\n%%pageheight 11in\n" + kesh.text(), letter_in_text, PageFormat.paper("a4"))
    assert page_size(letter_in_text) == pytest.approx(PAPER_SIZES["letter"], abs=1)


def test_page_source_puts_the_format_after_the_version_line():
    source = page_source("%abc-2.1\nX:1\nK:G\nG|\n", PageFormat(width=100.0))
    assert source.splitlines()[:3] == ["%abc-2.1", "%%pagewidth 1.3889in", "%%oneperpage 1"]


def test_one_tune_of_a_tunebook_keeps_the_file_header_directives(tmp_path):
    book = read_string("%%pagewidth 15cm\n%%pageheight 15cm\n\nX:1\nT:First\nK:G\nGABc|\n\n"
                       "X:2\nT:Second Tune\nK:D\nDEFG|\n")
    text = tunebook_text(book, [book.tunes[1]])
    assert "First" not in text
    path = tmp_path / "second.pdf"
    write_pdf(text, path)
    assert page_size(path) == pytest.approx((15 / 2.54 * 72,) * 2, abs=1)
    assert "Second Tune" in pdf_text(path)


def test_pdf_goes_to_a_file_object_too():
    kesh = next(t for t in read_tunebook(EXAMPLES) if t.title == "The Kesh")
    out = io.BytesIO()
    write_pdf(kesh.text(), out)
    assert out.getvalue().startswith(b"%PDF-") and out.getvalue().rstrip().endswith(b"%%EOF")


def test_text_without_a_tune_is_an_engraving_error():
    with pytest.raises(EngravingError, match="no page"):
        pdf_bytes("just some words\n")


def test_missing_ghostscript_is_a_pdf_error(tmp_path, monkeypatch):
    only_abcm2ps = tmp_path / "bin"
    only_abcm2ps.mkdir()
    (only_abcm2ps / "abcm2ps").symlink_to(shutil.which("abcm2ps"))
    monkeypatch.setenv("PATH", str(only_abcm2ps))
    with pytest.raises(PdfError, match="Ghostscript is not installed"):
        pdf_bytes("X:1\nT:t\nK:G\nGABc|\n")


def test_missing_abcm2ps_is_an_engraving_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngravingError, match="abcm2ps is not installed"):
        pdf_bytes("X:1\nT:t\nK:G\nGABc|\n")


def test_cli_exports_one_tune_or_the_whole_tunebook(tmp_path, capsys):
    book = read_tunebook(EXAMPLES)
    one = tmp_path / "one.pdf"
    assert composer(["export", str(EXAMPLES), "--tune", "Kesh", "-o", str(one)]) == 0
    assert page_count(one) == 1 and "The Kesh" in pdf_text(one)
    whole = tmp_path / "book.pdf"
    assert composer(["export", str(EXAMPLES), "-o", str(whole)]) == 0
    assert page_count(whole) >= len(book.tunes)
    text = pdf_text(whole)
    assert all(tune.title in text for tune in book.tunes)
    assert capsys.readouterr().out.split() == [str(one), str(whole)]
    assert os.access(whole, os.R_OK)
