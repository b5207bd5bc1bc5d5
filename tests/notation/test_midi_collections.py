"""MIDI export over the real collections: note-identical to abc2midi on at least 95% of a fixed sample, and
no stuck or zero-length note with grace notes and accompaniment on.

The whole collections (5,467 tunes) take about half an hour on this machine, so the suite uses every Nth
tune of each collection (a fixed, deterministic sample); benchmarks/midi_vs_abc2midi.py runs them all.
"""

from __future__ import annotations

import pytest
from support.abc2midi_judge import abc2midi_available, compare_with_abc2midi, midi_note_problems

from composer.abc.corpora import MUSIC21_COLLECTIONS, collection_tunes
from composer.abc.tunebook import Tune
from composer.errors import AbcError
from composer.notation.midi import midi_file

pytestmark = pytest.mark.skipif(not abc2midi_available(), reason="abc2midi (Debian abcmidi) is not installed")

# About 50 tunes of Nottingham and 60 of music21's folk collections.
NOTTINGHAM_STEP = 21
MUSIC21_STEP = 73


@pytest.fixture(scope="module")
def samples() -> dict[str, list[Tune]]:
    collections = dict(collection_tunes())
    music21_tunes = [t for name in MUSIC21_COLLECTIONS for t in collections[name]]
    return {"nottingham": collections["nottingham"][::NOTTINGHAM_STEP], "music21": music21_tunes[::MUSIC21_STEP]}


@pytest.fixture(scope="module")
def verdicts(samples, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("abc2midi")
    return {name: [compare_with_abc2midi(tune, workdir) for tune in tunes] for name, tunes in samples.items()}


def identical_share(verdicts) -> tuple[float, str]:
    identical = sum(v.identical for v in verdicts)
    report = "\n".join(f"{v.label}: {v.cause}" for v in verdicts if not v.identical)
    return identical / len(verdicts), f"{identical}/{len(verdicts)} identical; mismatches:\n{report}"


@pytest.mark.parametrize("collection", ["nottingham", "music21"])
def test_at_least_95_percent_of_tunes_are_note_identical_to_abc2midi(verdicts, collection):
    share, report = identical_share(verdicts[collection])
    assert len(verdicts[collection]) >= 50
    assert share >= 0.95, report


def test_no_midi_file_has_stuck_or_zero_length_notes_with_graces_and_accompaniment(samples):
    tunes = samples["nottingham"] + samples["music21"]
    failures, exported = [], 0
    for tune in tunes:
        try:
            midi = midi_file(tune, accompaniment=True)
        except AbcError:
            continue
        exported += 1
        problems = midi_note_problems(midi)
        if problems:
            failures.append(f"{tune.label}: {problems[:3]}")
    assert exported >= 0.95 * len(tunes)
    assert failures == []


def test_the_note_check_sees_what_music21_used_to_write():
    """A zero-length note written off-before-on (music21's grace notes) and a note never released are caught."""
    import mido

    midi = mido.MidiFile()
    track = mido.MidiTrack([
        mido.Message("note_off", note=60, velocity=0, time=0),
        mido.Message("note_on", note=60, velocity=80, time=0),
        mido.Message("note_on", note=62, velocity=80, time=10),
        mido.Message("note_off", note=62, velocity=0, time=0),
    ])
    midi.tracks.append(track)
    problems = midi_note_problems(midi)
    assert any("without a note-on" in p for p in problems)
    assert any("never released" in p for p in problems)
    assert any("zero-length" in p for p in problems)
