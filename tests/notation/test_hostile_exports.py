"""Hostile and unlucky tunes: the MIDI and MusicXML exports refuse them at once with a sentence naming the tune,
the place and the reason, and never hang, raise a library's error or fail on a title."""

from __future__ import annotations

import io

import mido
import pytest

from composer.abc.tunebook import read_string
from composer.errors import AbcError
from composer.notation.midi import midi_file, write_midi
from composer.notation.musicxml import musicxml_bytes

HEAD = "X:7\nT:Hostile\n"
HOSTILE = {
    "huge meter": (HEAD + "M:999999/1\nL:1/8\nK:D\nABcd|\n", 3, 3),
    "huge inline meter": (HEAD + "M:4/4\nL:1/8\nK:D\nABcd [M:999999/1] ABcd|\n", 6, 9),
    "no key": (HEAD + "M:4/4\nL:1/8\nABcd|efga|\n", 5, 1),
    "huge note": (HEAD + "M:4/4\nL:1/8\nK:D\nA99999999|\n", 6, 1),
    "huge unit": (HEAD + "M:4/4\nL:99999999/1\nK:D\nABcd|\n", 4, 3),
    "nested slurs": (HEAD + "M:4/4\nL:1/8\nK:D\n" + "(" * 10000 + "A|\n", 6, 33),
    "zero unit": (HEAD + "M:4/4\nL:1/0\nK:D\nABcd|\n", 4, 3),
    "unit without denominator": (HEAD + "M:4/4\nL:1/\nK:D\nABcd|\n", 4, 3),
    "unit without numerator": (HEAD + "M:4/4\nL:/8\nK:D\nABcd|\n", 4, 3),
    "tempo 1": (HEAD + "M:4/4\nL:1/8\nQ:1\nK:D\nABcd|\n", 5, 3),
    "tempo 3": (HEAD + "M:4/4\nL:1/8\nQ:3\nK:D\nABcd|\n", 5, 3),
}


def export_midi(tune) -> None:
    write_midi(tune, io.BytesIO())


@pytest.mark.timeout(60)
@pytest.mark.parametrize("export", [export_midi, musicxml_bytes], ids=["midi", "musicxml"])
@pytest.mark.parametrize("name", HOSTILE)
def test_a_tune_outside_musical_bounds_is_refused_with_its_place(name, export):
    text, line, column = HOSTILE[name]
    tune = read_string(text).tunes[0]
    with pytest.raises(AbcError) as caught:
        export(tune)
    error = caught.value
    assert (error.tune, error.line, error.column) == (7, line, column)
    message = str(error)
    assert "Hostile" in message and len(message) < 300
    assert "music21" not in message and "Error" not in message


def test_a_failure_inside_music21_is_told_in_words_without_its_internals():
    # A bar rest in the middle of a bar gives music21 a duration MusicXML cannot hold.
    tune = read_string('X:12\nT:Broken Thing\nM:6/8\nL:1/8\nK:D\n"D"fZa agf|' + "abc " * 500 + "\n").tunes[0]
    with pytest.raises(AbcError) as caught:
        musicxml_bytes(tune)
    message = str(caught.value)
    assert "X:12 Broken Thing cannot be written as MusicXML" in message and len(message) < 300
    assert "music21" not in message and "Exception" not in message and "abc abc" not in message


@pytest.mark.parametrize("title", ["Paddy\u2019s Reel", "Reel \u2014 the second", "\u6d77", "\u201cQuoted\u201d \u2026",
                                   "caf\u00e9 na gCail\u00edn"])
def test_any_title_is_written_to_midi_in_its_text_encoding(title):
    tune = read_string(f"X:1\nT:{title}\nM:4/4\nL:1/8\nK:D\nABcd|\n").tunes[0]
    buffer = io.BytesIO()
    write_midi(tune, buffer)
    buffer.seek(0)
    name = next(m.name for m in mido.MidiFile(file=buffer).tracks[0] if m.type == "track_name")
    assert name.encode("latin-1")
    if title.isascii() or all(ord(c) < 256 for c in title):
        assert name == title
    elif "\u2019" in title:
        assert name == "Paddy's Reel"
    elif "\u2014" in title:
        assert name == "Reel - the second"


@pytest.mark.parametrize("tempo", [3.0, 5000.0])
def test_a_tempo_override_outside_midi_range_does_not_raise_a_library_error(tempo):
    tune = read_string("X:1\nT:t\nM:4/4\nL:1/8\nK:D\nABcd|\n").tunes[0]
    midi = midi_file(tune, tempo_bpm=tempo)
    assert any(m.type == "set_tempo" for m in midi.tracks[0])


def time_signatures(text: str) -> list[tuple[int, int]]:
    midi = midi_file(read_string(text).tunes[0])
    return [(m.numerator, m.denominator) for track in midi.tracks for m in track if m.type == "time_signature"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("meter", "expected"), [
    ("2+3+2/8", [(7, 8)]),  # music21's reader alone reads the digits 232 over 8
    ("\u00b8999999/1", []),  # not a meter to the checker (a warning): free meter, where music21 alone ran for minutes
])
def test_music21_is_given_the_meter_the_checker_reads(meter, expected):
    text = f"X:1\nT:t\nM:{meter}\nL:1/8\nK:G\nGA Bcd ef|[M:{meter}]GA Bcd ef|\n"
    assert time_signatures(text) == expected
