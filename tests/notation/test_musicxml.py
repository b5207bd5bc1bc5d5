"""MusicXML export: the XML's key, meter, repeats, endings and title, and its notes played out against abc2midi."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ElementTree
from fractions import Fraction
from pathlib import Path

import pytest
from support.abc2midi_judge import abc2midi_melody, first_difference, judge_text

from composer.abc.corpora import nottingham_dir
from composer.abc.keys import bar_length, parse_key
from composer.abc.tunebook import read_string, read_tunebook
from composer.cli import main as composer
from composer.errors import AbcError
from composer.notation.musicxml import musicxml_bytes, played_notes, write_musicxml

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples.abc"
# A fixed, deterministic sample of Nottingham: the first tune of each file and every 60th tune.
SAMPLE_EVERY = 60


def nottingham_sample():
    tunes = []
    for path in sorted(nottingham_dir().glob("*.abc")):
        tunes.extend(read_tunebook(path).tunes)
    return tunes[::SAMPLE_EVERY]


def xml_root(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(data)


@pytest.fixture(scope="module")
def kesh():
    return next(t for t in read_tunebook(EXAMPLES) if t.title == "The Kesh")


def test_key_meter_title_repeats_and_endings_are_in_the_xml(kesh):
    root = xml_root(musicxml_bytes(kesh))
    assert root.tag == "score-partwise"
    assert root.findtext("movement-title") == kesh.title
    assert int(root.findtext(".//key/fifths")) == parse_key(kesh.key).fifths
    beats, beat_type = root.findtext(".//time/beats"), root.findtext(".//time/beat-type")
    assert Fraction(int(beats), int(beat_type)) == bar_length(kesh.meter)
    body = "".join(line.text for line in kesh.body)
    repeats = root.findall(".//barline/repeat")
    assert sum(r.get("direction") == "backward" for r in repeats) == body.count(":|")
    assert sum(r.get("direction") == "forward" for r in repeats) == body.count("|:")
    endings = [(e.get("number"), e.get("type")) for e in root.findall(".//barline/ending")]
    assert endings.count(("1", "start")) == body.count("|1") == endings.count(("2", "start"))
    assert "Music21" not in musicxml_bytes(kesh).decode("utf-8")  # music21 does not sign traditional tunes


def test_chord_symbols_and_ornaments_survive_as_harmony_trill_and_turn():
    tune = read_string('X:1\nT:Ornaments\nC:Someone\nM:4/4\nL:1/8\nK:D\n"D"Td2 ~e2 "A7"!trill!f2 g2|]\n').tunes[0]
    data = musicxml_bytes(tune)
    root = xml_root(data)
    assert [h.findtext("root/root-step") for h in root.iter("harmony")] == ["D", "A"]
    assert len(root.findall(".//ornaments/trill-mark")) == 2
    assert len(root.findall(".//ornaments/turn")) == 1
    assert root.findall(".//articulations/accent") == [] and root.findall(".//articulations/strong-accent") == []
    assert root.findtext(".//creator[@type='composer']") == "Someone"


@pytest.mark.parametrize("tune", nottingham_sample(), ids=lambda t: f"{Path(t.path).stem}-{t.reference}")
def test_the_xml_plays_the_notes_abc2midi_plays(tune):
    data = musicxml_bytes(tune)
    with tempfile.TemporaryDirectory() as folder:
        theirs, _ = abc2midi_melody(judge_text(tune)[0], Path(folder))
    assert first_difference(played_notes(data), theirs) == ""


@pytest.mark.parametrize("body", ["[K:|", "A/0|", "A0|"])  # music21 cannot read, or cannot write, each
def test_a_tune_music21_fails_on_is_an_abc_error_naming_the_tune(body, tmp_path):
    tune = read_string(f"X:7\nT:Broken\nM:4/4\nL:1/8\nK:G\n{body}\n").tunes[0]
    target = tmp_path / "never-written.musicxml"
    with pytest.raises(AbcError, match="X:7"):
        write_musicxml(tune, target)
    assert not target.exists()


def test_cli_writes_one_file_per_tune(tmp_path, capsys):
    book = read_tunebook(EXAMPLES)
    assert composer(["export", str(EXAMPLES), "--tune", "1", "-o", str(tmp_path / "kesh.musicxml")]) == 0
    assert xml_root((tmp_path / "kesh.musicxml").read_bytes()).findtext("movement-title") == "The Kesh"
    capsys.readouterr()
    assert composer(["export", str(EXAMPLES), "-o", str(tmp_path / "book.musicxml")]) == 0
    written = [Path(p) for p in capsys.readouterr().out.split()]
    assert [p.name for p in written] == [f"book-{t.reference}.musicxml" for t in book.tunes]
    titles = [xml_root(p.read_bytes()).findtext("movement-title") for p in written]
    assert titles == [t.title for t in book.tunes]
