"""Harmonizing a melody with the shipped ONNX model: chord places, a byte-identical melody, abc2midi, playback."""

from __future__ import annotations

import io

import mido
import numpy as np
import pytest

from composer.abc.abc2midi import abc2midi_available, run_abc2midi
from composer.abc.tunebook import Tune, read_string, read_tunebook
from composer.audio.performance import ACCOMPANIMENT, build_performance
from composer.errors import AbcError
from composer.model.canonical import canonical_text
from composer.model.chord_places import DOWNBEAT, MIDDLE, layout, model_text, without_chord_symbols
from composer.model.constraint import CHORD_SYMBOLS
from composer.model.harmonize import HarmonizeOptions, harmonize
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel
from composer.model.vocab import encode
from composer.paths import shipped_resources_dir

EXAMPLES = read_tunebook(shipped_resources_dir() / "examples.abc")
KESH, COOLEYS, RIGHTS_OF_MAN = EXAMPLES.tune(1), EXAMPLES.tune(2), EXAMPLES.tune(6)
PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

TIMED = """X:1
T:Timed
M:4/4
L:1/8
K:C
|:(3ABc d2 e>f g2|[CEG]4 "Am"A4|~c2 {d}c2 "^high"!trill!e4|z (3:2:2B2c A d4:|
"""


@pytest.fixture(scope="module")
def model() -> OnnxModel:
    return OnnxModel(DEFAULT_MODEL)


def bare(tune: Tune) -> Tune:
    """The tune with its chord symbols taken out."""
    return read_string(without_chord_symbols(tune)).tunes[0]


def root_class(name: str) -> int:
    shift = {"#": 1, "b": -1}.get(name[1:2], 0)
    return (PITCH_CLASSES[name[0]] + shift) % 12


def place_marks(tune: Tune, per: str) -> list[tuple[int, str, bool, str]]:
    """(bar, beat, chorded, the text from the place to the end of its line) of each chord place."""
    lines = {b.line: b.text for b in tune.body}
    return [(p.bar, p.beat, p.chorded, lines[p.line][p.column - 1:]) for p in layout(tune, per=per).places]


# -- where chords may stand ---------------------------------------------------------------------------------

def test_places_follow_tuplets_broken_rhythm_chords_and_note_prefixes():
    tune = read_string(TIMED).tunes[0]
    marks = [(bar, beat, chorded, rest[:8]) for bar, beat, chorded, rest in place_marks(tune, "beat")]
    assert marks == [
        (1, DOWNBEAT, False, "(3ABc d2"),  # before the tuplet mark
        (1, MIDDLE, False, "e>f g2|["),  # (3ABc d2 fill half the bar
        (2, DOWNBEAT, False, "[CEG]4 \""),
        (2, MIDDLE, True, '"Am"A4|~'),
        (3, DOWNBEAT, False, "~c2 {d}c"),
        (3, MIDDLE, False, '"^high"!'),  # before the annotation, decoration and note
        (4, MIDDLE, False, "d4:|"),  # bar 4 starts with a rest; (3:2:2B2c takes a quarter
    ]
    assert [m[:2] for m in place_marks(tune, "bar")] == [(1, DOWNBEAT), (2, DOWNBEAT), (3, DOWNBEAT)]


def test_a_pickup_has_no_downbeat_and_endings_count_as_bars():
    assert place_marks(RIGHTS_OF_MAN, "bar")[0][:2] == (2, DOWNBEAT)
    kesh = layout(KESH)
    assert kesh.bars == 18  # 16 bars, two of them with a 1st and a 2nd ending
    assert kesh.bar_chords()[:8] == ("G", "D", "G", "C", "G", "D", "C", "D")


def test_the_model_text_is_the_canonical_text_of_the_tune_without_the_chords_taken_out():
    for tune in EXAMPLES:
        symbols = layout(tune).symbols
        deletions = {(s.line, s.column): s.length for s in symbols}
        assert model_text(tune, deletions).text == canonical_text(bare(tune))
        assert model_text(tune, {}).text == canonical_text(tune)


# -- harmonizing with the real model --------------------------------------------------------------------------

@pytest.mark.parametrize("per", ["bar", "beat"])
def test_a_bare_melody_gets_real_chords_and_comes_back_byte_identical(model, per):
    tune = bare(KESH)
    result = harmonize(model, tune, HarmonizeOptions(per=per))
    out = read_string(result.tune_text).tunes[0]
    assert without_chord_symbols(out) == tune.text()
    assert result.removed == 0 and result.places == len(layout(tune, per=per).places)
    names = [s.name for s in layout(out).symbols]
    assert names == [c.name for c in result.chords] and set(names) <= CHORD_SYMBOLS
    downbeats = [m for m in place_marks(out, per) if m[1] == DOWNBEAT]
    assert len(downbeats) == 18 and all(chorded for _, _, chorded, _ in downbeats)  # a chord in every bar
    assert sum(c.beat == DOWNBEAT for c in result.chords) == 18
    assert all(c.beat == DOWNBEAT for c in result.chords) or per == "beat"
    # the key of G: it starts on the tonic chord, and every root is a degree of the scale
    assert names[0] == "G" and {root_class(n) for n in names} <= {7, 9, 11, 0, 2, 4, 6}


def test_replace_takes_the_old_chords_out_and_keeps_the_melody(model):
    result = harmonize(model, COOLEYS, HarmonizeOptions(replace=True))
    out = read_string(result.tune_text).tunes[0]
    assert result.removed == len(layout(COOLEYS).symbols) == 13
    assert without_chord_symbols(out) == without_chord_symbols(COOLEYS)
    assert all(chord is not None for chord in layout(out).bar_chords())


def test_keep_adds_chords_only_to_bars_without_one(model):
    result = harmonize(model, COOLEYS, HarmonizeOptions())
    before, after = layout(COOLEYS).bar_chords(), layout(read_string(result.tune_text).tunes[0]).bar_chords()
    assert [c.bar for c in result.chords] == [bar for bar, chord in enumerate(before, start=1) if chord is None]
    assert all(old == new for old, new in zip(before, after, strict=True) if old is not None)
    assert all(new is not None for new in after)
    # taking the new chords out gives the tune back, old chords and all
    lines = result.tune_text.split("\n")
    for chord in sorted(result.chords, key=lambda c: (c.line, c.column)):
        index = chord.line - COOLEYS.line
        written = lines[index][chord.column - 1:]
        assert written.startswith(f'"{chord.name}"')
        lines[index] = lines[index][:chord.column - 1] + written[len(chord.name) + 2:]
    assert "\n".join(lines) == COOLEYS.text()


def test_a_fully_chorded_tune_is_left_as_it_is(model):
    result = harmonize(model, KESH)
    assert result.tune_text == KESH.text() and result.chords == () and result.places == 0


def test_a_span_of_bars_is_harmonized_and_the_rest_kept(model):
    result = harmonize(model, KESH, HarmonizeOptions(replace=True, bars=(5, 8)))
    before, after = layout(KESH).bar_chords(), layout(read_string(result.tune_text).tunes[0]).bar_chords()
    assert result.removed == 5 and {c.bar for c in result.chords} == {5, 6, 7, 8}
    assert before[:4] == after[:4] and before[8:] == after[8:]
    assert without_chord_symbols(read_string(result.tune_text).tunes[0]) == without_chord_symbols(KESH)


def test_the_search_is_deterministic(model):
    options = HarmonizeOptions(per="beat", replace=True, beam=3)
    assert harmonize(model, KESH, options) == harmonize(model, KESH, options)


def test_the_reported_log_probability_is_the_models_score_of_the_written_text():
    model = OnnxModel(DEFAULT_MODEL, weights="float32")
    tune = bare(COOLEYS)
    result = harmonize(model, tune, HarmonizeOptions(beam=2, names=2))
    text = canonical_text(read_string(result.tune_text).tunes[0])
    first = model_text(tune, {}).offset(result.chords[0].line, result.chords[0].column)
    ids = np.asarray([encode(text)])
    logits, _ = model.run(ids[:, :-1], model.zero_state(1))
    values = logits[0].astype(np.float64)
    log_probs = values - values.max(axis=1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    expected = log_probs[np.arange(len(text) - 1), ids[0, 1:]][first - 1:].sum()
    assert result.log_prob == pytest.approx(expected, abs=0.05)


# -- the result plays ----------------------------------------------------------------------------------------

@pytest.mark.skipif(not abc2midi_available(), reason="abc2midi is not installed")
@pytest.mark.parametrize("per", ["bar", "beat"])
def test_abc2midi_reads_the_result_without_errors_and_plays_its_chords(model, judge, per):
    tune = bare(EXAMPLES.tune(4))  # Banish Misfortune, three parts in 6/8
    result = harmonize(model, tune, HarmonizeOptions(per=per))
    assert judge(result.tune_text) == []
    out = read_string(result.tune_text).tunes[0]

    def notes(options: tuple[str, ...]) -> int:
        midi = mido.MidiFile(file=io.BytesIO(run_abc2midi(out, options).midi))
        return sum(1 for track in midi.tracks for m in track if m.type == "note_on" and m.velocity)

    assert notes(()) > notes(("-NGUI",)) + 2 * len(result.chords)  # guitar chords on: a bass and a chord each


def test_accompaniment_playback_plays_the_chords_written(model):
    tune = bare(KESH)
    assert ACCOMPANIMENT not in build_performance(tune, accompaniment=True).parts()
    result = harmonize(model, tune)
    performance = build_performance(read_string(result.tune_text).tunes[0], accompaniment=True)
    backing = [n for n in performance.notes if n.part == ACCOMPANIMENT]
    assert backing and min(n.start for n in backing) == 0.0
    first_bass = min((n for n in backing if n.start == 0.0), key=lambda n: n.pitch)
    assert first_bass.pitch % 12 == root_class(result.chords[0].name)
    assert {root_class(c.name) for c in result.chords} <= {n.pitch % 12 for n in backing}


# -- what is refused ---------------------------------------------------------------------------------------

def test_bad_input_is_refused_with_its_place(model):
    two_voices = read_string("X:5\nT:Two\nM:4/4\nL:1/8\nK:D\nV:1\nABcd efga|\nV:2\nD8|\n").tunes[0]
    with pytest.raises(AbcError, match="one voice") as caught:
        harmonize(model, two_voices)
    assert (caught.value.tune, caught.value.line) == (5, 8)
    with pytest.raises(AbcError, match="go past the tune's 18 written bars") as caught:
        harmonize(model, KESH, HarmonizeOptions(bars=(17, 19)))
    assert caught.value.tune == 1
    broken = read_string("X:7\nT:Broken\nM:4/4\nL:1/8\nK:D\nABcd efga|\nAB[cd efga|\n").tunes[0]
    with pytest.raises(AbcError, match="cannot be harmonized") as caught:
        harmonize(model, broken)
    assert (caught.value.tune, caught.value.line) == (7, 7)
    with pytest.raises(ValueError, match="per must be"):
        HarmonizeOptions(per="half")
