"""composer.export through its ExportOptions, with real files and the real tools (music21, abcm2ps, Ghostscript,
FluidSynth): each format, the tunes chosen, bad tunes listed while good ones are written, read-only targets."""

from __future__ import annotations

import re
import subprocess
import wave

import mido
import pytest

from composer.abc.tunebook import read_string, read_tunebook
from composer.errors import AbcError, ComposerError
from composer.export import EXPORTERS, ExportOptionError, ExportOptions, export_text, export_tunes
from composer.notation.pages import PAPER_SIZES, PageFormat
from composer.notation.time_limit import run_with_time_limit

BOOK = (
    "% a file header\n"
    "R:jig\n\n"
    "X:1\nT:Good One\nM:6/8\nL:1/8\nQ:3/8=100\nK:D\nABc def|gfe dcB|\"D\"A3 \"A\"E3|]\n\n"
    "X:2\nT:Huge Meter\nM:999999/1\nL:1/8\nK:D\nABcd|]\n\n"
    "X:3\nT:Good Three\nM:4/4\nL:1/8\nQ:1/4=120\nK:G\nGABc dedB|GABc d4|]\n\n"
    "X:4\nT:Zero Unit\nM:4/4\nL:1/0\nK:D\nABcd|]\n"
)
GOOD = (
    "X:1\nT:Good One\nM:6/8\nL:1/8\nQ:3/8=100\nK:D\nABc def|gfe dcB|\"D\"A3 \"A\"E3|]\n\n"
    "X:3\nT:Good Three\nM:4/4\nL:1/8\nQ:1/4=120\nK:G\nGABc dedB|GABc d4|]\n"
)


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.abc"
    path.write_text(BOOK, encoding="utf-8")
    return read_tunebook(path)


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


def pdfinfo(path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def midi_messages(path) -> list:
    return [m for track in mido.MidiFile(path).tracks for m in track]


def test_every_format_writes_the_chosen_tune(book, tmp_path):
    assert set(EXPORTERS) == {".abc", ".mid", ".midi", ".wav", ".pdf", ".svg", ".musicxml"}
    for suffix in EXPORTERS:
        out = tmp_path / f"three{suffix}"
        outcome = export_tunes(book, out, ExportOptions(tune="3"))
        assert outcome.written == (out,) and outcome.failed == (), suffix
    assert [t.title for t in read_tunebook(tmp_path / "three.abc")] == ["Good Three"]
    for suffix in (".mid", ".midi"):
        assert any(m.type == "note_on" for m in midi_messages(tmp_path / f"three{suffix}"))
    with wave.open(str(tmp_path / "three.wav")) as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() > 44100
    info = pdfinfo(tmp_path / "three.pdf")
    assert re.search(r"^Pages:\s+1$", info, re.M)
    svg = (tmp_path / "three.svg").read_text(encoding="utf-8")
    assert "Good Three" in svg and "Good One" not in svg
    assert "<movement-title>Good Three</movement-title>" in (tmp_path / "three.musicxml").read_text()
    assert leftovers(tmp_path) == []


def test_the_format_can_be_named_apart_from_the_file_name(book, tmp_path):
    out = tmp_path / "no-extension"
    assert export_tunes(book, out, ExportOptions(suffix=".mid", tune="1")).written == (out,)
    assert out.read_bytes()[:4] == b"MThd"
    with pytest.raises(ComposerError, match=r"\.musicxml"):
        export_tunes(book, tmp_path / "out.doc", ExportOptions())
    with pytest.raises(ComposerError, match="no such folder"):
        export_tunes(book, tmp_path / "missing" / "out.mid", ExportOptions())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.abc", "no-extension"]


def test_a_tune_is_chosen_by_number_title_or_line(book, tmp_path):
    by_title = tmp_path / "title.abc"
    export_tunes(book, by_title, ExportOptions(tune="three"))
    assert [t.reference for t in read_tunebook(by_title)] == [3]
    third = book.tunes[2]
    for line in (third.line, third.line + 3, third.end_line):
        by_line = tmp_path / f"line{line}.abc"
        export_tunes(book, by_line, ExportOptions(line=line))
        assert [t.title for t in read_tunebook(by_line)] == ["Good Three"]
    above = tmp_path / "above.abc"  # the cursor above every tune: the first tune
    export_tunes(book, above, ExportOptions(line=1))
    assert [t.reference for t in read_tunebook(above)] == [1]
    with pytest.raises(ComposerError, match="no tune '9'"):
        export_tunes(book, tmp_path / "none.mid", ExportOptions(tune="9"))
    with pytest.raises(ValueError):
        ExportOptions(tune="1", line=3)


def test_a_chosen_tune_keeps_the_file_header_it_relies_on(book, tmp_path):
    out = tmp_path / "one.abc"
    export_tunes(book, out, ExportOptions(tune="1"))
    assert read_tunebook(out).tunes[0].rhythm == "jig"
    whole = tmp_path / "whole.abc"
    export_tunes(book, whole, ExportOptions())
    assert whole.read_text(encoding="utf-8") == BOOK  # the whole tunebook, byte for byte


def test_bad_tunes_are_listed_with_their_places_while_the_good_ones_are_written(book, tmp_path):
    for suffix in (".mid", ".wav", ".musicxml"):
        outcome = export_tunes(book, tmp_path / f"tunes{suffix}", ExportOptions())
        assert [p.name for p in outcome.written] == [f"tunes-1{suffix}", f"tunes-3{suffix}"]
        assert [(e.tune, e.line, e.path) for e in outcome.failed] == [(2, 14, book.path), (4, 30, book.path)]
        assert isinstance(outcome.failed[0], AbcError) and "M:999999/1" in str(outcome.failed[0])
    for suffix in (".pdf", ".svg"):
        outcome = export_tunes(book, tmp_path / f"printed{suffix}", ExportOptions())
        assert [e.tune for e in outcome.failed] == [2, 4]
        assert len(outcome.written) == (1 if suffix == ".pdf" else 2)  # SVG: a page per good tune
    assert "Huge Meter" not in "".join(p.read_text() for p in tmp_path.glob("printed*.svg"))
    assert re.search(r"^Pages:\s+2$", pdfinfo(tmp_path / "printed.pdf"), re.M)


def test_a_read_only_target_is_refused_and_kept(book, tmp_path):
    for suffix in (".mid", ".wav", ".musicxml"):
        out = tmp_path / f"kept{suffix}"
        out.write_bytes(b"old contents")
        out.chmod(0o444)
        outcome = export_tunes(book, out, ExportOptions(tune="1"))
        assert outcome.written == () and "read-only" in str(outcome.failed[0]) and str(out) in str(outcome.failed[0])
        assert out.read_bytes() == b"old contents" and out.stat().st_mode & 0o777 == 0o444
    for suffix in (".abc", ".pdf", ".svg"):  # one file for every tune: the export itself fails
        out = tmp_path / f"kept{suffix}"
        out.write_bytes(b"old contents")
        out.chmod(0o444)
        with pytest.raises(ComposerError, match="read-only") as refused:
            export_tunes(book, out, ExportOptions(tune="1"))
        assert str(out) in str(refused.value) and out.read_bytes() == b"old contents"
    assert leftovers(tmp_path) == []


def test_midi_options_program_tempo_speed_and_accompaniment(book, tmp_path):
    def tempo_and_program(options: ExportOptions) -> tuple[float, set[int], int]:
        out = tmp_path / "t.mid"
        export_tunes(book, out, options)
        messages = midi_messages(out)
        tempo = mido.tempo2bpm(next(m.tempo for m in messages if m.type == "set_tempo"))
        programs = {m.program for m in messages if m.type == "program_change" and m.channel == 0}
        return tempo, programs, len({m.channel for m in messages if m.type == "note_on"})

    assert tempo_and_program(ExportOptions(tune="3")) == (pytest.approx(120), {0}, 1)
    assert tempo_and_program(ExportOptions(tune="3", tempo=90, program=73)) == (pytest.approx(90), {73}, 1)
    assert tempo_and_program(ExportOptions(tune="3", speed=0.5))[0] == pytest.approx(60)
    assert tempo_and_program(ExportOptions(tune="1", speed=2.0))[0] == pytest.approx(300)  # Q:3/8=100 is 150 qpm
    assert tempo_and_program(ExportOptions(tune="1", accompaniment=True))[2] == 2


def test_wav_follows_the_tempo(book, tmp_path):
    def seconds(options: ExportOptions) -> float:
        out = tmp_path / "t.wav"
        export_tunes(book, out, options)
        with wave.open(str(out)) as wav:
            return wav.getnframes() / wav.getframerate()

    plain, fast = seconds(ExportOptions(tune="3")), seconds(ExportOptions(tune="3", speed=2.0))
    assert plain - fast == pytest.approx(2.0, abs=0.3)  # 4 s of notes at 120 qpm, 2 s at twice the speed


def test_pdf_and_svg_take_the_page_format_and_tune_per_page(tmp_path):
    good = read_string(GOOD)
    a5 = tmp_path / "a5.pdf"
    export_tunes(good, a5, ExportOptions(page_format=PageFormat.paper("a5")))
    width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", pdfinfo(a5), re.M).groups()
    assert (float(width), float(height)) == pytest.approx(PAPER_SIZES["a5"], abs=1.5)
    assert re.search(r"^Pages:\s+2$", pdfinfo(a5), re.M)
    together = tmp_path / "together.pdf"
    export_tunes(good, together, ExportOptions(tune_per_page=False))
    assert re.search(r"^Pages:\s+1$", pdfinfo(together), re.M)
    pages = export_tunes(good, tmp_path / "pages.svg", ExportOptions()).written
    assert [p.name for p in pages] == ["pages-1.svg", "pages-2.svg"]
    assert export_tunes(good, tmp_path / "one.svg", ExportOptions(tune_per_page=False)).written == (
        tmp_path / "one.svg",)


def test_a_tunebook_cannot_pull_another_file_into_printed_pages(tmp_path):
    secret = tmp_path / "secret.abc"
    secret.write_text("X:9\nT:SECRET\nK:C\nCDEF|\n")
    text = f"X:1\nT:t\nK:C\nABcd|\n%%abc-include {secret}\n"
    with pytest.raises(ComposerError, match="another file") as refused:
        export_tunes(read_string(text), tmp_path / "out.pdf", ExportOptions())
    assert refused.value.line == 5
    assert not list(tmp_path.glob("out*"))


def test_options_outside_their_bounds_are_refused_with_their_names():
    for fields, option in (({"program": 128}, "program"), ({"program": -1}, "program"), ({"tempo": 0}, "tempo"),
                           ({"tempo": 99999}, "tempo"), ({"speed": 0}, "speed")):
        with pytest.raises(ExportOptionError) as refused:
            ExportOptions(**fields)
        assert refused.value.option == option and str(refused.value).startswith(option)


def test_the_window_export_runs_in_a_child_process_and_reports_as_the_command_line_does(tmp_path):
    # What the window does: a text snapshot and the options, through the time limit, an Outcome back.
    outcome = run_with_time_limit(export_text, BOOK, str(tmp_path / "book.pdf"), ExportOptions(suffix=".pdf"),
                                  limit=120)
    assert outcome.written == (tmp_path / "book.pdf",)
    assert [(e.tune, e.line, type(e)) for e in outcome.failed] == [(2, 14, AbcError), (4, 30, AbcError)]
    # Nothing written: the export fails with the tune's error and place.
    with pytest.raises(AbcError, match="M:999999/1") as failed:
        run_with_time_limit(export_text, BOOK, str(tmp_path / "huge.mid"), ExportOptions(line=13), limit=120)
    assert failed.value.tune == 2 and failed.value.line == 14
    assert not (tmp_path / "huge.mid").exists()
