"""Transposition: key spelling, respelled accidentals, chord symbols; abc2midi's MIDI pitches as the judge."""

from __future__ import annotations

import random
import subprocess

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.abc.abc2midi import abc2midi_available
from composer.abc.transpose import transpose_fragment, transpose_key, transpose_tune
from composer.errors import AbcError
from composer.model.canonical import canonical_text

needs_abc2midi = pytest.mark.skipif(not abc2midi_available(), reason="abc2midi is not installed")


@pytest.mark.parametrize("key,n,expected", [
    ("D", 2, "E"), ("D", -1, "Db"), ("G", 6, "Db"), ("Ador", -2, "Gdor"), ("Em", 1, "Fm"), ("F#m", 1, "Gm"),
    ("Bb mix", 2, "C mix"), ("D ^g", 2, "E ^a"), ("none", 3, "none"), ("C clef=bass", 7, "G clef=bass"),
])
def test_keys_move_to_the_simplest_spelling(key, n, expected):
    assert transpose_key(key, n) == expected


def test_notes_accidentals_octaves_and_chord_symbols():
    tune = 'X:1\nT:t\nM:6/8\nL:1/8\nK:D\n"D"f2f Fdd|"A7/c#"AFA f=ef|"Bm"^g2g B,,c\'|[K:Am]"Cd"=c^cB _B,A,c|\n'
    assert transpose_tune(tune, 2).splitlines()[4:] == [
        "K:E", '"E"g2g Gee|"B7/d#"BGB g^fg|"C#m"^a2a C,d\'|[K:Bm]"Dd"=d^dc =CB,d|']


def test_everything_but_notes_chords_and_keys_is_kept():
    tune = 'X:3\nT:Keep % me\nR:reel\nM:C|\nL:1/8\nK:G\n% a comment A B c\n"^text"!trill!(3ABc) [|] w: x\n'
    moved = transpose_tune(tune, 5)
    assert moved.splitlines()[:5] == tune.splitlines()[:5]
    assert moved.splitlines()[6] == "% a comment A B c"
    assert moved.splitlines()[7] == '"^text"!trill!(3def) [|] w: x'


def test_fragment_in_a_key_context():
    assert transpose_fragment('^F=FG2 "Am7/G"A', 5, "G") == '=B_Bc2 "Dm7/C"d'


def test_unreadable_key_raises_abc_error_with_the_place():
    with pytest.raises(AbcError) as info:
        transpose_tune("X:1\nT:t\nK:HP\nABc|\n", 2)
    assert info.value.line == 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_never_raises_anything_but_abc_error(nottingham, data):
    text = data.draw(st.sampled_from(nottingham)).text()
    for _ in range(data.draw(st.integers(1, 6))):
        where = data.draw(st.integers(0, len(text)))
        chunk = data.draw(st.text(alphabet="ABCabc^_=,'[]K:|\"/2 \nm#b%", max_size=5))
        text = text[:where] + chunk + text[where:]
    try:
        transpose_tune(text, data.draw(st.integers(-11, 11)))
    except AbcError:
        pass


def midi_notes(tmp_path, text: str, name: str) -> list[tuple[int, int]]:
    """(tick, pitch) of every note abc2midi plays for `text`, guitar chords left out."""
    source, target = tmp_path / f"{name}.abc", tmp_path / f"{name}.mid"
    source.write_text(text)
    command = ["abc2midi", str(source), "1", "-o", str(target), "-NGUI"]
    subprocess.run(command, capture_output=True, check=True)
    notes = []
    for track in mido.MidiFile(target).tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity > 0:
                notes.append((tick, message.note))
    return sorted(notes)


@needs_abc2midi
def test_abc2midi_plays_transposed_tunes_n_semitones_higher_and_back(tmp_path, nottingham, collections):
    """On real tunes (a fixed sample of Nottingham and O'Neill's), abc2midi's pitches of the transposed tune
    are the original pitches + N, and transposing back by -N gives the original pitches again."""
    rng = random.Random(7)
    tunes = rng.sample(nottingham, 40) + rng.sample(collections["oneills1850"], 20)
    for i, tune in enumerate(tunes):
        text = canonical_text(tune)
        n = rng.choice([-7, -5, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7])
        original = midi_notes(tmp_path, text, f"a{i}")
        moved = transpose_tune(text, n)
        expected = [(t, p + n) for t, p in original]
        assert midi_notes(tmp_path, moved, f"b{i}") == expected, (tune.label, n, moved)
        assert midi_notes(tmp_path, transpose_tune(moved, -n), f"c{i}") == original, (tune.label, n)
