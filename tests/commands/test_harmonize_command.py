"""`composer harmonize` end to end with the shipped ONNX model, real files and abc2midi."""

from __future__ import annotations

import pytest

from composer.abc.abc2midi import abc2midi_available, run_abc2midi
from composer.abc.tunebook import Tune, read_string, read_tunebook
from composer.cli import main
from composer.model.chord_places import layout, without_chord_symbols
from composer.notation.abc_writer import standalone_tune_text

HEADER = "%abc-2.1\nL:1/8\n\n"
POLKA = """X:1
T:Polka Bare
R:polka
M:2/4
K:D
|:A>B AF|ED FA|d2 fd|ed BA|
A>B AF|ED FA|dB AF|E2 D2:|
"""
CHORDED = """X:2
T:Chorded Jig
M:6/8
K:G
|:"G"GAG GAB|"D"ABA ABd|"G"edd gdd|"C"edB "D"dBA:|
"""
CAFE = """X:3
T:Café Waltz
M:3/4
K:Am
|:A2 cB AG|E4 A2|c2 BA GE|A6:|
"""
BOOK = HEADER + POLKA + "\n" + CHORDED + "\n" + CAFE


def melody(tune: Tune) -> list[str]:
    """The body lines of the tune without its chord symbols."""
    return [line.text for line in read_string(without_chord_symbols(tune)).tunes[0].body]


@pytest.fixture
def book(tmp_path):
    """The three-tune tunebook with Windows newlines, as a file."""
    path = tmp_path / "book.abc"
    path.write_bytes(BOOK.replace("\n", "\r\n").encode("utf-8"))
    return path


def test_in_place_changes_only_the_tune_and_keeps_every_other_byte(book, capsys):
    before = book.read_bytes()
    assert main(["harmonize", str(book), "--tune", "1", "-o", str(book), "--per", "beat", "--beam", "2"]) == 0
    after = book.read_bytes()
    old_lines, new_lines = before.split(b"\r\n"), after.split(b"\r\n")
    first, last = 4, 11  # POLKA's lines, 1-based, in BOOK
    assert len(old_lines) == len(new_lines)
    assert old_lines[:first - 1] == new_lines[:first - 1] and old_lines[last:] == new_lines[last:]
    assert b"\n" not in after.replace(b"\r\n", b"")  # still Windows newlines throughout
    old, new = read_tunebook(before).tune(1), read_tunebook(after).tune(1)
    assert new.text() != old.text() and without_chord_symbols(new) == old.text()
    assert all(chord is not None for chord in layout(new).bar_chords())
    assert "X:1 Polka Bare:" in capsys.readouterr().err


@pytest.mark.skipif(not abc2midi_available(), reason="abc2midi is not installed")
def test_another_file_gets_the_harmonized_tune_alone_with_the_file_header_it_needs(book, tmp_path):
    out = tmp_path / "out.abc"
    assert main(["harmonize", str(book), "--tune", "1", "-o", str(out)]) == 0
    tunes = read_tunebook(out).tunes
    assert len(tunes) == 1 and tunes[0].unit == "1/8"  # the file header's L:, which 2/4 alone would not give
    run = run_abc2midi(tunes[0])
    assert run.midi and not [m for m in run.messages if m.severity == "error" or m.is_bar_length]
    assert len(layout(tunes[0]).symbols) == layout(tunes[0]).bars == 8


def test_replace_writes_new_chords_to_standard_output(book, capsys):
    assert main(["harmonize", str(book), "--tune", "2", "--replace", "--beam", "2"]) == 0
    tune = read_string(capsys.readouterr().out).tunes[0]
    assert melody(tune) == melody(read_tunebook(book).tune(2))
    assert tune.field("L") == "1/8"  # the file header's, folded in
    assert all(chord is not None for chord in layout(tune).bar_chords())


def test_keep_leaves_a_fully_chorded_tune_as_it_was(book, capsys):
    assert main(["harmonize", str(book), "--tune", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out == standalone_tune_text(read_tunebook(book).tune(2))
    assert "0 chord symbols written at 0 places" in captured.err


def test_bad_input_is_refused_naming_file_tune_and_line(book, tmp_path, capsys):
    assert main(["harmonize", str(tmp_path / "missing.abc")]) == 1
    assert "missing.abc" in capsys.readouterr().err
    assert main(["harmonize", str(book), "--tune", "9"]) == 1
    err = capsys.readouterr().err
    assert str(book) in err and "no tune X:9" in err
    assert main(["harmonize", str(book), "--tune", "3", "--bars", "4-9"]) == 1
    err = capsys.readouterr().err
    assert str(book) in err and "(tune X:3)" in err and "go past the tune's 4 written bars" in err
    broken = tmp_path / "broken.abc"
    broken.write_text("X:4\nT:Broken\nM:4/4\nL:1/8\nK:D\nABcd efga|\nAB[cd efga|\n")
    assert main(["harmonize", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:7:3 (tune X:4)" in err and "cannot be harmonized" in err
    with pytest.raises(SystemExit) as caught:
        main(["harmonize", str(book), "--bars", "6-2"])
    assert caught.value.code == 2


def test_an_output_that_cannot_be_written_leaves_everything_as_it_was(book, tmp_path, capsys):
    before = book.read_bytes()
    target = tmp_path / "no-such-folder" / "out.abc"
    assert main(["harmonize", str(book), "--tune", "3", "--beam", "1", "-o", str(target)]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert not target.exists() and book.read_bytes() == before
