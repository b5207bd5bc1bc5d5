"""`composer export`: the format from the extension, one file per tune for MIDI, clear errors."""

from __future__ import annotations

import mido
import pytest

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import read_tunebook
from composer.cli import main
from composer.commands.export import EXPORTERS

SLIP_JIGS = nottingham_dir() / "slip.abc"


def test_a_tunebook_to_midi_writes_one_file_per_tune(tmp_path, capsys):
    assert main(["export", str(SLIP_JIGS), "-o", str(tmp_path / "slip.mid")]) == 0
    references = [t.reference for t in read_tunebook(SLIP_JIGS)]
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"slip-{x}.mid" for x in references)
    for path in tmp_path.iterdir():
        assert any(m.type == "note_on" for t in mido.MidiFile(path).tracks for m in t)
    assert len(capsys.readouterr().out.splitlines()) == len(references)


def test_one_tune_with_options(tmp_path):
    out = tmp_path / "one.mid"
    assert main(["export", str(SLIP_JIGS), "--tune", "3", "-o", str(out), "--program", "73", "--tempo", "90",
                 "--accompaniment"]) == 0
    midi = mido.MidiFile(out)
    messages = [m for t in midi.tracks for m in t]
    assert mido.tempo2bpm(next(m.tempo for m in messages if m.type == "set_tempo")) == pytest.approx(90)
    assert {m.program for m in messages if m.type == "program_change" and m.channel == 0} == {73}
    assert len({m.channel for m in messages if m.type == "note_on"}) == 2


def test_a_tune_picked_by_title(tmp_path):
    book = read_tunebook(SLIP_JIGS)
    title = book.tunes[1].title
    out = tmp_path / "picked.abc"
    assert main(["export", str(SLIP_JIGS), "--tune", title.split()[-1], "-o", str(out)]) == 0
    assert [t.title for t in read_tunebook(out)] == [title]


def test_abc_export_copies_the_book_or_writes_it_canonical(tmp_path):
    copy = tmp_path / "copy.abc"
    assert main(["export", str(SLIP_JIGS), "-o", str(copy)]) == 0
    assert copy.read_bytes() == SLIP_JIGS.read_bytes()
    canonical = tmp_path / "canonical.abc"
    assert main(["export", str(SLIP_JIGS), "-o", str(canonical), "--canonical"]) == 0
    text = canonical.read_text()
    assert "% Nottingham Music Database" not in text and len(read_tunebook(canonical)) == len(read_tunebook(SLIP_JIGS))


def test_unknown_extension_is_a_clear_error(tmp_path, capsys):
    assert main(["export", str(SLIP_JIGS), "-o", str(tmp_path / "out.xyz")]) == 1
    error = capsys.readouterr().err
    assert "out.xyz" in error and ".mid" in error and "Traceback" not in error
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv_tail", [["--tune", "999"], ["--program", "200"], ["--tempo", "0"]])
def test_bad_choices_are_clear_errors(tmp_path, capsys, argv_tail):
    assert main(["export", str(SLIP_JIGS), "-o", str(tmp_path / "out.mid"), *argv_tail]) == 1
    assert "composer export:" in capsys.readouterr().err


def test_missing_input_and_missing_output_folder_are_clear_errors(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope.abc"), "-o", str(tmp_path / "out.mid")]) == 1
    assert main(["export", str(SLIP_JIGS), "-o", str(tmp_path / "no" / "such" / "out.mid")]) == 1
    errors = capsys.readouterr().err
    assert "nope.abc" in errors and "no/such" in errors and "Traceback" not in errors


def test_wav_goes_to_the_audio_renderer(tmp_path):
    pytest.importorskip("composer.audio.render")
    out = tmp_path / "tune.wav"
    assert main(["export", str(SLIP_JIGS), "--tune", "1", "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"RIFF"


def test_the_dispatch_table_knows_the_formats():
    assert {".abc", ".mid", ".wav"} <= set(EXPORTERS)
