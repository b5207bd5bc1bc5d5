"""Engraving with the real abcm2ps: pictures, symbol places both ways, and robustness on broken text."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.abc.tunebook import read_tunebook
from composer.notation.engrave import EngravingError, engrave_svg, isolate_tune

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples.abc"
KESH_BODY_START = "|:\"G\"GAG"


@pytest.fixture(scope="module")
def examples_text() -> str:
    return EXAMPLES.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def kesh_text() -> str:
    return next(t for t in read_tunebook(EXAMPLES) if t.title == "The Kesh").text()


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_tune_becomes_one_page_of_svg_without_annotations(kesh_text):
    result = engrave_svg(kesh_text)
    assert len(result.pages) == 1
    page = result.pages[0]
    assert page.svg.startswith("<svg") and page.svg.rstrip().endswith("</svg>")
    assert "<abc " not in page.svg
    assert page.width > 0 and page.height > 0


def test_chord_symbols_endings_and_title_are_drawn(kesh_text):
    texts = svg_texts(engrave_svg(kesh_text).pages[0].svg)
    assert "The Kesh" in texts
    assert {"G", "D", "C"} <= set(texts)
    assert "1" in texts and "2" in texts  # 1st and 2nd ending brackets


def test_every_note_points_at_its_pitch_in_the_source(examples_text):
    lines = examples_text.split("\n")
    result = engrave_svg(examples_text)
    notes = [s for s in result.symbols if s.kind == "note"]
    assert len(notes) > 300
    for note in notes:
        char = lines[note.line - 1][note.column - 1]
        assert char in "ABCDEFGabcdefg^_=[", (note, lines[note.line - 1])


def test_each_tune_is_a_page_and_symbols_know_their_page(examples_text):
    result = engrave_svg(examples_text)
    tunes = read_tunebook(EXAMPLES)
    assert len(result.pages) == len(tunes)
    for symbol in result.music_symbols():
        tune = tunes.tune_at_line(symbol.line)
        assert tune.index == symbol.page


def test_grace_notes_rests_and_bars_are_annotated():
    text = "X:1\nT:Kinds\nM:4/4\nL:1/8\nK:D\n{g}A2 z2 B4|]\n"
    kinds = [(s.kind, s.column) for s in engrave_svg(text).music_symbols()]
    assert ("grace", 2) in kinds  # the first grace note inside the braces
    assert ("note", 4) in kinds
    assert ("rest", 7) in kinds
    assert ("bar", 12) in kinds


def test_first_line_shifts_symbol_lines(kesh_text):
    plain = engrave_svg(kesh_text)
    shifted = engrave_svg(kesh_text, first_line=101)
    assert [s.line + 100 for s in plain.symbols] == [s.line for s in shifted.symbols]


def test_symbol_at_finds_the_symbol_under_a_point_and_nothing_in_the_margin(kesh_text):
    result = engrave_svg(kesh_text)
    for symbol in list(result.music_symbols())[:20]:
        found = result.symbol_at(symbol.page, symbol.x + symbol.width / 2, symbol.y + symbol.height / 2)
        assert found is not None and found.contains(symbol.x + symbol.width / 2, symbol.y + symbol.height / 2)
    assert result.symbol_at(0, 1.0, 1.0) is None


def test_symbol_for_a_source_place_is_the_last_symbol_starting_at_or_before_it(kesh_text):
    result = engrave_svg(kesh_text)
    lines = kesh_text.split("\n")
    row = next(i for i, line in enumerate(lines, start=1) if line.startswith(KESH_BODY_START))
    first_note = lines[row - 1].index("GAG") + 1
    assert result.symbol_for(row, first_note).column == first_note
    assert result.symbol_for(row, first_note + 1).column == first_note + 1
    # On the chord symbol before the first note: the first symbol of the line.
    assert result.symbol_for(row, 1).column == min(s.column for s in result.music_symbols() if s.line == row)
    assert result.symbol_for(1, 1) is None  # X: line


def test_a_header_being_typed_engraves_to_nothing_without_error():
    for partial in ["", "X:1", "X:1\nT:Half", "X:1\nT:Half\nM:6/", "X:1\nT:x\nK:"]:
        result = engrave_svg(partial)
        assert result.symbols == () or all(s.line >= 1 for s in result.symbols)


def test_engraver_errors_come_back_as_messages_with_places():
    result = engrave_svg("X:1\nT:x\nK:D\nABc^^^ d|\n")
    assert any(m.severity == "error" and m.line == 4 for m in result.messages)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ABCDEFGabcdefgz^_=[]()|:{}!\"'~.-/<>0123456789 \nXTKML%", max_size=120))
def test_arbitrary_text_after_a_header_gives_symbols_with_places_or_says_abcm2ps_crashed(body):
    try:
        result = engrave_svg("X:1\nT:Fuzz\nM:4/4\nL:1/8\nK:G\n" + body + "\n", timeout=10)
    except EngravingError as error:  # abcm2ps itself dies on some text (`{A!}`: signal 11); that is said in words
        assert str(error).startswith("abcm2ps crashed (signal ")
        return
    for symbol in result.symbols:
        assert symbol.line >= 1 and symbol.column >= 1


def test_an_abcm2ps_crash_is_an_engraving_error_in_words():
    with pytest.raises(EngravingError, match=r"abcm2ps crashed \(signal 11\)"):
        engrave_svg("X:1\nT:Fuzz\nM:4/4\nL:1/8\nK:G\n{A!}\n")


def test_a_missing_engraver_raises_engraving_error(tmp_path):
    with pytest.raises(EngravingError, match="could not be started|not installed"):
        engrave_svg("X:1\nK:C\nC\n", engraver=str(tmp_path / "no-such-abcm2ps"))


def test_a_hung_engraver_is_stopped_by_the_timeout(tmp_path):
    hung = tmp_path / "abcm2ps"
    hung.write_text("#!/bin/sh\nexec sleep 30\n")
    hung.chmod(hung.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(EngravingError, match="longer than"):
        engrave_svg("X:1\nK:C\nC\n", engraver=str(hung), timeout=0.3)


def test_isolate_tune_keeps_file_header_and_one_tune_at_their_lines():
    text = "%%scale 0.8\nL:1/8\n\nX:1\nT:One\nK:G\nGAB\n\nX:2\nT:Two\nK:D\ndef\n"
    isolated = isolate_tune(text, 11)
    assert isolated.split("\n") == ["%%scale 0.8", "L:1/8", "", "", "", "", "", "", "X:2", "T:Two", "K:D",
                                    "def", ""]
    titles = [s for s in svg_texts(engrave_svg(isolated).pages[0].svg)]
    assert "Two" in titles and "One" not in titles


def test_isolate_tune_without_tunes_is_blank_lines():
    assert isolate_tune("just words\nmore\n", 1) == "\n\n"
