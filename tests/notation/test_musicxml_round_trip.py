"""ABC → MusicXML → ABC on a fixed sample of real collections keeps the notes, as written and as played.

Two judges: music21's reading of both ABC texts, note by note as written, and abc2midi playing the ABC that
came back against the MusicXML played out (decorations taken off, since abc2midi plays ornaments and staccato
and MusicXML readers do not). The whole collections run in benchmarks/musicxml_round_trip.py; here, every 50th
Nottingham tune and every 400th tune of O'Neill's 1850 and Ryan's Mammoth (music21's corpus), in file order.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from support.abc2midi_judge import abc2midi_melody, first_difference, judge_text

from composer.abc.corpora import collection_tunes
from composer.abc.tokens import Kind, tokenize
from composer.abc.tunebook import Tune, read_string
from composer.notation.musicxml import musicxml_round_trip, played_notes


def sample():
    picked = []
    for name, tunes in collection_tunes(["nottingham", "oneills1850", "ryansMammoth"]):
        every = 50 if name == "nottingham" else 400
        picked.extend(pytest.param(tune, id=f"{Path(tune.path).stem}-{tune.reference}") for tune in tunes[::every])
    return picked


def without_decorations(tune: Tune) -> Tune:
    """The tune with its decorations (ornaments, staccato, fermatas...) taken off, everything else as is."""
    header = "".join(f"{field.name}:{field.value}\n" for field in tune.header)
    body = "\n".join(line.text for line in tune.body)
    plain = "".join(token.text for token in tokenize(body) if token.kind != Kind.DECORATION)
    return read_string(header + plain).tunes[0]


@pytest.mark.parametrize("tune", sample())
def test_the_notes_come_back(tune):
    trip = musicxml_round_trip(tune)
    index = trip.first_difference()
    assert trip.matches, f"note {index}: sent {trip.sent[index:index + 3]}, came back {trip.returned[index:index + 3]}"
    returned = read_string(trip.imported.text).tunes[0]
    with tempfile.TemporaryDirectory() as folder:
        heard, _ = abc2midi_melody(judge_text(without_decorations(returned))[0], Path(folder))
    assert first_difference(heard, played_notes(trip.musicxml)) == "", trip.imported.text
    assert returned.title == tune.title and returned.key is not None
    kinds = {o.what for o in trip.imported.omissions}
    assert not kinds - {"lyrics"}, trip.imported.report()  # ABC → MusicXML carries nothing ABC cannot write
