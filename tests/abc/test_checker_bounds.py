"""Numbers outside musical bounds (meter, unit length, note length, tempo...) are errors with a place, and the
ones the exporters refuse are marked so."""

from __future__ import annotations

import pytest

from composer.abc.checker import check_text, export_blockers
from composer.abc.tunebook import read_string

HEAD = "X:1\nT:t\n"


def blocking(text: str) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.message) for d in check_text(text) if d.severity == "error" and d.blocks_export]


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    (HEAD + "M:999999/1\nL:1/8\nK:D\nABcd|\n", 3, 3, "M:999999/1"),
    (HEAD + "M:4/0\nL:1/8\nK:D\nABcd|\n", 3, 3, "M:4/0"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nABcd [M:999999/1] ABcd|\n", 6, 9, "M:999999/1"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nABcd A99999999|\n", 6, 6, "A99999999"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nABcd z99999999|\n", 6, 6, "z99999999"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nAB [ce]99999999|\n", 6, 7, "99999999"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nAB c/99999999|\n", 6, 4, "c/99999999"),
    (HEAD + "M:4/4\nL:99999999/1\nK:D\nABcd|\n", 4, 3, "L:99999999/1"),
    (HEAD + "M:4/4\nL:1/0\nK:D\nABcd|\n", 4, 3, "L:1/0"),
    (HEAD + "M:4/4\nL:1/\nK:D\nABcd|\n", 4, 3, "L:1/"),
    (HEAD + "M:4/4\nL:/8\nK:D\nABcd|\n", 4, 3, "L:/8"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nAB [L:1/0] cd|\n", 6, 7, "L:1/0"),
    (HEAD + "M:4/4\nL:1/8\nQ:1\nK:D\nABcd|\n", 5, 3, "Q:1"),
    (HEAD + "M:4/4\nL:1/8\nQ:3\nK:D\nABcd|\n", 5, 3, "Q:3"),
    (HEAD + "M:4/4\nL:1/8\nQ:1/4=99999\nK:D\nABcd|\n", 5, 3, "99999"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nAB [Q:1/8=1] cd|\n", 6, 7, "Q:1/8=1"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nAB Z99999|\n", 6, 4, "Z99999"),
    (HEAD + "M:4/4\nL:1/8\nK:D\nA>>>>>>>>B cd|\n", 6, 2, "more than 3 > signs"),
    (HEAD + "M:4/4\nL:1/8\nK:D\n" + "(" * 10000 + "A|\n", 6, 33, "nested"),
])
def test_numbers_outside_musical_bounds_are_errors_with_a_place(text, line, column, words):
    found = blocking(text)
    assert found, check_text(text)
    first_line, first_column, message = found[0]
    assert (first_line, first_column) == (line, column)
    assert words in message


def test_ten_thousand_open_slurs_give_a_handful_of_errors_not_ten_thousand():
    text = HEAD + "M:4/4\nL:1/8\nK:D\n" + "(" * 10000 + "A|\n"
    assert len(check_text(text)) <= 40


def test_a_tune_without_k_is_refused_by_the_exporters():
    tune = read_string("X:1\nT:No key\nM:4/4\nL:1/8\nABcd|efga|\n").tunes[0]
    assert [(d.line, d.blocks_export) for d in export_blockers(tune)] == [(5, True)]


@pytest.mark.parametrize("text", [
    HEAD + "M:4/4\nL:1/8\nQ:1/4=60\nK:D\nABcd e2f2|g8|]\n",
    HEAD + "M:C|\nL:1/16\nQ:\"Allegro\"\nK:D\nABcd e2f2 g8 a16|]\n",
    HEAD + "M:12/8\nL:1/4\nQ:3/8=40\nK:D\nA6 B6|Z4|A>>B A<<<B|]\n",
    HEAD + "M:64/1\nL:1\nK:D\nA64|]\n",
    HEAD + "M:4/4\nL:1/8\nK:D\n((A B) c) d z/8 A/32|\n",
])
def test_music_inside_the_bounds_is_not_blocked(text):
    assert blocking(text) == []


def test_check_silent_no_more_on_a_zero_unit_length():
    found = [d for d in check_text(HEAD + "M:4/4\nL:1/0\nK:D\nABcd|\n") if d.severity == "error"]
    assert [(d.line, d.column) for d in found] == [(4, 3)]


def test_a_meter_with_trailing_text_is_bounded_as_music21_reads_it():
    """music21 reads `M:999999/1 x` as 999999/1 and hangs building the time signature (found by the fuzz)."""
    from composer.abc.bounds import meter_problem

    assert meter_problem("999999/1 x") is not None and meter_problem("6/8 % jig") is None
