"""SVG pages with the real abcm2ps: one well-formed SVG document per printed page, one file per page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import read_tunebook
from composer.cli import main as composer
from composer.notation.engrave import EngravingError
from composer.notation.pages import PAPER_SIZES, PageFormat, tunebook_text
from composer.notation.svg_pages import engrave_pages, page_paths, write_svg_pages

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples.abc"


def texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg.encode("utf-8"))
    return ["".join(node.itertext()).replace("\u2019", "'") for node in root.iter(f"{SVG}text")]


@pytest.fixture(scope="module")
def reels():
    return read_tunebook(nottingham_dir() / "reelsa-c.abc")


def test_each_tune_gets_its_own_well_formed_page_with_its_title(reels):
    tunes = list(reels.tunes[:4])
    pages = engrave_pages(tunebook_text(reels, tunes))
    assert len(pages) == len(tunes)
    for number, (page, tune) in enumerate(zip(pages, tunes, strict=True), start=1):
        assert page.number == number
        assert page.svg.startswith("<?xml")
        assert tune.title in texts(page.svg)
        assert "<abc " not in page.svg  # no symbol annotations on printed pages
        # abcm2ps's default paper: US letter, in points.
        assert (page.width, page.height) == pytest.approx(PAPER_SIZES["letter"], abs=0.5)


def test_pages_follow_the_paper_asked_for(reels):
    [page] = engrave_pages(reels.tunes[0].text(), PageFormat.paper("a4", margin=40))
    assert (page.width, page.height) == pytest.approx(PAPER_SIZES["a4"], abs=0.5)
    root = ElementTree.fromstring(page.svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"


def test_one_file_per_page_numbered_when_several(reels, tmp_path):
    tunes = list(reels.tunes[:3])
    paths = write_svg_pages(tunebook_text(reels, tunes), tmp_path / "reels.svg")
    assert paths == page_paths(tmp_path / "reels.svg", len(tunes))
    assert [p.name for p in paths] == [f"reels-{n}.svg" for n in range(1, len(tunes) + 1)]
    for path, tune in zip(paths, tunes, strict=True):
        assert tune.title in texts(path.read_text(encoding="utf-8"))
    [single] = write_svg_pages(tunes[0].text(), tmp_path / "one.svg")
    assert single == tmp_path / "one.svg" and single.is_file()


def test_page_numbers_are_zero_padded_past_nine(tmp_path):
    names = [p.name for p in page_paths(tmp_path / "book.svg", 12)]
    assert names[0] == "book-01.svg" and names[-1] == "book-12.svg" and names == sorted(names)


def test_text_without_a_tune_is_an_engraving_error():
    with pytest.raises(EngravingError):
        engrave_pages("no music here\n")


def test_cli_writes_svg_pages_of_a_tunebook(tmp_path, capsys):
    book = read_tunebook(EXAMPLES)
    assert composer(["export", str(EXAMPLES), "-o", str(tmp_path / "examples.svg")]) == 0
    written = [Path(line) for line in capsys.readouterr().out.split()]
    assert len(written) >= len(book.tunes) and all(p.is_file() for p in written)
    all_text = [t for p in written for t in texts(p.read_text(encoding="utf-8"))]
    assert all(tune.title in all_text for tune in book.tunes)
    first = written[0].read_text(encoding="utf-8")
    assert re.search(r'<svg\b[^>]*width="816.00px"', first)  # letter at 96 px an inch


def test_the_page_engraver_refuses_directives_that_read_other_files(tmp_path):
    from composer.notation.engrave import EngravingError

    secret = tmp_path / "secret.abc"
    secret.write_text("X:9\nT:SECRET TUNE\nK:C\nCDEF|\n")
    for directive in (f"%%abc-include {secret}", f"I:abc-include {secret}", f"[I:abc-include {secret}]"):
        with pytest.raises(EngravingError) as caught:
            engrave_pages(f"X:1\nT:t\nK:C\nABcd|\n{directive}\n")
        assert caught.value.line == 5 and "another file" in str(caught.value)
