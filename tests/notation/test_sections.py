"""A long tune is read by music21 in sections (time linear in its length) and plays and prints as read whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.abc.tunebook import read_string, read_tunebook
from composer.notation import midi, music21_abc, played_score, sections
from composer.notation.musicxml import written_notes

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples.abc"


def long_tune(rounds: int, extra_header: str = ""):
    cooleys = next(t for t in read_tunebook(EXAMPLES) if t.title == "Cooley's")
    header = "".join(f"{f.name}:{f.value}\n" for f in cooleys.header if f.name != "K")
    body = "".join(line.text + "\n" for line in cooleys.body)
    middle = "[M:3/4][K:G] G2 A2 B2|c2 B2 A2|]\n[M:4/4][K:Edor]"
    return read_string(header + extra_header + f"K:{cooleys.key}\n" + body * rounds + middle + body * rounds).tunes[0]


def test_a_long_tune_is_cut_only_where_a_section_ends():
    tune = long_tune(4)
    texts = sections.section_texts(music21_abc.music21_text(tune))
    assert len(texts) >= 3
    for text in texts:
        body = text.split("\nK:", 1)[1]
        assert body.count("|:") == body.count(":|")  # every repeat whole in its section
        assert text.startswith(texts[0].split("\nK:", 1)[0])  # the header in every section


def test_a_short_tune_is_read_whole():
    tune = read_string("X:1\nT:t\nM:4/4\nL:1/8\nK:D\n|:ABcd efga:|\n").tunes[0]
    assert sections.section_texts(music21_abc.music21_text(tune)) == [music21_abc.music21_text(tune)]


@pytest.mark.parametrize("accompaniment", [False, True])
def test_sections_play_exactly_as_the_whole_tune(monkeypatch, accompaniment):
    tune = long_tune(3)
    in_sections = midi.note_events(tune, accompaniment=accompaniment)
    played_score.expanded_score.cache_clear()
    monkeypatch.setattr(sections, "SECTION_BARS", 10**9)
    whole = midi.note_events(tune, accompaniment=accompaniment)
    played_score.expanded_score.cache_clear()
    assert len(sections.section_texts(music21_abc.music21_text(tune))) == 1
    assert in_sections == whole


def test_sections_are_written_as_the_whole_tune(monkeypatch):
    tune = long_tune(3)
    in_sections = music21_abc.music21_score(tune)
    measures = [m.number for m in in_sections.parts[0].getElementsByClass("Measure")]
    assert measures == sorted(set(measures))
    monkeypatch.setattr(sections, "SECTION_BARS", 10**9)
    assert written_notes(in_sections) == written_notes(music21_abc.music21_score(tune))


def test_a_long_tune_in_sections_plays_as_abc2midi_plays_it():
    from support.abc2midi_judge import compare_with_abc2midi

    tune = long_tune(3)
    assert len(sections.section_texts(music21_abc.music21_text(tune))) > 1
    verdict = compare_with_abc2midi(tune, grace_notes=True)
    assert verdict.identical, verdict.cause
