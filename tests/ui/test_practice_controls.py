"""The transport's Practice control offscreen: the ramp it hands the player, the round it shows while looping
(through FluidSynth's `file` driver), and its settings kept."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from composer.abc.corpora import nottingham_dir  # noqa: E402
from composer.abc.tunebook import read_tunebook  # noqa: E402
from composer.audio.practice import TempoRamp  # noqa: E402


@pytest.fixture
def tune():
    return read_tunebook(nottingham_dir() / "reelsa-c.abc").tune(1)


@pytest.fixture
def make_bar(qtbot, tmp_path):
    from composer.ui.playback.transport import TransportBar

    bars = []

    def make():
        bar = TransportBar(driver="file", driver_options={"audio.file.name": str(tmp_path / f"{len(bars)}.wav")})
        qtbot.addWidget(bar)
        bars.append(bar)
        return bar

    yield make
    for bar in bars:
        bar.shutdown()


def test_practice_hands_its_ramp_to_the_player_and_keeps_start_below_target(make_bar):
    bar = make_bar()
    practice = bar.practice
    assert (practice.start_spin.value(), practice.step_spin.value(), practice.target_spin.value()) == (70, 5, 100)
    assert practice.ramp is None and practice.ramp_button.text() == "70%→100%"
    practice.practice_check.setChecked(True)
    assert bar.player.wait_idle() and bar.player.ramp == TempoRamp(70, 5, 100)
    practice.step_spin.setValue(10)
    practice.start_spin.setValue(60)
    assert bar.player.wait_idle() and bar.player.ramp == TempoRamp(60, 10, 100)
    assert practice.ramp_button.text() == "60%→100%"
    # The target never goes below the start.
    practice.target_spin.setValue(50)
    assert practice.target_spin.value() == 60
    practice.start_spin.setValue(80)
    assert practice.target_spin.value() == 80 and practice.target_spin.minimum() == 80
    practice.practice_check.setChecked(False)
    assert bar.player.wait_idle() and bar.player.ramp is None


def test_a_practice_loop_shows_each_round_and_its_tempo_after_the_count_in(qtbot, make_bar, tune):
    bar = make_bar()
    with qtbot.waitSignal(bar.player.performanceLoaded, timeout=20000):
        bar.set_tune(tune)
    bar.tempo_spin.setValue(400)  # the reel's 120 bpm times 3.33: one bar lasts 0.6 s at the target
    bar.loop_check.setChecked(True)
    bar.loop_first.setValue(3)
    bar.loop_last.setValue(3)
    bar.count_in_check.setChecked(True)
    bar.practice.set_ramp(TempoRamp(50, 25, 100), on=True)
    shown = []
    bar.player.positionChanged.connect(
        lambda position: shown.append((bar.practice.round_label.text(), bar.position_label.text())))
    with qtbot.waitSignal(bar.stateChanged, timeout=10000, check_params_cb=lambda state: state == "playing"):
        qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.practice.round_label.text() == "Round 4 · 100%", timeout=20000)

    rounds = [text for text, _ in shown if text]
    assert list(dict.fromkeys(rounds)) == ["Round 1 · 50%", "Round 2 · 75%", "Round 3 · 100%", "Round 4 · 100%"]
    # The count-in is kept: it comes first, in round 1, at the starting tempo.
    counting = [i for i, (_, where) in enumerate(shown) if where.startswith("Count-in")]
    assert counting and counting == list(range(counting[0], counting[-1] + 1))
    assert all(shown[i][0] == "Round 1 · 50%" for i in counting)
    assert all("Bar 3/" in where for text, where in shown[counting[-1] + 1:] if text)
    assert bar.tempo_spin.value() == 400  # the ramp plays a share of the tempo; the tempo box stays as chosen

    with qtbot.waitSignal(bar.stateChanged, timeout=5000, check_params_cb=lambda state: state == "stopped"):
        qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
    assert bar.practice.round_label.text() == "" and bar.practice.ramp_button.text() == "50%→100%"


def test_the_practice_ramp_is_remembered(make_bar, settings):
    from composer.ui.playback.practice import PRACTICE_GROUP

    first = make_bar()
    first.practice.set_ramp(TempoRamp(60, 10, 90), on=True)
    first.practice.save(settings)
    again = make_bar()
    assert again.practice.ramp is None
    again.practice.restore(settings)
    assert again.practice.ramp == TempoRamp(60, 10, 90)
    assert again.player.wait_idle() and again.player.ramp == TempoRamp(60, 10, 90)

    settings.set_value(PRACTICE_GROUP, "start", 150)  # above the target: not a ramp, so the defaults come back
    again.practice.restore(settings)
    assert again.practice.ramp == TempoRamp(70, 5, 100)


def test_the_window_keeps_the_practice_ramp_for_the_next_window(make_window):
    window = make_window()
    window.transport.practice.set_ramp(TempoRamp(65, 5, 95), on=True)
    window.save_settings()
    again = make_window()
    assert again.transport.practice.ramp == TempoRamp(65, 5, 95)
    assert again.transport.player.wait_idle() and again.transport.player.ramp == TempoRamp(65, 5, 95)
