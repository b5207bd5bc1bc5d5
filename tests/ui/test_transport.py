"""The transport bar offscreen: its state, its position and highlight signals, and audio failures."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from composer.abc.corpora import nottingham_dir  # noqa: E402
from composer.abc.tokens import Kind, tokenize_tune  # noqa: E402
from composer.abc.tunebook import read_tunebook  # noqa: E402
from composer.audio.instruments import GM_PROGRAMS  # noqa: E402


@pytest.fixture
def tune():
    return read_tunebook(nottingham_dir() / "reelsa-c.abc").tune(1)


@pytest.fixture
def make_bar(qtbot):
    from composer.ui.playback.transport import TransportBar

    bars = []

    def make(**options):
        bar = TransportBar(**options)
        qtbot.addWidget(bar)
        bars.append(bar)
        return bar

    yield make
    for bar in bars:
        bar.shutdown()


def load(qtbot, bar, tune):
    with qtbot.waitSignal(bar.player.performanceLoaded, timeout=20000):
        bar.set_tune(tune)


def test_controls_wait_for_a_tune_then_show_its_bars_and_tempo(qtbot, make_bar, tune, tmp_path):
    bar = make_bar(driver="file", driver_options={"audio.file.name": str(tmp_path / "a.wav")})
    assert not bar.play_button.isEnabled() and bar.position_label.text() == "–"
    assert bar.tempo_spin.text() == "– bpm"  # no made-up tempo before a tune is loaded
    assert bar.instrument_combo.count() == len(GM_PROGRAMS) + 1  # plus the separator after folk instruments
    load(qtbot, bar, tune)
    assert bar.play_button.isEnabled()
    assert bar.position_slider.maximum() == len(bar.performance.bars) - 1
    assert bar.tempo_spin.value() == round(bar.performance.tempo_bpm)
    assert bar.tempo_spin.text() == f"{round(bar.performance.tempo_bpm)} bpm" and bar.tempo_spin.minimum() == 20
    assert bar.position_label.text().startswith(f"Bar 1/{len(bar.performance.bars)}")

    # Tempo, loop and instrument controls reach the player.
    bar.tempo_spin.setValue(2 * bar.performance.tempo_bpm)
    bar.loop_check.setChecked(True)
    bar.loop_first.setValue(3)
    bar.loop_last.setValue(4)
    index = bar.instrument_combo.findData(73)
    bar.instrument_combo.setCurrentIndex(index)
    assert bar.player.wait_idle()
    assert abs(bar.player.tempo_factor - 2.0) < 1e-6
    assert (bar.player.loop.first, bar.player.loop.last) == (2, 3)
    assert bar.player.program == 73


def test_playing_emits_states_and_source_positions_of_written_notes(qtbot, make_bar, tune, tmp_path):
    bar = make_bar(driver="file", driver_options={"audio.file.name": str(tmp_path / "a.wav")})
    load(qtbot, bar, tune)
    notes = {(t.line, t.column) for t in tokenize_tune(tune) if t.kind is Kind.NOTE}
    places = []
    bar.sourcePositionChanged.connect(lambda line, column: places.append((line, column)))
    bar.tempo_spin.setValue(2 * bar.performance.tempo_bpm)
    with qtbot.waitSignal(bar.stateChanged, timeout=10000) as started:
        qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert started.args == ["playing"]
    qtbot.waitUntil(lambda: len(places) >= 6, timeout=10000)
    assert all(place in notes for place in places)
    assert len(set(places)) > 1  # the highlight moves

    with qtbot.waitSignal(bar.stateChanged, timeout=5000) as paused:
        qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert paused.args == ["paused"]
    with qtbot.waitSignal(bar.stateChanged, timeout=5000) as stopped:
        qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
    assert stopped.args == ["stopped"]
    assert bar.position_label.text().startswith("Bar 1/")


def test_play_from_the_cursor_starts_at_the_cursor_bar(qtbot, make_bar, tune, tmp_path):
    bar = make_bar(driver="file", driver_options={"audio.file.name": str(tmp_path / "a.wav")})
    load(qtbot, bar, tune)
    bars = bar.performance.bars
    # A bar heard for the first time (a repeat plays its written bars again: the cursor means the first).
    target = next(b for b in bars[3:]
                  if all((a.line, a.column) != (b.line, b.column) for a in bars[:b.index]))
    with qtbot.waitSignal(bar.barChanged, timeout=5000, check_params_cb=lambda index: index == target.index):
        bar.play_from_source(target.line, target.column)
    assert bar.player.position.time >= target.start - 1e-6


def test_an_audio_failure_is_said_once_and_the_bar_keeps_working(qtbot, make_bar, tune):
    bar = make_bar(driver="no-such-driver")
    load(qtbot, bar, tune)
    errors = []
    bar.errorOccurred.connect(errors.append)
    with qtbot.waitSignal(bar.player.playbackFailed, timeout=10000):
        bar.toggle_play()
    with qtbot.waitSignal(bar.player.playbackFailed, timeout=10000):
        bar.toggle_play()
    qtbot.wait(50)
    assert len(errors) == 1 and "no audio output" in errors[0]
    assert "no audio output" in bar.status_label.text()
    assert bar.play_button.isEnabled()
    bar.position_slider.setValue(3)
    bar.player.seek_bar(3)
    qtbot.waitUntil(lambda: bar.position_label.text().startswith("Bar 4/"), timeout=5000)


def test_stop_shows_the_start_at_once_and_late_positions_of_the_ended_playback_are_dropped(qtbot, make_bar, tune,
                                                                                            tmp_path):
    """The race of a first `make test`: a position from the player thread landed after Stop ("Bar 2/16")."""

    bar = make_bar(driver="file", driver_options={"audio.file.name": str(tmp_path / "a.wav")})
    load(qtbot, bar, tune)
    places = []
    bar.sourcePositionChanged.connect(lambda line, column: places.append((line, column)))
    bar.tempo_spin.setValue(2 * bar.performance.tempo_bpm)
    with qtbot.waitSignal(bar.stateChanged, timeout=10000):
        bar.player.play_bar(4)
    qtbot.waitUntil(lambda: bar.position_label.text().startswith("Bar 5/") and bool(places), timeout=10000)
    with qtbot.waitSignal(bar.stateChanged, timeout=5000) as paused:
        qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert paused.args == ["paused"]
    late = bar.player.position  # what the player thread said last: it may still be on its way to the bar
    assert late.bar >= 4

    with qtbot.waitSignal(bar.stateChanged, timeout=5000) as stopped:
        qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
        assert bar.position_label.text().startswith("Bar 1/")  # at once, before the player thread answers
    assert stopped.args == ["stopped"]
    assert bar.position_label.text().startswith("Bar 1/")
    heard = len(places)
    bar.player.positionChanged.emit(late)  # a position of the ended playback landing after the stop
    assert bar.position_label.text().startswith("Bar 1/") and len(places) == heard
    assert bar.player.wait_idle()
    qtbot.wait(100)
    assert bar.position_label.text().startswith("Bar 1/")
