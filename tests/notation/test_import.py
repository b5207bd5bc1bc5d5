"""MusicXML and MIDI import into ABC: abc2midi must play the written ABC as the score sounds, and the report must
name what was left out."""

from __future__ import annotations

import tempfile
import warnings
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.abc2midi_judge import abc2midi_melody, first_difference, judge_text

from composer.abc.corpora import nottingham_dir
from composer.abc.tokens import parse_length
from composer.abc.tunebook import read_string, read_tunebook
from composer.cli import main as composer
from composer.errors import AbcError
from composer.notation.abc_from_score import abc_from_score, import_score_file
from composer.notation.abc_spelling import abc_length, abc_pitch
from composer.notation.midi import write_midi
from composer.notation.musicxml import write_musicxml

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples.abc"

Note = tuple[int, Fraction, Fraction]


def abc2midi_notes(abc: str) -> list[Note]:
    tune = read_string(abc).tunes[0]
    with tempfile.TemporaryDirectory() as folder:
        return abc2midi_melody(judge_text(tune)[0], Path(folder))[0]


def score_notes(score) -> list[Note]:
    """What a score sounds: ties merged, grace notes left out, (pitch, onset, duration) in quarter notes."""
    part = score.parts[0].stripTies()
    notes = []
    for element in part.flatten().notes:
        if element.duration.isGrace:
            continue
        onset = Fraction(element.offset).limit_denominator(192)
        notes.extend((p.midi, onset, Fraction(element.quarterLength).limit_denominator(192)) for p in element.pitches)
    return sorted(notes, key=lambda n: (n[1], n[0]))


def musicxml_file(score, folder: Path, name: str = "score.musicxml") -> Path:
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    path = folder / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path.write_bytes(GeneralObjectExporter(score).parse())
    return path


# --------------------------------------------------------------------------------------- small pieces
@given(st.integers(1, 48), st.sampled_from([1, 2, 4, 8, 16]))
def test_lengths_read_back_as_written(numerator, denominator):
    multiple = Fraction(numerator, denominator)
    assert parse_length(abc_length(multiple)) == multiple


@pytest.mark.parametrize(("step", "octave", "text"), [("C", 4, "C"), ("C", 5, "c"), ("B", 3, "B,"),
                                                       ("G", 2, "G,,"), ("E", 6, "e'"), ("A", 7, "a''")])
def test_pitch_letters_and_octave_marks(step, octave, text):
    assert abc_pitch(step, octave) == text


# ----------------------------------------------------------------- random scores, heard through abc2midi
BEAT_PATTERNS = [
    [Fraction(1)], [Fraction(1, 2)] * 2, [Fraction(1, 4)] * 4, [Fraction(3, 4), Fraction(1, 4)],
    [Fraction(1, 4), Fraction(3, 4)], [Fraction(1, 3)] * 3,
]
pitch_names = st.tuples(st.sampled_from("CDEFGAB"), st.sampled_from(["", "#", "-"]), st.integers(3, 5))


@st.composite
def melodies(draw):
    """A music21 score of a few 4/4 (or 6/8) bars: random key signature, spelled pitches, rests, two-note
    chords, triplets, ties across beats and bar lines, and a mid-tune key change."""
    from music21 import chord, duration, key, meter, note, stream, tie

    compound = draw(st.booleans())
    part = stream.Part()
    part.append(meter.TimeSignature("6/8" if compound else "4/4"))
    part.append(key.KeySignature(draw(st.integers(-4, 4))))
    beats = 4 * draw(st.integers(2, 4))
    previous = None
    for beat in range(beats):
        if beat == beats // 2 and draw(st.booleans()):
            part.append(key.KeySignature(draw(st.integers(-4, 4))))
        pattern = draw(st.sampled_from(BEAT_PATTERNS[:5] if compound else BEAT_PATTERNS))
        if compound:
            pattern = [length * Fraction(3, 2) for length in pattern]
        for position, length in enumerate(pattern):
            kind = draw(st.sampled_from(["note", "note", "note", "rest", "chord", "tie"]))
            if kind == "tie" and previous is not None and position == 0 and "Note" in previous.classes:
                element = note.Note(previous.pitch.nameWithOctave)
                previous.tie = previous.tie or tie.Tie("start")
                element.tie = tie.Tie("stop")
            elif kind == "rest":
                element = note.Rest()
            elif kind == "chord":
                low = draw(pitch_names)
                element = chord.Chord([f"{low[0]}{low[1]}{low[2]}", f"{low[0]}{low[1]}{low[2] + 1}"])
            else:
                name = draw(pitch_names)
                element = note.Note(f"{name[0]}{name[1]}{name[2]}")
            if length.denominator % 3 == 0:
                element.duration = duration.Duration(length)
            else:
                element.quarterLength = length
            part.append(element)
            previous = element
    part.makeNotation(inPlace=True)
    return stream.Score([part])


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(melodies())
def test_abc2midi_plays_the_written_abc_as_the_score_sounds(score):
    imported = abc_from_score(score)
    assert first_difference(abc2midi_notes(imported.text), score_notes(score)) == "", imported.text


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(melodies())
def test_a_musicxml_file_imports_to_abc_that_plays_the_same(score):
    with tempfile.TemporaryDirectory() as folder:
        imported = import_score_file(musicxml_file(score, Path(folder)))
    assert first_difference(abc2midi_notes(imported.text), score_notes(score)) == "", imported.text
    assert imported.omissions == ()


# ------------------------------------------------------------------------------------ the report
def test_the_report_names_other_parts_lyrics_and_hairpins_with_their_first_measure(tmp_path):
    from music21 import dynamics, key, note, stream

    melody, bass = stream.Part(), stream.Part()
    melody.partName, bass.partName = "Fiddle", "Bass"
    melody.append(key.KeySignature(1))
    for number, name in enumerate(["G4", "A4", "B4", "C5", "D5", "E5", "F#5", "G5"]):
        element = note.Note(name, quarterLength=1)
        if number >= 4:
            element.lyric = "la"
        melody.append(element)
        bass.append(note.Note("G2", quarterLength=2))
    hairpin = dynamics.Crescendo(melody.notes[4], melody.notes[7])
    melody.insert(0, hairpin)
    imported = import_score_file(musicxml_file(stream.Score([melody, bass]), tmp_path))
    left_out = {o.what: o for o in imported.omissions}
    assert left_out["lyrics"].count == 4 and left_out["lyrics"].first_measure == 2
    assert left_out["crescendo hairpins"].count == 1
    other = next(o for what, o in left_out.items() if "'Bass'" in what)
    assert other.count == 8
    report = imported.report()
    assert "lyrics: 4 (first in measure 2)" in report and "Bass" in report
    assert "K:G\n" in imported.text and "guessed" not in report
    assert imported.text.rstrip().endswith("g2|]")  # the melody ends where it ends, not where the bass does


def test_a_midi_file_without_a_key_gets_a_guessed_one_and_says_so(tmp_path):
    kesh = next(t for t in read_tunebook(EXAMPLES) if t.title == "The Kesh")
    write_midi(kesh, tmp_path / "kesh.mid", accompaniment=True)
    imported = import_score_file(tmp_path / "kesh.mid")
    assert "guessed key" in imported.report() and "MIDI times" in imported.report()
    assert any("accompaniment" in o.what for o in imported.omissions)
    accompaniment = import_score_file(tmp_path / "kesh.mid", part=1)
    assert accompaniment.text != imported.text
    assert any("melody" in o.what for o in accompaniment.omissions)


def plain_nottingham_tunes(count: int):
    """The first `count` Nottingham tunes whose notes sound as written: no grace notes, ornaments, staccato,
    tuplets or chords (our MIDI export plays those as extra or shorter notes)."""
    picked = []
    for path in sorted(nottingham_dir().glob("*.abc")):
        for tune in read_tunebook(path).tunes:
            body = "".join(line.text.split("%")[0] for line in tune.body if not line.text[1:2] == ":")
            body = "".join(part for number, part in enumerate(body.split('"')) if number % 2 == 0)
            if not any(sign in body for sign in "{~T.([!HR") and tune.meter in ("6/8", "4/4", "2/4", "3/4"):
                picked.append(tune)
            if len(picked) == count:
                return picked
    return picked


@pytest.mark.parametrize("tune", plain_nottingham_tunes(4), ids=lambda t: f"{Path(t.path).stem}-{t.reference}")
def test_our_midi_export_imports_to_abc_that_abc2midi_plays_alike(tune, tmp_path):
    write_midi(tune, tmp_path / "tune.mid")
    imported = import_score_file(tmp_path / "tune.mid")
    with tempfile.TemporaryDirectory() as folder:
        original, _ = abc2midi_melody(judge_text(tune)[0], Path(folder))
    assert first_difference(abc2midi_notes(imported.text), original) == "", imported.text


# ------------------------------------------------------------------------------------- the command
def test_cli_imports_musicxml_and_reports_on_stderr(tmp_path, capsys):
    kesh = next(t for t in read_tunebook(EXAMPLES) if t.title == "The Kesh")
    write_musicxml(kesh, tmp_path / "kesh.musicxml")
    out = tmp_path / "kesh.abc"
    assert composer(["import", str(tmp_path / "kesh.musicxml"), "-o", str(out), "-X", "5"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    [tune] = read_tunebook(out).tunes
    assert tune.reference == 5 and tune.title == "The Kesh" and tune.key == "G" and tune.meter == "6/8"
    assert abc2midi_notes(out.read_text()) == abc2midi_notes(kesh.text())

    write_midi(kesh, tmp_path / "kesh.mid", accompaniment=True)
    assert composer(["import", str(tmp_path / "kesh.mid"), "-o", str(tmp_path / "mid.abc")]) == 0
    err = capsys.readouterr().err
    assert "composer import: left out notes of part 'accompaniment'" in err
    assert "composer import: guessed key" in err


def test_cli_refuses_unknown_missing_and_broken_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert composer(["import", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "a.abc")]) == 1
    assert ".musicxml" in capsys.readouterr().err
    assert composer(["import", str(tmp_path / "absent.mid"), "-o", str(tmp_path / "a.abc")]) == 1
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "broken.musicxml").write_text("<score-partwise><part id='P1'>")
    assert composer(["import", str(tmp_path / "broken.musicxml"), "-o", str(tmp_path / "a.abc")]) == 1
    assert "music21 cannot read broken.musicxml" in capsys.readouterr().err
    assert not (tmp_path / "a.abc").exists()
    with pytest.raises(AbcError):
        import_score_file(tmp_path / "broken.musicxml")
