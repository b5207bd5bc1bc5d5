"""The transport bar: play/pause/stop, position, tempo, loop, instrument and volume over the audio Player.

`QtPlayer` is the thin Qt side of composer.audio.player.Player: its hooks (called in the player's worker
thread) become signals emitted in the UI thread through the courier. `TransportBar` only connects to those
signals. The main window docks the bar, gives it the current tune with `set_tune()`, connects
`sourcePositionChanged(line, column)` to its editor/staff highlight, and calls `play_from_source()` for
"play from the cursor". A caller that builds performances itself hands them over with `set_performance()`.
Reloading a tune keeps the chosen tempo when the tune's own tempo is unchanged, and the loop when the number
of bars is. An audio failure is shown once in the bar and emitted once as `errorOccurred`. The bar owns its
output, instrument and volume and hands them out as a `Sound` value (`sound`, and `soundChanged` on each change).
Its Practice control (composer.ui.playback.practice, `practice`) loops with a tempo ramp and shows the round.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QStyle,
    QToolButton,
    QWidget,
)

from composer.abc.tunebook import Tune
from composer.audio.instruments import FOLK_PROGRAMS, GM_PROGRAMS
from composer.audio.performance import Performance
from composer.audio.player import Player, PlayerState, Position
from composer.errors import ComposerError
from composer.ui.courier import call_in_ui_thread, prepare_courier
from composer.ui.playback.practice import PracticeControls


class QtPlayer(QObject, Player):
    """The audio Player with Qt signals in place of its hooks (they run in the player's thread, so each signal
    is emitted in the UI thread through the courier)."""

    stateChanged = Signal(str)  # a PlayerState value
    positionChanged = Signal(object)  # Position
    performanceLoaded = Signal(object)  # Performance
    playbackFinished = Signal()
    playbackFailed = Signal(object)  # ComposerError

    def __init__(self, parent: QObject | None = None, **options) -> None:
        QObject.__init__(self, parent)
        Player.__init__(self, **options)
        prepare_courier()

    def state_changed(self, state: PlayerState) -> None:
        call_in_ui_thread(self, self.stateChanged.emit, state.value)

    def position_changed(self, position: Position) -> None:
        call_in_ui_thread(self, self.positionChanged.emit, position)

    def loaded(self, performance: Performance) -> None:
        call_in_ui_thread(self, self.performanceLoaded.emit, performance)

    def finished(self) -> None:
        call_in_ui_thread(self, self.playbackFinished.emit)

    def failed(self, error: ComposerError) -> None:
        call_in_ui_thread(self, self.playbackFailed.emit, error)


@dataclass(frozen=True)
class Sound:
    """How the transport sounds, as a value: its output (SoundFont, driver and the driver's options), the
    instrument (a General MIDI program; None: each tune's own) and the volume (0.0–1.0)."""

    soundfont: str | None = None
    driver: str | None = None
    driver_options: Mapping[str, str] = field(default_factory=dict)
    program: int | None = None
    volume: float = 0.8


@dataclass(frozen=True)
class Preferences:
    """The transport's choices a person expects back next time: volume (0.0–1.0), instrument (a General MIDI
    program; None: each tune's own), metronome, count-in and chord accompaniment."""

    volume: float = 0.8
    program: int | None = None
    metronome: bool = False
    count_in: bool = False
    chords: bool = False


#: Widest the bar's own problem text grows, in average character widths (the tooltip has the whole message).
STATUS_CHARACTERS = 36
#: The tempo box's value before any tune is loaded (shown as "– bpm"); tempos run from one above it.
NO_TEMPO = 19


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class TransportBar(QWidget):
    """Play/pause, stop, a bar slider, time, tempo, loop bars, instrument, volume, metronome and count-in."""

    sourcePositionChanged = Signal(int, int)  # line, column (1-based) of the sounding melody note
    barChanged = Signal(int)  # bar index in playing order
    stateChanged = Signal(str)  # "playing", "paused", "stopped"
    errorOccurred = Signal(str)  # each distinct audio problem, once
    soundChanged = Signal(object)  # Sound: the output, instrument or volume changed

    def __init__(self, parent: QWidget | None = None, *, soundfont: str | os.PathLike | None = None,
                 driver: str | None = None, driver_options: dict | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TransportBar")
        self.player = QtPlayer(self, soundfont=soundfont, driver=driver, driver_options=driver_options)
        self._output = (str(soundfont) if soundfont else None, driver, dict(driver_options or {}))
        self._program: int | None = None  # what the instrument box last sent to the player
        self.performance: Performance | None = None
        self._previous: Performance | None = None  # the last performance shown, kept across a reload
        self._state = PlayerState.STOPPED
        self._reported: set[str] = set()
        self._last_place: tuple[int, int] | None = None
        #: What the play button calls instead of toggle_play (the window checks the tune is up to date first).
        self.play_handler: Callable[[], None] | None = None
        self._build()
        self.player.stateChanged.connect(self._on_state)
        self.player.positionChanged.connect(self._on_position)
        self.player.performanceLoaded.connect(self._on_loaded)
        self.player.playbackFailed.connect(self._on_failed)
        self._sync_enabled()

    # -- building --------------------------------------------------------------------------------------

    def _build(self) -> None:
        style = self.style()
        self.play_button = QToolButton(self, objectName="play")
        self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play / pause (from the current position)")
        self.play_button.clicked.connect(lambda _checked=False: (self.play_handler or self.toggle_play)())
        self.stop_button = QToolButton(self, objectName="stop")
        self.stop_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop))
        self.stop_button.setToolTip("Stop")
        self.stop_button.clicked.connect(self.stop)

        self.position_slider = QSlider(Qt.Orientation.Horizontal, self, objectName="position")
        self.position_slider.setToolTip("Bar")
        self.position_slider.setRange(0, 0)
        self.position_slider.sliderReleased.connect(self._on_slider_released)
        self.position_label = QLabel("–", self, objectName="positionLabel")
        # A fixed size: a new position must not lay the window out again.
        self.position_label.setFixedSize(
            self.fontMetrics().horizontalAdvance("Count-in  Bar 000/000  00:00/00:00"),
            self.position_label.sizeHint().height())

        self.tempo_spin = QDoubleSpinBox(self, objectName="tempo")
        self.tempo_spin.setRange(NO_TEMPO, 400)
        self.tempo_spin.setDecimals(0)
        self.tempo_spin.setSuffix(" bpm")
        self.tempo_spin.setSpecialValueText("– bpm")  # shown until a tune is loaded
        self.tempo_spin.setToolTip("Tempo in beats a minute (a dotted quarter in 6/8)")
        self.tempo_spin.valueChanged.connect(self._on_tempo)

        self.loop_check = QCheckBox("Loop", self, objectName="loop")
        self.loop_first = QSpinBox(self, objectName="loopFirst")
        self.loop_last = QSpinBox(self, objectName="loopLast")
        for spin, tip in ((self.loop_first, "First bar of the loop"),
                          (self.loop_last, "Last bar of the loop")):
            spin.setRange(1, 1)
            spin.setToolTip(tip)
            spin.setEnabled(False)
            spin.valueChanged.connect(self._on_loop)
        self.loop_check.toggled.connect(self._on_loop)
        self.practice = PracticeControls(self)
        self.practice.rampChanged.connect(self.player.set_ramp)

        self.instrument_combo = QComboBox(self, objectName="instrument")
        self.instrument_combo.setToolTip("Instrument (General MIDI)")
        # Long General MIDI names would widen the transport past a 1280-pixel window; the list shows them whole.
        self.instrument_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.instrument_combo.setMinimumContentsLength(11)
        order = list(FOLK_PROGRAMS) + [p for p in range(len(GM_PROGRAMS)) if p not in FOLK_PROGRAMS]
        for program in order:
            self.instrument_combo.addItem(f"{program + 1:3d} {GM_PROGRAMS[program]}", program)
        self.instrument_combo.insertSeparator(len(FOLK_PROGRAMS))
        self.instrument_combo.currentIndexChanged.connect(self._on_instrument)

        self.volume_slider = QSlider(Qt.Orientation.Horizontal, self, objectName="volume")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(80)
        self.volume_slider.setMaximumWidth(90)
        self.volume_slider.setToolTip("Volume")
        self.volume_slider.valueChanged.connect(lambda v: self.player.set_volume(v / 100))
        self.volume_slider.valueChanged.connect(lambda _v: self.soundChanged.emit(self.sound))

        self.metronome_check = QCheckBox("Metronome", self, objectName="metronome")
        self.metronome_check.toggled.connect(self.player.set_metronome)
        self.count_in_check = QCheckBox("Count in", self, objectName="countIn")
        self.count_in_check.toggled.connect(lambda on: self.player.set_count_in(1 if on else 0))
        self.accompaniment_check = QCheckBox("Chords", self, objectName="accompaniment")
        self.accompaniment_check.setToolTip("Accompaniment from the chord symbols")
        self.accompaniment_check.toggled.connect(self.player.set_accompaniment)

        self.status_label = QLabel("", self, objectName="status")
        self.status_label.setWordWrap(False)
        self.status_label.setMaximumWidth(self.fontMetrics().averageCharWidth() * STATUS_CHARACTERS)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self.play_button, self.stop_button, self.position_slider, self.position_label,
                       self.tempo_spin, self.loop_check, self.loop_first, QLabel("–", self), self.loop_last,
                       self.practice,
                       self.instrument_combo, self.volume_slider, self.metronome_check, self.count_in_check,
                       self.accompaniment_check, self.status_label):
            layout.addWidget(widget)
        layout.setStretch(2, 1)

    # -- public slots ------------------------------------------------------------------------------------

    @property
    def state(self) -> PlayerState:
        """Playing, paused or stopped, as last reported by the player."""
        return self._state

    @Slot(object)
    def set_tune(self, tune: Tune | None) -> None:
        """Prepare `tune` for playing (built in the player's thread); None clears the bar."""
        self.performance = None
        self._sync_enabled()
        if tune is not None:
            self.player.load_tune(tune)

    @Slot(object)
    def set_performance(self, performance: Performance | None) -> None:
        """Play `performance`, built elsewhere (stops what is playing); None stops and clears the bar."""
        if performance is None:
            self.player.stop()
            self.performance = None
            self._sync_enabled()
            return
        self.player.load(performance)
        self._on_loaded(performance)

    @property
    def volume(self) -> float:
        """The chosen volume, 0.0–1.0 (what the bar's slider shows)."""
        return self.volume_slider.value() / 100

    @property
    def sound(self) -> Sound:
        """The output, instrument and volume as a value (for a player of another panel's own)."""
        soundfont, driver, options = self._output
        return Sound(soundfont, driver, dict(options), self._program, self.volume)

    def set_volume(self, volume: float) -> None:
        self.volume_slider.setValue(round(max(0.0, min(volume, 1.0)) * 100))

    @property
    def tempo(self) -> float:
        """The tempo the bar shows, in beats a minute (what plays; the player thread's copy follows it)."""
        return self.tempo_spin.value()

    @property
    def preferences(self) -> Preferences:
        """The volume, instrument, metronome, count-in and chords as chosen, as a value."""
        return Preferences(self.volume, self.player.program, self.metronome_check.isChecked(),
                           self.count_in_check.isChecked(), self.accompaniment_check.isChecked())

    def apply_preferences(self, preferences: Preferences) -> None:
        """Choose `preferences` (an instrument the bar doesn't offer leaves the choice as it is)."""
        self.set_volume(preferences.volume)
        if preferences.program is not None and (index := self.instrument_combo.findData(preferences.program)) >= 0:
            self.instrument_combo.setCurrentIndex(index)
        self.metronome_check.setChecked(preferences.metronome)
        self.count_in_check.setChecked(preferences.count_in)
        self.accompaniment_check.setChecked(preferences.chords)

    def say_status(self, text: str, detail: str = "") -> None:
        """A short note in the bar (a tune that cannot be played, say), `detail` in its tooltip; "" clears it."""
        self.status_label.setText(text)
        self.status_label.setToolTip(detail)

    @Slot()
    def forget(self) -> None:
        """Stop and clear the bar, keeping nothing (tempo, loop) of the tunes shown before: a new document."""
        self.set_performance(None)
        self._previous = None
        self.loop_check.setChecked(False)
        self.tempo_spin.blockSignals(True)
        self.tempo_spin.setMinimum(NO_TEMPO)
        self.tempo_spin.setValue(NO_TEMPO)
        self.tempo_spin.blockSignals(False)

    @Slot()
    def toggle_play(self) -> None:
        if self._state is PlayerState.PLAYING:
            self.player.pause()
        elif self._state is PlayerState.PAUSED:
            self.player.resume()
        else:
            self.player.play()

    @Slot()
    def stop(self) -> None:
        """Stop; the bar shows the start (of the loop, when looping) at once. Positions the player thread sent
        before it saw the stop belong to the ended playback and are dropped when they land."""
        self.player.stop()
        self._last_place = None
        if self.performance is not None:
            self._show_position(self._home())

    @Slot(int, int)
    def play_from_source(self, line: int, column: int = 1) -> None:
        """Play from the bar holding the note written at (line, column), e.g. the editor's cursor."""
        if self.performance is None:
            return
        bar = self.performance.bar_at_source(line, column)
        self.player.play_bar(bar.index if bar else 0)

    def set_output(self, *, soundfont: str | os.PathLike | None = None, driver: str | None = None,
                   driver_options: dict | None = None) -> None:
        """Another SoundFont or audio driver (settings); a past failure may be reported again."""
        self._reported.clear()
        self.status_label.clear()
        self.player.set_output(soundfont=soundfont, driver=driver, driver_options=driver_options)
        self._output = (str(soundfont) if soundfont else None, driver, dict(driver_options or {}))
        self.soundChanged.emit(self.sound)

    def report_problem(self, message: str) -> None:
        """Show an audio problem in the bar and emit it as `errorOccurred`, once per distinct message."""
        metrics = QFontMetrics(self.status_label.font())
        first = message.split(". ")[0]
        self.status_label.setText(metrics.elidedText(first, Qt.TextElideMode.ElideRight,
                                                     self.status_label.maximumWidth()))
        self.status_label.setToolTip(message)
        if message not in self._reported:
            self._reported.add(message)
            self.errorOccurred.emit(message)

    def shutdown(self) -> None:
        """Stop playback and release FluidSynth (call when the window closes)."""
        self.player.close()

    # -- player signals ----------------------------------------------------------------------------------

    @Slot(object)
    def _on_loaded(self, performance: Performance) -> None:
        previous = self._previous
        self.performance = self._previous = performance
        bars = max(1, len(performance.bars))
        self.position_slider.setRange(0, bars - 1)
        if previous is None or len(previous.bars) != len(performance.bars):
            for spin in (self.loop_first, self.loop_last):
                spin.blockSignals(True)
                spin.setRange(1, bars)
                spin.blockSignals(False)
            self.loop_last.setValue(bars)
        if previous is None or abs(previous.tempo_bpm - performance.tempo_bpm) > 1e-6:
            self.tempo_spin.blockSignals(True)
            self.tempo_spin.setMinimum(NO_TEMPO + 1)
            self.tempo_spin.setValue(round(performance.tempo_bpm))
            self.tempo_spin.blockSignals(False)
            self.player.set_tempo_factor(1.0)
        self._on_loop()
        self._sync_enabled()
        self._show_position(Position(0.0, 0))

    @Slot(str)
    def _on_state(self, value: str) -> None:
        self._state = PlayerState(value)
        icon = QStyle.StandardPixmap.SP_MediaPause if self._state is PlayerState.PLAYING \
            else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.stateChanged.emit(value)

    @Slot(object)
    def _on_position(self, position: Position) -> None:
        if position.playback != self.player.playback:
            return  # from a playback that has ended (stopped or replaced) since it was sent
        self._show_position(position)
        place = (position.line, position.column) if position.line is not None else None
        if place is not None and place != self._last_place:
            self.sourcePositionChanged.emit(*place)
        self._last_place = place

    @Slot(object)
    def _on_failed(self, error: ComposerError) -> None:
        self.report_problem(str(error))

    # -- helpers -------------------------------------------------------------------------------------------

    def _show_position(self, position: Position) -> None:
        performance = self.performance
        if performance is None:
            self.position_label.setText("–")
            return
        if not self.position_slider.isSliderDown() and self.position_slider.value() != position.bar:
            self.position_slider.setValue(position.bar)
            self.barChanged.emit(position.bar)
        self.practice.show_position(position)
        factor = (self.player.tempo_factor or 1.0) * position.percent / 100
        prefix = "Count-in  " if position.counting_in else ""
        self.position_label.setText(
            f"{prefix}Bar {position.bar + 1}/{len(performance.bars)}  "
            f"{_clock(max(0.0, position.time) / factor)}/{_clock(performance.duration / factor)}")

    def _home(self) -> Position:
        """Where a stop goes back to: the loop's first bar when looping, else the start."""
        bars = self.performance.bars if self.performance else ()
        if not bars:
            return Position(0.0, 0, playback=self.player.playback)
        index = min(max(0, self.loop_first.value() - 1), len(bars) - 1) if self.loop_check.isChecked() else 0
        return Position(bars[index].start, index, playback=self.player.playback)

    def _on_instrument(self, _index: int) -> None:
        self._program = self.instrument_combo.currentData()
        self.player.set_program(self._program)
        self.soundChanged.emit(self.sound)

    def _on_slider_released(self) -> None:
        self.player.seek_bar(self.position_slider.value())

    def _on_tempo(self, bpm: float) -> None:
        if self.performance is not None and bpm > 0:
            self.player.set_tempo_factor(bpm / self.performance.tempo_bpm)

    def _on_loop(self, *_: object) -> None:
        enabled = self.loop_check.isChecked()
        self.loop_first.setEnabled(enabled)
        self.loop_last.setEnabled(enabled)
        if enabled:
            self.player.set_loop(self.loop_first.value() - 1, self.loop_last.value() - 1)
        else:
            self.player.set_loop(None)

    def _sync_enabled(self) -> None:
        ready = self.performance is not None
        for widget in (self.play_button, self.stop_button, self.position_slider, self.tempo_spin,
                       self.loop_check):
            widget.setEnabled(ready)
        if not ready:
            self.position_label.setText("–")
