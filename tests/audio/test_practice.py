"""The practice loop with a tempo ramp: the ramp's arithmetic, a practice loop rendered offline through FluidSynth
with the player's own schedule (measured from the audio's onsets), and the live player's reported rounds."""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict

import numpy as np
import pytest
from reference_notes import nottingham_tune
from spectrum import detect_onsets
from test_player import RecordingPlayer

from composer.audio.note_schedule import NoteSchedule
from composer.audio.performance import MELODY, PlayedNote, build_performance
from composer.audio.play_state import Loop, PlayerState
from composer.audio.practice import TempoRamp, render_practice
from composer.audio.synth import DRUM_CHANNEL


@pytest.fixture(scope="module")
def reel():
    """A reel at 120 beats a minute in 4/4: every bar lasts 2 s at the tune's own tempo."""
    return nottingham_tune("reelsa-c.abc", 1)


def test_a_ramp_rises_by_its_step_each_round_and_stays_at_the_target():
    ramp = TempoRamp(70, 5, 100)
    assert [ramp.percent(r) for r in range(1, 10)] == [70, 75, 80, 85, 90, 95, 100, 100, 100]
    assert ramp.rounds_to_target == 7
    uneven = TempoRamp(70, 8, 100)  # 70, 78, 86, 94, then the target, not 102
    assert [uneven.percent(r) for r in range(1, 7)] == [70, 78, 86, 94, 100, 100] and uneven.rounds_to_target == 5
    assert TempoRamp(100, 5, 100).percent(4) == 100
    for start, step, target in ((0, 5, 100), (90, 5, 80), (70, 0, 100), (70, -5, 100)):
        with pytest.raises(ValueError):
            TempoRamp(start, step, target)


def test_a_wrap_noticed_late_keeps_the_next_round_in_time():
    """The player's thread may wake after the loop's end: the next round counts from the end, not the waking."""
    wall = [100.0]
    notes = [PlayedNote(t, 1.0 if t == 1.5 else 0.5, 60 + i, 90, 0, 0)  # the note at 1.5 s rings past the loop
             for i, t in enumerate((0.0, 0.5, 1.0, 1.5, 2.5))]
    schedule = NoteSchedule(clock=lambda: wall[0])
    schedule.set_factor(0.5, running=False)
    schedule.start_at(notes, 0.0, 0.0)
    assert [n.start for n in schedule.advance(notes, (0.0, 2.0), lambda: 1.0).notes] == [0.0]
    wall[0] = 103.0  # 1.5 s of the loop at half speed
    held = schedule.advance(notes, (0.0, 2.0), lambda: 1.0)
    assert [n.start for n in held.notes] == [0.5, 1.0, 1.5] and not held.wrapped
    for note in held.notes:
        schedule.hold(note)
    wall[0] = 104.3  # the loop ended at 104.0; noticed 0.3 s late
    due = schedule.advance(notes, (0.0, 2.0), lambda: 2.0)
    assert due.wrapped and due.now == pytest.approx(0.6)  # 0.3 s at the next round's double speed
    assert [n.start for n in due.notes] == [0.0, 0.5]  # what fell due in those 0.3 s, and nothing after the loop
    assert sorted(due.offs) == [(0, 61), (0, 62), (0, 63)]  # the last one ends with the loop, not at 2.5
    assert schedule.wall_seconds_to_next(notes, 10.0, 2.0) == pytest.approx(0.2)  # the note at 1.0 s, at 2x


def test_a_rendered_practice_loop_speeds_up_round_by_round_after_its_count_in(reel, soundfont):
    performance = build_performance(reel)
    loop = Loop(2, 3)
    first, last = performance.bars[2].start, performance.bars[3].end
    assert (first, last) == (4.0, 8.0) and performance.tempo_bpm == 120
    # The loop's last note held 0.5 s past the loop's end (as a note let ring would be): the wrap must end it.
    notes = list(performance.notes)
    held = max((i for i, n in enumerate(notes) if n.part == MELODY and n.start < last), key=lambda i: notes[i].start)
    notes[held] = dataclasses.replace(notes[held], duration=last + 0.5 - notes[held].start)
    performance = dataclasses.replace(performance, notes=tuple(notes))
    ramp = TempoRamp(70, 10, 90)
    percents = [70, 80, 90, 90, 90]
    take = render_practice(performance, ramp, len(percents), loop=loop, count_in_bars=1, soundfont=soundfont)

    # Where each round should start, from the ramp alone: a 4-beat count-in at 70%, then 4 s of music per round
    # at the tune's tempo, so 4 / 0.7, 4 / 0.8, 4 / 0.9 s, then 4 / 0.9 s again at the target.
    beat = 0.5 / 0.7
    expected = [4 * beat]
    for percent in percents[:-1]:
        expected.append(expected[-1] + (last - first) * 100 / percent)
    assert np.allclose(take.round_starts, expected, atol=1e-9)

    # The count-in is kept: four clicks a beat apart at the starting tempo, the last a beat before the music.
    clicks = [t for t, on, channel, _ in take.events if on and channel == DRUM_CHANNEL]
    assert np.allclose(clicks, [0, beat, 2 * beat, 3 * beat], atol=1 / take.sample_rate)

    # The audio: every melody note of every round sounds where the ramp puts it (onsets within 15 ms).
    onsets = detect_onsets(take.samples, take.sample_rate)
    melody = [n for n in performance.notes if n.part == MELODY and first - 1e-6 <= n.start < last - 1e-6]
    heard = found = 0
    for start, percent in zip(expected, percents, strict=True):
        for note in melody:
            at = start + (note.start - first) * 100 / percent
            found += 1
            heard += np.min(np.abs(onsets - at)) < 0.015
    assert heard >= 0.9 * found, f"{heard} of {found} notes heard where the ramp puts them"
    assert all(np.min(np.abs(onsets - t)) < 0.015 for t in clicks[1:])  # (a click at 0 s has no attack frame)

    # Round lengths measured from the audio: each one shorter than the one before by the ramp's ratio
    # (80/70 = 1.143, 90/80 = 1.125), then equal once the target is reached.
    round_onsets = [onsets[np.argmin(np.abs(onsets - t))] for t in expected]
    lengths = np.diff(round_onsets)
    assert np.allclose(lengths, [4 / 0.7, 4 / 0.8, 4 / 0.9, 4 / 0.9], atol=0.015)
    ratios = lengths[:-1] / lengths[1:]
    assert np.allclose(ratios, [80 / 70, 90 / 80, 1.0], atol=0.005)

    # No stuck notes: each note-on has its note-off before the key sounds again, and FluidSynth falls silent.
    sounding: dict[tuple[int, int], float] = {}
    ended = defaultdict(int)
    for t, on, channel, pitch in take.events:
        key = (channel, pitch)
        if on:
            assert key not in sounding, f"{key} started again at {t:.3f} s while sounding"
            sounding[key] = t
        else:
            assert key in sounding and sounding.pop(key) <= t
            ended[key] += 1
    assert not sounding and take.voices_at_end == 0
    assert sum(ended.values()) == sum(1 for _, on, _, _ in take.events if on) == 4 + len(percents) * len(melody)


class PracticePlayer(RecordingPlayer):
    """A recording player that wakes a waiting test once a given round has been reported."""

    def __init__(self, **options):
        super().__init__(**options)
        self.awaited = 0
        self.reached = threading.Event()

    def position_changed(self, position):
        super().position_changed(position)
        if self.awaited and position.round >= self.awaited:
            self.reached.set()

    def until_round(self, round_: int) -> threading.Event:
        self.reached.clear()
        self.awaited = round_
        return self.reached


def test_the_live_player_reports_its_rounds_and_keeps_the_count_in(reel, soundfont, tmp_path):
    player = PracticePlayer(soundfont=soundfont, driver="file",
                            driver_options={"audio.file.name": str(tmp_path / "practice.wav")})
    player.load_tune(reel)
    ramp = TempoRamp(50, 25, 100)
    player.set_tempo_factor(4.0)  # the bar lasts 0.5 s at the target: five rounds in about 4 s
    player.set_count_in(1)
    player.set_loop(2, 2)
    player.set_ramp(ramp)
    reached = player.until_round(5)
    player.play()
    assert reached.wait(30), player.errors
    player.pause()
    assert player.wait_idle() and player.state is PlayerState.PAUSED
    paused_round = player.position.round
    assert paused_round >= 5 and player.position.percent == 100

    bar = player.performance.bars[2]
    playing = [p for p in player.positions if p.round]
    # Count-in positions only before the first round's music, all at round 1 and the starting tempo.
    counting = [p for p in playing if p.counting_in]
    assert counting and playing.index(counting[-1]) == len(counting) - 1
    assert all(p.round == 1 and p.percent == 50 and p.time < bar.start for p in counting)
    # Then the rounds one by one, each at its step, inside the loop; the chosen tempo is left as it was.
    music = playing[len(counting):]
    rounds = [p.round for p in music]
    assert rounds == sorted(rounds) and set(rounds) == set(range(1, max(rounds) + 1))
    assert all(p.percent == ramp.percent(p.round) for p in music)
    assert [ramp.percent(r) for r in range(1, 6)] == [50, 75, 100, 100, 100]
    assert all(bar.start - 1e-6 <= p.time <= bar.end + 0.05 for p in music)
    assert player.tempo_factor == 4.0

    # Resuming goes on in the same round (a pause is not a new practice); stop starts over.
    reached = player.until_round(paused_round + 1)
    before = len(player.positions)
    player.resume()
    assert reached.wait(30), player.errors
    resumed = [p.round for p in player.positions[before:] if p.round]
    assert resumed[0] == paused_round and max(resumed) == paused_round + 1
    player.stop()
    assert player.wait_idle()
    assert player.position.round == 0 and player.position.percent == 100 and player.position.time == bar.start
    player.close()
    assert not player.errors
