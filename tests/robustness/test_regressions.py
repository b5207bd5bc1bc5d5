"""Failures the robustness corpus found in the core, each pinned where it was fixed (issue 19)."""

from __future__ import annotations

import io

import pytest

from composer.abc.bounds import MAX_GRACE_NOTES, MAX_PARTS_PLAYED, parts_played
from composer.abc.checker import check_text, export_blockers
from composer.abc.tunebook import read_string
from composer.errors import AbcError
from composer.notation.midi import write_midi
from composer.notation.musicxml import musicxml_bytes

HEAD = "X:3\nT:Found\nM:4/4\nL:1/8\n"


def _midi(tune) -> None:
    write_midi(tune, io.BytesIO())


@pytest.mark.parametrize("spec, played", [("A", 1), ("ABAC", 4), ("A(AB)2C", 6), ("A3B", 4), ("(AB)0C", 1),
                                          ("A.B.A", 3), ("(AB", 0), ("A99999999", 99999999),
                                          ("A" + "9" * 5000, 10 ** 12)])
def test_the_parts_a_header_plays_are_counted_without_laying_them_out(spec, played):
    assert parts_played(spec) == played


@pytest.mark.timeout(60)
@pytest.mark.parametrize("export", [_midi, musicxml_bytes], ids=["midi", "musicxml"])
@pytest.mark.parametrize("parts", ["A99999999", "(AB)99999", "A" + "9" * 5000])
def test_a_header_playing_millions_of_parts_is_refused_not_laid_out(parts, export):
    # P:A99999999 had the MIDI and MusicXML exports lay out a hundred million parts (gigabytes, then MemoryError).
    text = HEAD + f"P:{parts}\nK:G\nP:A\nGABc dedc|\nP:B\nBAGF G4|\n"
    tune = read_string(text).tunes[0]
    [blocker] = export_blockers(tune)
    assert (blocker.line, blocker.column) == (5, 3)
    assert f"at most {MAX_PARTS_PLAYED}" in blocker.message and len(blocker.message) < 160
    with pytest.raises(AbcError) as caught:
        export(tune)
    assert (caught.value.line, caught.value.column) == (5, 3)


def test_a_header_with_a_few_parts_still_plays_them_in_order():
    tune = read_string(HEAD + "P:(AB)2A\nK:G\nP:A\nGABc dedc|\nP:B\nBAGF G4|\n").tunes[0]
    assert export_blockers(tune) == []
    assert musicxml_bytes(tune).count(b"<measure ") == 5


@pytest.mark.timeout(60)
@pytest.mark.parametrize("export", [_midi, musicxml_bytes], ids=["midi", "musicxml"])
def test_a_group_of_thousands_of_grace_notes_is_refused_with_its_place(export):
    # {g × 2000}A kept music21's MusicXML export busy for minutes (sorting grace notes in makeMeasures).
    tune = read_string(HEAD + "K:D\nAB {" + "g" * 2000 + "}A|\n").tunes[0]
    with pytest.raises(AbcError) as caught:
        export(tune)
    assert (caught.value.line, caught.value.column) == (6, 4)
    assert f"more than {MAX_GRACE_NOTES} grace notes" in str(caught.value)


def test_a_grace_group_at_the_bound_is_fine_and_one_more_is_an_error():
    fine = HEAD + "K:D\n{" + "g" * MAX_GRACE_NOTES + "}A {ga}B|\n"
    assert [d for d in check_text(fine) if d.severity == "error"] == []
    over = HEAD + "K:D\n{" + "g" * (MAX_GRACE_NOTES + 1) + "}A {" + "g" * 99 + "}B|\n"
    errors = [(d.line, d.column) for d in check_text(over) if d.severity == "error"]
    assert errors == [(6, 1), (6, MAX_GRACE_NOTES + 6)]


@pytest.mark.parametrize("export", [_midi, musicxml_bytes], ids=["midi", "musicxml"])
def test_a_comment_after_the_unit_length_is_not_read_as_part_of_it(export):
    # L:1/8%x gave "ValueError: Invalid literal for Fraction: '1/8%x'" from both exports.
    tune = read_string("X:1\nT:t\nM:4/4 % four\nL:1/8%x\nK:G%y\nGABc dedc|\n").tunes[0]
    assert export_blockers(tune) == []
    export(tune)


@pytest.mark.timeout(60)
def test_a_book_sized_tune_is_refused_at_once_with_its_place():
    # A 1 MB line (a book pasted as one tune) took 38 s to check and more than 100 s to export to MIDI.
    from composer.abc.bounds import MAX_TUNE_CHARS

    tune = read_string(HEAD + "K:D\n" + "ABcd efga|" * 100_000 + "\n").tunes[0]
    [error] = [d for d in check_text(tune.text()) if d.severity == "error"]
    assert (error.line, error.column) == (6, 1) and f"at most {MAX_TUNE_CHARS:,}" in error.message
    with pytest.raises(AbcError) as caught:
        _midi(tune)
    assert caught.value.line == 6
    long_but_fine = read_string(HEAD + "K:D\n" + "ABcd efga|\n" * 8_000).tunes[0]
    assert export_blockers(long_but_fine) == []


@pytest.mark.parametrize("opening, message, expected", [
    ("[", "chord [ opened inside another chord", [(6, 2), (7, 13)]),
    ("{", "grace notes { opened inside grace notes", [(6, 2)]),
])
def test_ten_thousand_nested_openings_are_one_error_not_ten_thousand(opening, message, expected):
    # 10,000 nested [ gave 9,999 errors, and the window's Problems list and editor took over 30 s to show them.
    text = HEAD + "K:D\n" + opening * 10_000 + "A|\n" + "[CE]A {g}B [[C]]|\n"
    assert [(d.line, d.column) for d in check_text(text) if d.message == message] == expected


@pytest.mark.timeout(60)
@pytest.mark.parametrize("export", [_midi, musicxml_bytes], ids=["midi", "musicxml"])
def test_a_field_written_inside_a_music_line_is_not_read_as_one(export):
    # Found by the fuzz: music21 read `FEEF|M:999999/1` as a meter of 999,999 beats and hung, where abc2midi and
    # the checker see the decoration M and stray characters.
    tune = read_string(HEAD + "K:Edor\n|:E2BE dEBE|FGAF DFAF|E2BE dEBe|dBAF FEEF|M:999999/1\nE2BE dEBE|]\n").tunes[0]
    try:
        export(tune)
    except AbcError as exc:
        assert exc.tune == 3


def test_a_note_before_a_double_repeat_keeps_the_rest_of_its_line():
    # `B::c` was a field to music21 (a capital letter and a colon), and the line's last bars went missing.
    from composer.notation.music21_abc import music21_score

    joined = music21_score(read_string(HEAD + "K:G\n|:GABc dedB::cBAG FGAB:|\n").tunes[0])
    spaced = music21_score(read_string(HEAD + "K:G\n|:GABc dedB ::cBAG FGAB:|\n").tunes[0])
    assert len(joined.flatten().notes) == len(spaced.flatten().notes) == 16


@pytest.mark.parametrize("export", [lambda t: write_midi(t, io.BytesIO()), musicxml_bytes], ids=["midi", "musicxml"])
@pytest.mark.parametrize("line", ["T:x M:999999/1", "w:M:999999/1", "P:M:999999/1", "!M:999999/1!ABcd|",
                                  "ABcd|[r:M:999999/1]", "W:L:1/99999999"])
def test_a_meter_out_of_bounds_wherever_it_hides_never_reaches_music21(export, line):
    # music21's tokenizer finds fields in places the checker does not read them (found by the fuzz at 4,000
    # examples: a 999,999-beat meter hung MIDI export); the text music21 would be given is checked last.
    tune = read_string(f"X:1\nT:t\nM:4/4\nL:1/8\nK:D\nABcd efga|\n{line}\nABcd efga|\n").tunes[0]
    with pytest.raises(AbcError, match="cannot be exported: (M:999999/1|L:1/99999999)"):
        export(tune)


def test_a_meter_in_bounds_in_a_title_still_exports():
    tune = read_string("X:1\nT:Slide in M:12/8\nM:4/4\nL:1/8\nK:D\nABcd efga|\n").tunes[0]
    write_midi(tune, io.BytesIO())  # no AbcError: the title is not read as a meter out of bounds
    assert musicxml_bytes(tune).startswith(b"<?xml")


@pytest.mark.parametrize("export", [lambda t: write_midi(t, io.BytesIO()), musicxml_bytes], ids=["midi", "musicxml"])
def test_a_meter_with_a_letter_among_its_digits_is_read_as_music21_reads_it(export):
    # Found by the fuzz at 4,000 examples: music21 reads `M:99A999/1` as 99,999 beats and hangs.
    tune = read_string("X:134\nM:99A999/1\nT:t\nR:polka\nM:2/4\nL:1/8\nK:A\n|:ef ed|cA A2:|\n").tunes[0]
    with pytest.raises(AbcError, match=r"M:99A999/1 is outside the meters music uses") as caught:
        export(tune)
    assert caught.value.line == 2
