"""Playback in the window: the transport plays the tune under the cursor, the staff and editor follow the
sounding note, play from the cursor's bar, File → Export → WAV in the background, and the audio settings.

`Playback` builds the tune under the cursor off the UI thread (`prepare_tune_at`, in its own worker thread, so
the window's engraving and checking never wait for it) and hands the performance to the TransportBar. It
builds after a quiet moment for a new tune and for every edit, so the bar count follows the text (an edit
while playing goes on from the same bar); a new document clears the transport. While playing, every melody
note that starts marks its symbol in the staff and its text in the editor, and moves the editor cursor to it
(no focus change, no undo step) until the person moves the cursor or types; stopping clears the mark. Audio
problems are said once in the status bar and in the transport bar; the window keeps working and still
exports MIDI and WAV.
"""

from __future__ import annotations

import functools
import os
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressBar, QToolBar

from composer.abc.tunebook import read_string
from composer.audio.performance import Performance
from composer.audio.player import PlayerState
from composer.audio.soundfonts import read_soundfont
from composer.errors import AudioError
from composer.export import ExportOptions, export_text
from composer.notation.time_limit import EXPORT_TIME_LIMIT, ExportCancelled, run_with_time_limit
from composer.ui.courier import call_in_ui_thread, prepare_courier
from composer.ui.jobs import quick_gil_switching
from composer.ui.playback.audio_settings import AudioOutput, AudioSettingsDialog
from composer.ui.playback.transport import TransportBar

if TYPE_CHECKING:
    from composer.ui.main_window import MainWindow

#: Quiet time after an edit or a move to another tune before the tune is rebuilt for playing.
PREPARE_DELAY_MS = 400
#: Quiet time after an edit while stopped (the rebuild, through music21, takes a second of CPU; it only updates
#: the bar count and length shown, so it waits until typing has paused).
STOPPED_EDIT_DELAY_MS = 1500
#: How long closing the window waits for WAV exports still running, in seconds.
EXPORT_WAIT_AT_CLOSE = 60.0
PREFERENCES_GROUP = "playback"
PREPARE = "prepare"
EXPORT = "export"
WAV_FILTER = "WAV audio (*.wav)"


@dataclass(frozen=True)
class PreparedTune:
    """A version of a tune ready to play: its first line and text, its performance, and the length of the
    text of each note (line, column) → characters, for marking the sounding note in the editor."""

    line: int
    text: str
    performance: Performance
    note_lengths: Mapping[tuple[int, int], int] = field(default_factory=dict)


def prepare_tune_at(text: str, line: int) -> PreparedTune | None:
    """Read `text` and build the performance of the tune covering `line` (else the first tune); runs in a
    worker thread. None when the text has no tune; AbcError when the tune cannot be played."""
    from composer.abc.tokens import Kind, tokenize_tune
    from composer.audio.performance import build_performance

    book = read_string(text)
    tune = book.tune_at_line(line) or (book.tunes[0] if book.tunes else None)
    if tune is None:
        return None
    performance = build_performance(tune)
    try:
        lengths = {(t.line, t.column): len(t.text) for t in tokenize_tune(tune) if t.kind is Kind.NOTE}
    except Exception:  # noqa: BLE001  (the mark falls back to one character)
        lengths = {}
    return PreparedTune(tune.line, tune.text(), performance, lengths)


class PlaybackJobs(QObject):
    """Playback's slow work (building performances, rendering WAV) on one daemon thread of its own.

    `submit(kind, number, function, *snapshot)` runs `function(*snapshot)` there; `done(kind, number, result,
    error)` comes back in the UI thread. A PREPARE request that a newer one has replaced before it starts is
    skipped. The thread is a daemon, so a slow build never holds up the end of the program.
    """

    done = Signal(str, int, object, object)  # kind, number, result, exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        prepare_courier()
        self._requests: queue.Queue = queue.Queue()
        self.newest_prepare = 0
        self._thread = threading.Thread(target=self._run, name="composer-playback-jobs", daemon=True)
        self._thread.start()

    def submit(self, kind: str, number: int, function: Callable, *arguments: object) -> threading.Event:
        """Queue `function(*arguments)`; the returned event is set once it has run."""
        if kind == PREPARE:
            self.newest_prepare = number
        finished = threading.Event()
        self._requests.put((kind, number, function, arguments, finished))
        return finished

    def stop(self) -> None:
        self._requests.put(None)

    def _run(self) -> None:
        while (request := self._requests.get()) is not None:
            kind, number, function, arguments, finished = request
            try:
                if kind == PREPARE and number != self.newest_prepare:
                    continue  # replaced while waiting
                try:
                    with quick_gil_switching():
                        result, error = function(*arguments), None
                except Exception as exc:  # noqa: BLE001  (handed to the UI thread as a value)
                    result, error = None, exc
                call_in_ui_thread(self, self.done.emit, kind, number, result, error)
            finally:
                finished.set()


class Playback(QObject):
    """The window's playback: a transport toolbar, following, play from the cursor, WAV export, settings."""

    prepared = Signal(object)  # PreparedTune now in the transport, or None
    followed = Signal(int, int)  # line, column of the sounding note the views moved to
    problem_said = Signal(str)  # each audio problem, once, as the status bar shows it
    wav_exported = Signal(str)  # path
    wav_failed = Signal(str)  # the message shown

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.output = AudioOutput.load(window.settings)
        self.current: PreparedTune | None = None
        self.file_dialog: QFileDialog | None = None
        self.message_box: QMessageBox | None = None
        self._dirty = True  # the text or the tune under the cursor changed since the last request
        self._building = False
        self._after_load: Callable[[], None] | None = None
        self._resuming = False
        self._cursor_follows = True
        self._moving_cursor = False
        self._exports: dict[int, tuple[str, threading.Event]] = {}
        self._export_cancels: dict[int, threading.Event] = {}
        #: WAV exports render in a child process stopped after this many seconds (or by cancel_wav_exports).
        self.export_time_limit = EXPORT_TIME_LIMIT
        self._requests = 0
        self._unplayable = False  # the transport bar says the tune under the cursor cannot be played

        soundfont, problem = self._soundfont_choice()
        self.transport = TransportBar(soundfont=soundfont, driver=self.output.driver or None,
                                      driver_options=self.output.driver_options())
        self.toolbar = QToolBar("Playback", window)
        self.toolbar.setObjectName("toolbar-playback")
        self.toolbar.addWidget(self.transport)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.progress = QProgressBar()
        self.progress.setObjectName("wav-export-progress")
        self.progress.setRange(0, 0)  # FluidSynth renders in one call: a busy bar, not a percentage
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.hide()
        window.statusBar().addPermanentWidget(self.progress)
        self._build_actions()
        self.jobs = PlaybackJobs(self)
        self.jobs.done.connect(self._on_done)
        self.transport.play_handler = self.toggle_play

        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(PREPARE_DELAY_MS)
        self._prepare_timer.timeout.connect(self.prepare_now)

        window.text_changed.connect(self._on_text_changed)
        window.document.reset.connect(self._new_document)
        window.cursor_moved.connect(self._on_cursor_moved)
        window.staff.play_pause_requested.connect(self.toggle_play)
        self.transport.sourcePositionChanged.connect(self._follow)
        self.transport.stateChanged.connect(self._on_state)
        self.transport.errorOccurred.connect(self._say)
        self.transport.player.playbackFailed.connect(self._on_playback_failed)
        self._restore_preferences()
        if problem:
            self.transport.report_problem(problem)

    # ------------------------------------------------------------------------------------------ actions
    def _build_actions(self) -> None:
        window = self.window

        def action(text: str, slot, shortcuts: list[QKeySequence], tip: str) -> QAction:
            made = QAction(text, window)
            made.setShortcuts(shortcuts)
            made.setStatusTip(tip)
            made.triggered.connect(lambda _checked=False: slot())
            window.addAction(made)
            return made

        key = Qt.Key
        self.play_pause_action = action(
            "&Play / Pause", self.toggle_play,
            [QKeySequence(key.Key_F8), QKeySequence(key.Key_MediaTogglePlayPause), QKeySequence(key.Key_MediaPlay)],
            "Play the tune under the cursor, or pause (Space when the staff has focus)")
        self.stop_action = action("&Stop", self.transport.stop,
                                  [QKeySequence("Shift+F5"), QKeySequence(key.Key_MediaStop)],
                                  "Stop and go back to the start")
        self.play_from_cursor_action = action("Play from &Cursor's Bar", self.play_from_cursor,
                                              [QKeySequence(key.Key_F5)],
                                              "Play the tune under the cursor from the bar the cursor is in")
        self.audio_settings_action = action("&Audio Settings…", self.audio_settings_dialog, [],
                                            "Choose the SoundFont and the audio driver")
        self.audio_settings_action.setMenuRole(QAction.MenuRole.NoRole)
        self.export_wav_action = action("Current tune as &WAV…", self.export_wav_dialog, [],
                                        "Render the tune under the cursor to a WAV file")

    # ----------------------------------------------------------------------------------- the tune played
    def _on_text_changed(self) -> None:
        self._dirty = True
        waiting = PREPARE_DELAY_MS if self.current is None or self.transport.state is PlayerState.PLAYING \
            else STOPPED_EDIT_DELAY_MS
        self._prepare_timer.start(waiting)  # the bar count and length follow the edit

    def _new_document(self) -> None:
        """Another file or New: nothing of the old tunebook stays in the transport."""
        self._after_load = None
        self.current = None
        if self._unplayable:  # a problem of the old tune; an audio problem (SoundFont, device) stays said
            self._unplayable = False
            self.transport.say_status("")
        self.transport.forget()
        self.window.editor.clear_playback_mark()
        self._mark_dirty()

    def _on_cursor_moved(self, line: int, _column: int) -> None:
        if self._moving_cursor:
            return
        if self.transport.state is PlayerState.PLAYING:
            self._cursor_follows = False  # the person took the cursor; the marks keep following
        tune = self.window.book.tune_at_line(line)
        if self.current is None or tune is None or tune.line != self.current.line:
            self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True
        self._prepare_timer.start(PREPARE_DELAY_MS)

    def prepare_now(self) -> None:
        """Build the tune under the cursor for playing now (in the background); `prepared` follows."""
        self._prepare_timer.stop()
        self._dirty = False
        self._building = True
        self._requests += 1
        self.jobs.submit(PREPARE, self._requests, prepare_tune_at, self.window.text, self.window.cursor_position[0])

    def _take(self, prepared: PreparedTune | None) -> None:
        self._building = False
        if self._unplayable:
            self._unplayable = False
            self.transport.say_status("")
        current = self.current
        if prepared is not None and current is not None and (prepared.line, prepared.text) == (current.line,
                                                                                           current.text):
            self._run_pending()
            return  # the same version: keep playing undisturbed
        playing = self.transport.state is PlayerState.PLAYING
        bar = self.transport.player.position.bar
        self.current = prepared
        self.transport.set_performance(prepared.performance if prepared else None)
        if prepared is not None and playing:
            self._resuming = True  # an edit while playing: go on from the same bar with the new version
            self.transport.player.play_bar(bar)
        self.prepared.emit(prepared)
        self._run_pending()

    def _run_pending(self) -> None:
        if self._after_load is not None and not self._dirty and not self._building:
            pending, self._after_load = self._after_load, None
            if self.current is not None:
                pending()

    def _when_ready(self, action: Callable[[], None]) -> None:
        """Run `action` now if the transport holds the tune as it stands, else once it does."""
        if self._dirty or self._building:
            self._after_load = action
            if self._dirty:
                self.prepare_now()
            self.window.statusBar().showMessage("Preparing the tune for playing…", 3000)
            return
        if self.current is None:
            self.window.statusBar().showMessage("There is no tune to play.", 4000)
            return
        action()

    @Slot()
    def toggle_play(self) -> None:
        """Play the tune under the cursor (from where it was left), or pause it."""
        state = self.transport.state
        if state is PlayerState.PLAYING or (state is PlayerState.PAUSED and not self._dirty):
            self.transport.toggle_play()
        elif state is PlayerState.PAUSED:
            bar = self.transport.player.position.bar  # edited while paused: go on from here with the new text
            self._when_ready(lambda: self.transport.player.play_bar(bar))
        else:
            self._when_ready(self.transport.toggle_play)

    @Slot()
    def play_from_cursor(self) -> None:
        """Play the tune under the cursor from the bar the cursor is in."""
        line, column = self.window.cursor_position
        self._when_ready(lambda: self.transport.play_from_source(line, column))

    # ---------------------------------------------------------------------------------------- following
    @Slot(int, int)
    def _follow(self, line: int, column: int) -> None:
        if self.transport.state is not PlayerState.PLAYING or self.current is None:
            return
        window = self.window
        window.editor.set_playback_mark(line, column, self.current.note_lengths.get((line, column), 1))
        if self._cursor_follows:
            self._moving_cursor = True
            try:
                window.editor.follow_to(line, column)
            finally:
                self._moving_cursor = False
        engraved = window.staff.engraved
        if engraved is not None and window.shown_tune_line == self.current.line:
            window.staff.highlight(engraved.symbol_for(line, column))
        self.followed.emit(line, column)

    @Slot(str)
    def _on_state(self, value: str) -> None:
        if value == PlayerState.PLAYING:
            if not self._resuming:
                self._cursor_follows = True
            self._resuming = False
        elif value == PlayerState.STOPPED and not self._resuming:
            self.window.editor.clear_playback_mark()
            self.window.sync_to_cursor()

    # --------------------------------------------------------------------------------------- problems
    @Slot(object)
    def _on_playback_failed(self, _error: object) -> None:
        self._resuming = False

    @Slot(str)
    def _say(self, message: str) -> None:
        self.window.statusBar().showMessage(f"Audio: {message}", 15000)
        self.problem_said.emit(message)

    def _soundfont_choice(self) -> tuple[str | None, str | None]:
        """The SoundFont to use (None: the default) and, when the chosen one is unusable, why."""
        path = self.output.soundfont
        if not path:
            return None, None
        try:
            read_soundfont(path)
        except AudioError as exc:
            return None, f"{exc}; using the best installed SoundFont instead"
        return path, None

    # --------------------------------------------------------------------------------------- settings
    def audio_settings_dialog(self) -> AudioSettingsDialog:
        """Open the audio settings (non-blocking); accepting applies and keeps them."""
        dialog = AudioSettingsDialog(self.output, self.window)
        dialog.accepted.connect(lambda: self.apply_output(dialog.chosen()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def apply_output(self, output: AudioOutput) -> None:
        """Use and keep `output` (SoundFont, driver) from the next play on."""
        output.save(self.window.settings)
        self.output = output
        soundfont, problem = self._soundfont_choice()
        self.transport.set_output(soundfont=soundfont, driver=output.driver or None,
                                  driver_options=output.driver_options())
        if problem:
            self.transport.report_problem(problem)

    def _restore_preferences(self) -> None:
        settings = self.window.settings
        bar = self.transport
        bar.set_volume(int(settings.value(PREFERENCES_GROUP, "volume", 80, int)) / 100)
        program = int(settings.value(PREFERENCES_GROUP, "program", -1, int))
        if program >= 0 and (index := bar.instrument_combo.findData(program)) >= 0:
            bar.instrument_combo.setCurrentIndex(index)
        bar.metronome_check.setChecked(settings.value(PREFERENCES_GROUP, "metronome", False, bool))
        bar.count_in_check.setChecked(settings.value(PREFERENCES_GROUP, "count_in", False, bool))
        bar.accompaniment_check.setChecked(settings.value(PREFERENCES_GROUP, "chords", False, bool))
        bar.practice.restore(settings)

    def save_settings(self) -> None:
        settings = self.window.settings
        bar = self.transport
        settings.set_value(PREFERENCES_GROUP, "volume", round(bar.volume * 100))
        program = bar.player.program
        settings.set_value(PREFERENCES_GROUP, "program", -1 if program is None else int(program))
        settings.set_value(PREFERENCES_GROUP, "metronome", bar.metronome_check.isChecked())
        settings.set_value(PREFERENCES_GROUP, "count_in", bar.count_in_check.isChecked())
        settings.set_value(PREFERENCES_GROUP, "chords", bar.accompaniment_check.isChecked())
        bar.practice.save(settings)

    # ------------------------------------------------------------------------------------- WAV export
    def export_wav_dialog(self) -> QFileDialog | None:
        """Ask where to write the tune under the cursor as WAV (non-blocking); the export starts on Accept."""
        if self.window.current_tune is None:
            QMessageBox.information(self.window, "Export", "There is no tune to export.")
            return None
        dialog = QFileDialog(self.window, "Export tune as WAV", str(self.window.suggested_export_path(".wav")),
                             WAV_FILTER)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("wav")
        dialog.fileSelected.connect(self.export_wav)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def export_wav(self, path: str | os.PathLike) -> int | None:
        """Render the tune under the cursor to `path` in the background (instrument and tempo as the transport
        has them, when it holds this tune); returns the request number, or None when there is no tune."""
        tune = self.window.current_tune
        if tune is None:
            return None
        factor = 1.0
        performance = self.transport.performance
        if (self.current is not None and self.current.line == tune.line and self.current.text == tune.text()
                and performance is not None and performance.tempo_bpm > 0):
            # What the transport shows, not the player thread's copy, which is updated asynchronously.
            factor = self.transport.tempo_spin.value() / performance.tempo_bpm
        soundfont, problem = self._soundfont_choice()
        if problem:
            self.transport.report_problem(problem)
        self._requests += 1
        cancelled = self._export_cancels[self._requests] = threading.Event()
        options = ExportOptions(suffix=".wav", line=tune.line, soundfont=soundfont,
                                program=self.transport.player.program, speed=factor if factor > 0 else 1.0)
        render = functools.partial(run_with_time_limit, export_text, limit=self.export_time_limit,
                                   cancelled=cancelled)
        finished = self.jobs.submit(EXPORT, self._requests, render, self.window.text, os.fspath(path), options)
        self._exports[self._requests] = (os.fspath(path), finished)
        self.progress.show()
        self.window.statusBar().showMessage(f"Exporting WAV to {Path(path).name}…")
        return self._requests

    # ------------------------------------------------------------------------------------------- jobs
    @Slot(str, int, object, object)
    def _on_done(self, kind: str, number: int, result, error: Exception | None) -> None:
        if kind == PREPARE:
            if number != self.jobs.newest_prepare:
                return  # a newer version is on its way
            if error is None:
                self._take(result)
            else:
                self._unplayable_tune(error)
        elif number in self._exports:
            path, _finished = self._exports.pop(number)
            self._export_cancels.pop(number, None)
            self.progress.setVisible(bool(self._exports))
            if error is None:
                self.window.statusBar().showMessage(f"Exported {path}", 5000)
                self.wav_exported.emit(path)
            else:
                self._export_failed(path, error)

    def _unplayable_tune(self, error: Exception) -> None:
        self._building = False
        self._after_load = None
        self.current = None
        self.transport.set_performance(None)
        self._unplayable = True
        self.transport.say_status("Can't play this tune as it stands", str(error))
        self.prepared.emit(None)

    def cancel_wav_exports(self) -> None:
        """Stop the WAV exports that are running (their child processes end; no file is left half written)."""
        for cancelled in self._export_cancels.values():
            cancelled.set()

    def _export_failed(self, path: str, error: Exception) -> None:
        if isinstance(error, ExportCancelled):
            self.window.statusBar().showMessage(f"Export of {Path(path).name} cancelled", 5000)
            return
        message = f"Could not export {Path(path).name}: {error}"
        self.window.statusBar().showMessage(message, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "WAV export failed", message, QMessageBox.StandardButton.Close,
                          self.window)
        box.setModal(False)
        box.finished.connect(box.deleteLater)
        box.show()
        self.message_box = box
        self.wav_failed.emit(message)

    def shutdown(self) -> None:
        """Stop playing and release FluidSynth (the window is closing); let running WAV exports finish."""
        self._prepare_timer.stop()
        self.transport.shutdown()
        for _path, finished in list(self._exports.values()):
            finished.wait(EXPORT_WAIT_AT_CLOSE)
        self.jobs.stop()
