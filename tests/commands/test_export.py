"""`composer export`: the format from the extension, one file per tune for MIDI, clear errors."""

from __future__ import annotations

import resource
import subprocess
import sys

import mido
import pytest

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import read_tunebook
from composer.cli import main
from composer.export import EXPORTERS

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


BOOK_WITH_BAD_TUNES = (
    "X:1\nT:Good One\nM:4/4\nL:1/8\nK:D\nABcd efga|]\n\n"
    "X:2\nT:Huge Meter\nM:999999/1\nL:1/8\nK:D\nABcd|]\n\n"
    "X:3\nT:Good Three\nM:6/8\nL:1/8\nK:G\nGAB cde|]\n\n"
    "X:4\nT:Zero Unit\nM:4/4\nL:1/0\nK:D\nABcd|]\n"
)


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


@pytest.mark.parametrize("suffix", [".mid", ".musicxml", ".wav"])
def test_a_tunebook_with_bad_tunes_exports_every_good_one_then_lists_the_bad(tmp_path, capsys, suffix):
    if suffix == ".wav":
        pytest.importorskip("composer.audio.render")
    book = tmp_path / "book.abc"
    book.write_text(BOOK_WITH_BAD_TUNES)
    out = tmp_path / "out" / f"tunes{suffix}"
    out.parent.mkdir()
    assert main(["export", str(book), "-o", str(out)]) == 1
    assert sorted(p.name for p in out.parent.iterdir()) == [f"tunes-1{suffix}", f"tunes-3{suffix}"]
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    errors = captured.err
    assert f"{book}:10:3 (tune X:2)" in errors and "M:999999/1" in errors
    assert f"{book}:25:3 (tune X:4)" in errors and "L:1/0" in errors
    assert "2 of 4 tunes were not exported" in errors and "Traceback" not in errors


@pytest.mark.parametrize("suffix", [".pdf", ".svg"])
def test_a_tunebook_with_bad_tunes_prints_the_good_ones(tmp_path, capsys, suffix):
    book = tmp_path / "book.abc"
    book.write_text(BOOK_WITH_BAD_TUNES)
    out = tmp_path / f"book{suffix}"
    assert main(["export", str(book), "-o", str(out)]) == 1
    written = sorted(tmp_path.glob(f"book*{suffix}"))
    assert len(written) == (1 if suffix == ".pdf" else 2)  # SVG: a page per tune
    errors = capsys.readouterr().err
    assert "(tune X:2)" in errors and "(tune X:4)" in errors and "2 of 4 tunes" in errors
    if suffix == ".svg":
        assert all("Huge Meter" not in p.read_text() for p in written)


@pytest.mark.parametrize("suffix", [".mid", ".abc", ".musicxml", ".pdf", ".svg", ".wav"])
def test_a_read_only_target_is_refused_and_kept(tmp_path, capsys, suffix):
    if suffix == ".wav":
        pytest.importorskip("composer.audio.render")
    out = tmp_path / f"kept{suffix}"
    out.write_bytes(b"old contents")
    out.chmod(0o444)
    assert main(["export", str(SLIP_JIGS), "--tune", "1", "-o", str(out)]) == 1
    assert out.read_bytes() == b"old contents" and out.stat().st_mode & 0o777 == 0o444
    errors = capsys.readouterr().err
    assert "read-only" in errors and str(out) in errors and "Traceback" not in errors
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".mid", ".musicxml", ".wav"])
def test_export_keeps_the_mode_of_the_file_it_replaces(tmp_path, suffix):
    if suffix == ".wav":
        pytest.importorskip("composer.audio.render")
    out = tmp_path / f"shared{suffix}"
    out.write_bytes(b"old")
    out.chmod(0o640)
    assert main(["export", str(SLIP_JIGS), "--tune", "1", "-o", str(out)]) == 0
    assert out.read_bytes() != b"old" and out.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("suffix", [".mid", ".musicxml", ".pdf", ".wav"])
def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path, suffix):
    if suffix == ".wav":
        pytest.importorskip("composer.audio.render")
    out = tmp_path / f"full{suffix}"
    out.write_bytes(b"old contents")
    limit = 300  # bytes: every export of a tune is longer, so the disk is "full" midway through the write

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([sys.executable, "-m", "composer", "export", str(SLIP_JIGS), "--tune", "1", "-o",
                           str(out)], capture_output=True, text=True, preexec_fn=small_disk, check=False)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and str(out) in done.stderr
    assert out.read_bytes() == b"old contents"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".mid", ".abc", ".musicxml", ".wav"])
def test_a_folder_in_the_way_is_a_clear_error_and_stays(tmp_path, capsys, suffix):
    if suffix == ".wav":
        pytest.importorskip("composer.audio.render")
    out = tmp_path / f"folder{suffix}"
    out.mkdir()
    (out / "inside.txt").write_text("mine")
    assert main(["export", str(SLIP_JIGS), "--tune", "1", "-o", str(out)]) == 1
    assert (out / "inside.txt").read_text() == "mine"
    errors = capsys.readouterr().err
    assert str(out) in errors and "Traceback" not in errors
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("tempo", ["1", "3", "99999"])
def test_a_tempo_outside_musical_bounds_is_a_clear_error(tmp_path, capsys, tempo):
    assert main(["export", str(SLIP_JIGS), "--tune", "1", "-o", str(tmp_path / "t.mid"), "--tempo", tempo]) == 1
    assert "--tempo" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("directive", ["%%abc-include {}", "I:abc-include {}", "%%format {}"])
@pytest.mark.parametrize("suffix", [".pdf", ".svg"])
def test_a_tunebook_cannot_pull_other_files_into_printed_output(tmp_path, capsys, directive, suffix):
    secret = tmp_path / "private" / "secret.abc"
    secret.parent.mkdir()
    secret.write_text("X:9\nT:SECRET TUNE\nK:C\nCDEF|\n")
    book = tmp_path / "book.abc"
    book.write_text("X:1\nT:t\nK:C\nABcd|\n" + directive.format(secret) + "\n")
    assert main(["export", str(book), "-o", str(tmp_path / f"out{suffix}")]) == 1
    errors = capsys.readouterr().err
    assert f"{book}:5" in errors and "another file" in errors
    assert not list(tmp_path.glob(f"out*{suffix}"))
