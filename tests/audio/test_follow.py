"""Score following: played notes map back to the written notes that make them; bars, clicks and count-in."""

from __future__ import annotations

from reference_notes import abc2midi_notes, nottingham_tune

from composer.abc.corpora import nottingham_dir
from composer.abc.keys import NATURAL_SEMITONES
from composer.abc.tokens import Kind, tokenize_tune
from composer.abc.tunebook import read_string, read_tunebook
from composer.audio.follow import follow_tune, part_order, unfold, written_items
from composer.audio.performance import (
    CLICK_STRONG,
    METRONOME,
    build_performance,
    count_in_clicks,
    performance_from_events,
    tune_tempo,
)


def note_tokens(tune):
    return {(t.line, t.column): t for t in tokenize_tune(tune) if t.kind is Kind.NOTE}


def test_every_placed_note_points_at_a_written_note_of_its_pitch_class():
    tune = nottingham_tune("jigs.abc", 4)
    performance = build_performance(tune)
    written = note_tokens(tune)
    melody = performance.melody()
    placed = [n for n in melody if n.line is not None]
    assert len(placed) >= 0.95 * len(melody)
    for note in placed:
        token = written[(note.line, note.column)]
        # The letter's natural pitch class is within a semitone (a key-signature or bar accidental).
        step = (note.pitch - NATURAL_SEMITONES[token.step]) % 12
        assert step in (0, 1, 11)


def test_places_follow_repeats_and_endings():
    tune = read_string("X:1\nT:t\nM:2/4\nL:1/8\nK:C\n|:CD EF|[1 GA Bc:|[2 ed cB||\n").tunes[0]
    played = [v for k, v in unfold(written_items(tune)) if k == "note"]
    letters = "".join(tune.body[0].text[n.column - 1] for n in played)
    assert letters == "CDEFGABc" + "CDEF" + "edcB"


def test_part_order_reads_p_fields():
    assert part_order("ABACA") == "ABACA"
    assert part_order("(AB)2C") == "ABABC"
    assert part_order("A2B") == "AAB"
    assert part_order(None) == ""


def test_following_matches_abc2midi_notes_on_a_sample_of_nottingham(tmp_path):
    # Fixed sample: the first five tunes of three files, followed against abc2midi's own melody.
    coverages = []
    for name in ("jigs.abc", "reelsd-g.abc", "waltzes.abc"):
        for tune in read_tunebook(nottingham_dir() / name).tunes[:5]:
            reference = abc2midi_notes(tune, tmp_path)
            following = follow_tune(tune, reference, whole_note_seconds=240 / tune_tempo(tune))
            coverages.append(following.coverage)
    coverages.sort()
    assert coverages[len(coverages) // 2] >= 0.98  # median
    assert sum(coverages) / len(coverages) >= 0.9


def test_bars_start_at_bar_lines_with_a_pickup_first():
    tune = nottingham_tune("jigs.abc", 4)
    performance = build_performance(tune)
    bars = performance.bars
    beat = 60 / performance.tempo_bpm
    assert bars[0].start == 0.0
    # 6/8 (set after K:): two dotted-quarter beats a bar, bar for bar, but for pickups and part ends.
    full = [b for b in bars if abs(b.duration - 2 * beat) < 1e-3]
    assert len(full) >= 0.75 * len(bars)
    assert all(b.beats == 2 for b in full)
    # Each bar's recorded place is the first note after a bar line in the text.
    for bar in bars[1:]:
        line = next(b.text for b in tune.body if b.line == bar.line)
        before = line[: bar.column - 1].rstrip(' "ABCDEFGabcdefgm7#/')
        assert before == "" or before.endswith(("|", ":", "1", "2"))  # a bar line, or the line start
    assert performance.bar_at_source(bars[3].line, bars[3].column).index == 3


def test_metronome_and_count_in_click_on_the_beats():
    tune = nottingham_tune("reelsa-c.abc", 1)
    performance = build_performance(tune, metronome=True)
    clicks = [n for n in performance.notes if n.part == METRONOME]
    beat = 60 / performance.tempo_bpm
    assert len(clicks) == sum(b.beats for b in performance.bars)
    strong = [c.start for c in clicks if c.pitch == CLICK_STRONG]
    assert all(any(abs(s - b.start) < 1e-6 for b in performance.bars) for s in strong[1:])
    start = performance.bars[2].start
    count_in = count_in_clicks(performance, start, bars=1)
    assert len(count_in) == performance.bars[2].beats
    assert abs(count_in[-1].start + beat - start) < 1e-6 and count_in[0].pitch == CLICK_STRONG


def test_events_without_a_tune_get_a_bar_grid():
    tune = nottingham_tune("reelsa-c.abc", 1)
    events = [n for n in build_performance(tune).melody()]
    performance = performance_from_events(events, meter="4/4", quarter_bpm=tune_tempo(tune))
    assert all(n.line is None for n in performance.notes)
    assert len(performance.bars) >= performance.duration / (4 * 60 / tune_tempo(tune)) - 1
