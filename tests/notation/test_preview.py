"""An engraving with an insertion drawn faint (the real abcm2ps): which symbols are faint, where the others point
in the text without the insertion, and which drawings of the SVG are translucent."""

from __future__ import annotations

import re

import pytest

from composer.notation.engrave import engrave_svg
from composer.notation.preview import FAINT_OPACITY, Insertion, PreviewedTune, faint_insertion

TUNE = 'X:1\nT:A title\nC:Some One\nM:6/8\nL:1/8\nK:G\n|:GAG GAB|"D"ABA ABd|edd gdd:|\ngfg gab|"D"aga abd|]\n'
BAR = '"G"(3ded !trill!B2 ^c|'


def music(engraved) -> set[tuple[str, int, int]]:
    return {(s.kind, s.line, s.column) for s in engraved.music_symbols()}


def offset(text: str, line: int, column: int) -> int:
    return sum(len(row) + 1 for row in text.split("\n")[:line - 1]) + column - 1


def previewed(text: str, insertion: Insertion, page_width: int | None = None) -> PreviewedTune:
    shown = insertion.applied_to(text)
    return faint_insertion(engrave_svg(shown, page_width=page_width), shown, insertion)


def faint_drawings(svg: str) -> str:
    """The text of every translucent group of `svg`."""
    return "".join(re.findall(rf'<g opacity="{FAINT_OPACITY:g}">(.*?)</g>', svg, re.S))


@pytest.mark.parametrize("where, text", [
    ('"D"ABA', BAR),  # after a bar line, more bars after it on the line
    ("\ngfg", BAR),  # at a line's end
    ("gfg", BAR + "\n"),  # a line of its own: the lines after it move down
])
def test_the_inserted_symbols_are_faint_and_the_others_point_into_the_text_without_it(where, text):
    insertion = Insertion(TUNE.index(where), text)
    shown = insertion.applied_to(TUNE)
    engraved = previewed(TUNE, insertion)
    assert music(engraved) == music(engrave_svg(TUNE))  # lines after it and columns after it on its line
    written = engrave_svg(shown)
    inserted = {(s.kind, s.line, s.column) for s in written.music_symbols()
                if insertion.position <= offset(shown, s.line, s.column) < insertion.position + len(insertion.text)}
    assert {(s.kind, s.line, s.column) for s in engraved.faint if s.kind in ("note", "bar")} == inserted
    assert len(inserted) == 6  # four notes (three in the triplet), the B, and the bar line


def test_the_inserted_bar_is_drawn_translucent_with_its_chord_and_decorations_and_nothing_else():
    engraved = previewed(TUNE, Insertion(TUNE.index('"D"ABA'), BAR))
    svg = engraved.pages[0].svg
    faint = faint_drawings(svg)
    assert ">G</text>" in faint and ">3</text>" in faint  # its chord symbol and its triplet's number
    assert "A title" not in faint and "Some One" not in faint and ">D</text>" not in faint  # the next bar's chord
    heads = svg.count('xlink:href="#hd"') - engrave_svg(TUNE).pages[0].svg.count('xlink:href="#hd"')
    assert faint.count('xlink:href="#hd"') == heads == 5  # its note heads, and no written one


def test_a_reflowed_insertion_over_two_systems_is_faint_on_both():
    bars = "edc BAG|" * 8
    engraved = previewed(TUNE, Insertion(TUNE.index("edd gdd:|"), bars), page_width=400)
    systems = {round(s.y / 40) for s in engraved.faint if s.kind == "bar"}
    assert len(systems) >= 2
    assert music(engraved) == music(engrave_svg(TUNE, page_width=400))
    assert faint_drawings(engraved.pages[0].svg).count('xlink:href="#hd"') == 6 * 8


def test_without_an_insertion_nothing_is_faint():
    engraved = previewed(TUNE, Insertion(0, ""))
    assert not engraved.faint and "opacity" not in engraved.pages[0].svg
