"""The live player on real tunes through FluidSynth's `file` audio driver (this machine has no sound card)."""

from __future__ import annotations

import threading
import time
import wave

import numpy as np
from reference_notes import nottingham_tune
from spectrum import detect_onsets, pitch_at

from composer.abc.tokens import Kind, tokenize_tune
from composer.abc.tunebook import read_string
from composer.audio.player import Player, PlayerState
from composer.errors import AudioError, ComposerError


class RecordingPlayer(Player):
    """A player whose hooks record what they are told."""

    def __init__(self, **options):
        super().__init__(**options)
        self.states: list[PlayerState] = []
        self.positions = []
        self.errors: list[ComposerError] = []
        self.done = threading.Event()
        self.failure = threading.Event()

    def state_changed(self, state):
        self.states.append(state)

    def position_changed(self, position):
        self.positions.append(position)

    def finished(self):
        self.done.set()

    def failed(self, error):
        self.errors.append(error)
        self.failure.set()


def file_player(path, soundfont) -> RecordingPlayer:
    return RecordingPlayer(soundfont=soundfont, driver="file", driver_options={"audio.file.name": str(path)})


def test_a_tune_plays_through_the_file_driver_with_positions_in_the_source(soundfont, tmp_path):
    tune = nottingham_tune("reelsa-c.abc", 1)
    player = file_player(tmp_path / "live.wav", soundfont)
    player.load_tune(tune)
    assert player.wait_idle()
    performance = player.performance
    first_bar = len(performance.bars) - 3
    player.set_tempo_factor(1.5)
    player.play_bar(first_bar)
    assert player.done.wait(20), player.errors
    player.close()
    assert player.states == [PlayerState.PLAYING, PlayerState.STOPPED]

    # Positions move forward through the played bars and name the written notes.
    notes = {(t.line, t.column) for t in tokenize_tune(tune) if t.kind is Kind.NOTE}
    playing = [p for p in player.positions if p.line is not None][1:-1]
    assert len(playing) > 5
    assert all((p.line, p.column) in notes for p in playing)
    times = [p.time for p in playing]
    assert times == sorted(times) and times[0] >= performance.bars[first_bar].start - 1e-6

    # The recording holds the melody of those bars.
    with wave.open(str(tmp_path / "live.wav")) as wav:
        rate = wav.getframerate()
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2).mean(axis=1)
    expected = {n.pitch for n in performance.melody() if n.start >= performance.bars[first_bar].start - 1e-6}
    onsets = detect_onsets(audio, rate)
    assert len(onsets) >= 0.8 * sum(1 for n in performance.melody()
                                    if n.start >= performance.bars[first_bar].start - 1e-6)
    heard = [pitch_at(audio, rate, t + 0.02, 0.08) for t in onsets]
    assert sum(h in expected for h in heard) >= 0.8 * len(heard)


def test_loop_pause_seek_resume_and_stop(soundfont, tmp_path):
    tune = nottingham_tune("reelsa-c.abc", 1)
    player = file_player(tmp_path / "live.wav", soundfont)
    player.load_tune(tune)
    player.set_tempo_factor(2.0)
    player.set_loop(2, 2)
    player.play()
    assert player.wait_idle()
    bar = player.performance.bars[2]
    time.sleep(2.5 * bar.duration / 2.0)
    looped = [p.time for p in player.positions[1:]]
    assert all(bar.start - 1e-6 <= t <= bar.end + 0.05 for t in looped)
    assert any(b < a for a, b in zip(looped, looped[1:], strict=False)), "the loop never jumped back"

    player.pause()
    assert player.wait_idle() and player.state is PlayerState.PAUSED
    frozen = len(player.positions)
    time.sleep(0.3)
    assert len(player.positions) == frozen

    player.set_loop(None)
    player.seek_bar(5)
    assert player.wait_idle()
    target = player.performance.bars[5]
    assert abs(player.position.time - target.start) < 1e-6 and player.position.bar == 5
    player.resume()
    time.sleep(0.4)
    assert player.state is PlayerState.PLAYING and player.position.time > target.start
    player.stop()
    assert player.wait_idle()
    assert player.state is PlayerState.STOPPED and player.position.time == 0.0
    player.close()
    assert not player.errors


def test_no_audio_output_is_said_once_and_everything_else_keeps_working(soundfont):
    tune = nottingham_tune("reelsa-c.abc", 1)
    player = RecordingPlayer(soundfont=soundfont, driver="no-such-driver")
    player.load_tune(tune)
    player.play()
    assert player.failure.wait(10)
    assert player.state is PlayerState.STOPPED
    assert isinstance(player.errors[0], AudioError) and "no audio output" in str(player.errors[0])
    # Trying again reports the same error at once, without retrying the drivers.
    player.play()
    assert player.wait_idle(5)
    assert len(player.errors) == 2 and player.errors[1] is player.errors[0]
    # Seeking and loading still work; the worker is alive.
    player.seek_bar(2)
    assert player.wait_idle() and player.position.bar == 2
    player.close()


def test_a_tune_that_cannot_be_played_is_reported_not_raised(soundfont, tmp_path):
    player = file_player(tmp_path / "x.wav", soundfont)
    junk = read_string("X:1\nT:junk\nK:C\n((((([[[[!!!!\n").tunes[0]
    player.load_tune(junk)
    assert player.wait_idle(20)
    assert player.performance is None
    assert player.errors and isinstance(player.errors[0], ComposerError)
    player.play()  # nothing loaded: nothing happens, nothing breaks
    assert player.wait_idle(20) and player.state is PlayerState.STOPPED
    player.close()


def test_every_position_names_its_playback_and_stop_or_load_begins_a_new_one(soundfont, tmp_path):
    """A listener in another thread gets positions late; the playback each belongs to tells it which are stale."""
    tune = nottingham_tune("reelsa-c.abc", 1)
    player = file_player(tmp_path / "live.wav", soundfont)
    player.load_tune(tune)
    loaded = player.playback
    player.set_tempo_factor(4.0)
    player.play_bar(3)
    time.sleep(0.3)
    player.pause()
    assert player.wait_idle() and player.state is PlayerState.PAUSED
    assert player.playback == loaded  # pausing, seeking and playing go on with the same playback
    assert all(p.playback == loaded for p in player.positions)
    before = len(player.positions)
    player.stop()
    stopped = player.playback
    assert stopped > loaded  # at once, in the caller's thread: earlier positions are stale from now on
    assert player.wait_idle()
    after_stop = player.positions[before:]
    assert after_stop and all(p.playback == stopped for p in after_stop)
    assert after_stop[-1].bar == 0 and after_stop[-1].time == 0.0
    player.load_tune(tune)
    assert player.playback > stopped
    assert player.wait_idle() and player.positions[-1].playback == player.playback
    player.close()
    assert not player.errors
