"""Playback: the transport plays the tune under the cursor, the staff and editor follow the sounding note, play
from the cursor's bar, File → Export → WAV in the background, and the audio settings.

`Playback` gets the Document and the Settings, never the window. It builds the tune under the cursor off the UI
thread (`prepare_tune_at`, newest-only in the `prepare` lane of its own `NewestOnly`, on the job system's slow
executor, so engraving and checking never wait for it) and hands the performance to the TransportBar. It builds
after a quiet moment for a new tune and for every edit, so the bar count follows the text (an edit while playing
goes on from the same bar); a new document clears the transport. While playing, every melody note that starts is
announced as a `Sounding` value (`mark_requested`: the window marks its symbol in the staff and its text in the
editor) and, until the person moves the cursor or types, as `follow_requested(line, column)` (the window moves the
editor cursor there: no focus change, no undo step); stopping asks for the mark to go (`mark_requested(None)`,
then `stopped`). Messages for the status bar come out as `status_message(text, ms)`. Audio problems are said once
there and in the transport bar; the window keeps working and still exports MIDI and WAV. Each WAV export is a
`Job` of its own on the slow executor: every request writes its file, none replaces another. The window adds
`toolbar`, `progress` and `actions` where it wants them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressBar, QToolBar

from composer.audio.player import PlayerState
from composer.audio.soundfonts import read_soundfont
from composer.errors import AudioError
from composer.export import ExportOptions, export_text
from composer.notation.time_limit import EXPORT_TIME_LIMIT, ExportCancelled, run_with_time_limit
from composer.ui.document import Document
from composer.ui.jobs import Answer, Job, NewestOnly
from composer.ui.playback.audio_settings import AudioOutput, AudioSettingsDialog
from composer.ui.playback.prepared import PreparedTune, prepare_tune_at
from composer.ui.playback.transport import Preferences, TransportBar
from composer.ui.settings import Settings

#: Quiet time after an edit or a move to another tune before the tune is rebuilt for playing.
PREPARE_DELAY_MS = 400
#: Quiet time after an edit while stopped (the rebuild, through music21, takes a second of CPU; it only updates
#: the bar count and length shown, so it waits until typing has paused).
STOPPED_EDIT_DELAY_MS = 1500
#: How long closing the window waits for WAV exports still running, in seconds.
EXPORT_WAIT_AT_CLOSE = 60.0
PREFERENCES_GROUP = "playback"
WAV_FILTER = "WAV audio (*.wav)"
#: The job lanes: building the tune under the cursor (newest only) and WAV exports (every one runs). Neither is
#: an interactive lane, so both run on the slow executor (`composer.ui.jobs.executor_for`).
PREPARE = "prepare"
WAV_EXPORT = "wav-export"


@dataclass(frozen=True)
class Sounding:
    """The melody note sounding now: its place in the text, the length of its text, and the first line of the
    tune playing (the staff marks it only when it shows that tune)."""

    line: int
    column: int
    length: int
    tune_line: int


@dataclass
class _WavExport:
    """A WAV export running: its job and the file it writes."""

    job: Job
    path: str


class Playback(QObject):
    """Playback of the document: a transport toolbar, following, play from the cursor, WAV export, settings."""

    prepared = Signal(object)  # PreparedTune now in the transport, or None
    mark_requested = Signal(object)  # Sounding: mark it in the editor and staff; None: clear the mark
    follow_requested = Signal(int, int)  # line, column: move the editor cursor to the sounding note
    followed = Signal(int, int)  # line, column of the sounding note the views moved to
    stopped = Signal()  # playing stopped (not an edit's reload): the views go back to the cursor
    status_message = Signal(str, int)  # text for the status bar, how long in ms (0: until replaced)
    problem_said = Signal(str)  # each audio problem, once, as the status bar shows it
    wav_exported = Signal(str)  # path
    wav_failed = Signal(str)  # the message shown

    def __init__(self, document: Document, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.output = AudioOutput.load(settings)
        self.current: PreparedTune | None = None
        self.file_dialog: QFileDialog | None = None
        self.message_box: QMessageBox | None = None
        self._dirty = True  # the text or the tune under the cursor changed since the last request
        self._building = False
        self._after_load: Callable[[], None] | None = None
        self._resuming = False
        self._cursor_follows = True
        self._moving_cursor = False
        self._exports: dict[int, _WavExport] = {}  # by request number
        #: WAV exports render in a child process stopped after this many seconds (or by cancel_wav_exports).
        self.export_time_limit = EXPORT_TIME_LIMIT
        self._export_requests = 0
        self._unplayable = False  # the transport bar says the tune under the cursor cannot be played

        soundfont, problem = self._soundfont_choice()
        self.transport = TransportBar(soundfont=soundfont, driver=self.output.driver or None,
                                      driver_options=self.output.driver_options())
        self.toolbar = QToolBar("Playback")
        self.toolbar.setObjectName("toolbar-playback")
        self.toolbar.addWidget(self.transport)
        self.progress = QProgressBar()
        self.progress.setObjectName("wav-export-progress")
        self.progress.setRange(0, 0)  # FluidSynth renders in one call: a busy bar, not a percentage
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.actions: list[QAction] = []  # for the window to add, so their shortcuts work everywhere in it
        self._build_actions()
        self.jobs = NewestOnly(self)
        self.jobs.on(PREPARE, result=self._take, failed=self._unplayable_tune)
        self.transport.play_handler = self.toggle_play

        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(PREPARE_DELAY_MS)
        self._prepare_timer.timeout.connect(self.prepare_now)

        document.text_changed.connect(self._on_text_changed)
        document.reset.connect(self._new_document)
        document.cursor_moved.connect(self._on_cursor_moved)
        self.transport.sourcePositionChanged.connect(self._follow)
        self.transport.stateChanged.connect(self._on_state)
        self.transport.errorOccurred.connect(self._say)
        self.transport.player.playbackFailed.connect(self._on_playback_failed)
        self._restore_preferences()
        if problem:
            self.transport.report_problem(problem)

    # ------------------------------------------------------------------------------------------ actions
    def _build_actions(self) -> None:
        def action(text: str, slot, shortcuts: list[QKeySequence], tip: str) -> QAction:
            made = QAction(text, self)
            made.setShortcuts(shortcuts)
            made.setStatusTip(tip)
            made.triggered.connect(lambda _checked=False: slot())
            self.actions.append(made)
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
        self.mark_requested.emit(None)
        self._mark_dirty()

    def _on_cursor_moved(self, line: int, _column: int) -> None:
        if self._moving_cursor:
            return
        if self.transport.state is PlayerState.PLAYING:
            self._cursor_follows = False  # the person took the cursor; the marks keep following
        tune = self.document.book.tune_at_line(line)
        if self.current is None or tune is None or tune.line != self.current.line:
            self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True
        self._prepare_timer.start(PREPARE_DELAY_MS)

    def prepare_now(self) -> int:
        """Build the tune under the cursor for playing now (in the background); `prepared` follows, unless a
        newer request replaces this one first. Returns the request number."""
        self._prepare_timer.stop()
        self._dirty = False
        self._building = True
        return self.jobs.submit(PREPARE, prepare_tune_at, self.document.text, self.document.cursor[0])

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
            self.status_message.emit("Preparing the tune for playing…", 3000)
            return
        if self.current is None:
            self.status_message.emit("There is no tune to play.", 4000)
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
        line, column = self.document.cursor
        self._when_ready(lambda: self.transport.play_from_source(line, column))

    # ---------------------------------------------------------------------------------------- following
    @Slot(int, int)
    def _follow(self, line: int, column: int) -> None:
        if self.transport.state is not PlayerState.PLAYING or self.current is None:
            return
        current = self.current
        if self._cursor_follows:
            self._moving_cursor = True  # the cursor move this asks for is not the person's
            try:
                self.follow_requested.emit(line, column)
            finally:
                self._moving_cursor = False
        self.mark_requested.emit(Sounding(line, column, current.note_lengths.get((line, column), 1), current.line))
        self.followed.emit(line, column)

    @Slot(str)
    def _on_state(self, value: str) -> None:
        if value == PlayerState.PLAYING:
            if not self._resuming:
                self._cursor_follows = True
            self._resuming = False
        elif value == PlayerState.STOPPED and not self._resuming:
            self.mark_requested.emit(None)
            self.stopped.emit()

    # --------------------------------------------------------------------------------------- problems
    @Slot(object)
    def _on_playback_failed(self, _error: object) -> None:
        self._resuming = False

    @Slot(str)
    def _say(self, message: str) -> None:
        self.status_message.emit(f"Audio: {message}", 15000)
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
        dialog = AudioSettingsDialog(self.output, self.transport)
        dialog.accepted.connect(lambda: self.apply_output(dialog.chosen()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def apply_output(self, output: AudioOutput) -> None:
        """Use and keep `output` (SoundFont, driver) from the next play on."""
        output.save(self.settings)
        self.output = output
        soundfont, problem = self._soundfont_choice()
        self.transport.set_output(soundfont=soundfont, driver=output.driver or None,
                                  driver_options=output.driver_options())
        if problem:
            self.transport.report_problem(problem)

    def _restore_preferences(self) -> None:
        value = functools.partial(self.settings.value, PREFERENCES_GROUP)
        program = int(value("program", -1, int))
        self.transport.apply_preferences(Preferences(
            int(value("volume", 80, int)) / 100, program if program >= 0 else None, value("metronome", False, bool),
            value("count_in", False, bool), value("chords", False, bool)))
        self.transport.practice.restore(self.settings)

    def save_settings(self) -> None:
        chosen = self.transport.preferences
        for name, setting in (("volume", round(chosen.volume * 100)),
                              ("program", -1 if chosen.program is None else int(chosen.program)),
                              ("metronome", chosen.metronome), ("count_in", chosen.count_in),
                              ("chords", chosen.chords)):
            self.settings.set_value(PREFERENCES_GROUP, name, setting)
        self.transport.practice.save(self.settings)

    # ------------------------------------------------------------------------------------- WAV export
    def export_wav_dialog(self) -> QFileDialog | None:
        """Ask where to write the tune under the cursor as WAV (non-blocking); the export starts on Accept."""
        if self.document.current_tune is None:
            QMessageBox.information(self.transport, "Export", "There is no tune to export.")
            return None
        dialog = QFileDialog(self.transport, "Export tune as WAV", str(self.document.suggested_export_path(".wav")),
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
        tune = self.document.current_tune
        if tune is None:
            return None
        factor = 1.0
        performance = self.transport.performance
        if (self.current is not None and self.current.line == tune.line and self.current.text == tune.text()
                and performance is not None and performance.tempo_bpm > 0):
            # What the transport shows, not the player thread's copy, which is updated asynchronously.
            factor = self.transport.tempo / performance.tempo_bpm
        soundfont, problem = self._soundfont_choice()
        if problem:
            self.transport.report_problem(problem)
        self._export_requests += 1
        number = self._export_requests
        options = ExportOptions(suffix=".wav", line=tune.line, soundfont=soundfont,
                                program=self.transport.player.program, speed=factor if factor > 0 else 1.0)
        render = functools.partial(run_with_time_limit, export_text, limit=self.export_time_limit)
        job = Job(render, self.document.text, os.fspath(path), options, lane=WAV_EXPORT, request=number,
                  cancel_keyword="cancelled", parent=self)
        self._exports[number] = _WavExport(job, os.fspath(path))
        job.result.connect(self._wav_written)
        job.failed.connect(functools.partial(self._wav_not_written, number))
        job.finished.connect(job.deleteLater)
        job.start()
        self.progress.show()
        self.status_message.emit(f"Exporting WAV to {Path(path).name}…", 0)
        return number

    def _end_export(self, number: int) -> str:
        """Forget the export `number` (it has ended) and return the file it was writing."""
        export = self._exports.pop(number)
        self.progress.setVisible(bool(self._exports))
        return export.path

    def _wav_written(self, answer: Answer) -> None:
        path = self._end_export(answer.request)
        self.status_message.emit(f"Exported {path}", 5000)
        self.wav_exported.emit(path)

    def _wav_not_written(self, number: int, error: Exception) -> None:
        self._export_failed(self._end_export(number), error)

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
        for export in self._exports.values():
            export.job.cancel()

    def _export_failed(self, path: str, error: Exception) -> None:
        if isinstance(error, ExportCancelled):
            self.status_message.emit(f"Export of {Path(path).name} cancelled", 5000)
            return
        message = f"Could not export {Path(path).name}: {error}"
        self.status_message.emit(message, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "WAV export failed", message, QMessageBox.StandardButton.Close,
                          self.transport.window())
        box.setModal(False)
        box.finished.connect(box.deleteLater)
        box.show()
        self.message_box = box
        self.wav_failed.emit(message)

    def shutdown(self) -> None:
        """Stop playing and release FluidSynth (the window is closing); let running WAV exports finish."""
        self._prepare_timer.stop()
        self.jobs.on(PREPARE)  # a build still running is not handed to the released transport
        self.transport.shutdown()
        for export in list(self._exports.values()):
            export.job.wait(EXPORT_WAIT_AT_CLOSE)
