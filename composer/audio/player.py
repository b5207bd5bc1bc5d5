"""The live player: a plain Python engine that plays a Performance through FluidSynth and reports by hooks.

All synthesizer work happens in one worker thread owned by the player; the control methods only queue
commands, so they never block the caller and never touch FluidSynth from two threads. Progress comes back
through hook methods (`state_changed`, `position_changed`, `loaded`, `finished`, `failed`) called from the
worker thread with frozen records: subclass and override them (composer.ui.playback.transport turns them into Qt
signals). Errors never escape the worker: they become an AudioError (or AbcError) passed to `failed`.
What sounds when is composer.audio.note_schedule's; the synthesizer it sounds through, composer.audio.live_output's.
A tempo ramp (composer.audio.practice.TempoRamp) makes the player loop (the loop's bars, or the whole tune): round 1
(and its count-in) at the ramp's start, each wrap a step faster up to the target, from the instant the loop ended.
"""

from __future__ import annotations

import atexit
import bisect
import logging
import os
import queue
import threading
import time
import weakref

from composer.abc.tunebook import Tune
from composer.audio.live_output import LiveOutput
from composer.audio.note_schedule import NoteSchedule
from composer.audio.performance import (
    ACCOMPANIMENT,
    COUNT_IN,
    MELODY,
    METRONOME,
    Performance,
    PlayedNote,
    build_performance,
    count_in_clicks,
)
from composer.audio.play_state import Loop, PlayerState, Position
from composer.audio.practice import TempoRamp, loop_span
from composer.audio.soundfonts import SoundFont
from composer.errors import AudioError, ComposerError

__all__ = ["Loop", "Player", "PlayerState", "Position", "TempoRamp"]

#: How often position_changed fires between notes, in seconds of wall time.
POSITION_INTERVAL = 0.1
BASE_GAIN = 0.6

# Players with a live worker, closed at exit so no audio driver thread outlives the interpreter.
_live_players: weakref.WeakSet[Player] = weakref.WeakSet()


@atexit.register
def _close_live_players() -> None:
    for player in list(_live_players):
        player.close(timeout=1.0)


class Player:
    """Plays one Performance at a time. Every public method returns at once; see the module docstring."""

    def __init__(self, *, soundfont: str | os.PathLike | SoundFont | None = None, driver: str | None = None,
                 driver_options: dict[str, str | int | float] | None = None) -> None:
        self._commands: queue.Queue[tuple[str, tuple, int]] = queue.Queue()
        #: The current playback's number, raised in the caller's thread by stop, load and set_output: a
        #: position reported under an older number belongs to a playback that has ended (drop it if it arrives
        #: late, as it can in another thread). The worker stamps positions with the number of its last command.
        self.playback = 0
        self._reporting_playback = 0
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        # Settings (written by the worker from commands; readable from any thread).
        self.performance: Performance | None = None
        self.state = PlayerState.STOPPED
        self.position = Position(0.0, 0)
        self.program: int | None = None
        self.volume = 0.8
        self.metronome = False
        self.accompaniment = False
        self.count_in_bars = 0
        self.loop: Loop | None = None
        self.ramp: TempoRamp | None = None
        self._chosen_factor = 1.0
        self._round = 0  # the time round the loop while a ramp plays (from 1); 0 when stopped
        # Worker-only playing state.
        self._output = LiveOutput(soundfont, driver, dict(driver_options or {}))
        self._schedule = NoteSchedule()
        self._last_report = 0.0
        self._sounding: PlayedNote | None = None

    @property
    def tempo_factor(self) -> float:
        """The factor of the performance's tempo chosen (see set_tempo_factor); a ramp plays a percent of it."""
        return self._chosen_factor

    @property
    def output_error(self) -> ComposerError | None:
        """Why the audio output could not be opened, until the output is changed (see set_output)."""
        return self._output.error

    # -- hooks (called from the worker thread) ------------------------------------------------------------

    def state_changed(self, state: PlayerState) -> None:
        """Playback started, paused or stopped."""

    def position_changed(self, position: Position) -> None:
        """A melody note started, or POSITION_INTERVAL passed, or the position jumped."""

    def loaded(self, performance: Performance) -> None:
        """load_tune() finished building the performance."""

    def finished(self) -> None:
        """Playback reached the end (not called on stop())."""

    def failed(self, error: ComposerError) -> None:
        """Something went wrong (no audio output, bad SoundFont, unplayable tune); playback stopped."""

    # -- control (any thread, never blocks) ---------------------------------------------------------------

    def load(self, performance: Performance) -> None:
        """Play `performance` from now on (stops what is playing; a new playback)."""
        self._send("load", performance, new_playback=True)

    def load_tune(self, tune: Tune) -> None:
        """Build the tune's performance in the worker thread, then load it; `loaded` or `failed` follows."""
        self._send("load_tune", tune, new_playback=True)

    def play(self, start: float | None = None) -> None:
        """Start (or restart) at `start` seconds, default the current position (the loop start if looping)."""
        self._send("play", start)

    def play_bar(self, bar: int) -> None:
        self._send("play_bar", bar)

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def stop(self) -> None:
        """Stop and go back to the beginning (of the loop, when looping); later positions are a new playback."""
        self._send("stop", new_playback=True)

    def seek(self, time_: float) -> None:
        self._send("seek", time_)

    def seek_bar(self, bar: int) -> None:
        self._send("seek_bar", bar)

    def set_loop(self, first: int | None, last: int | None = None) -> None:
        """Loop bars `first`..`last` (inclusive); None turns looping off."""
        self._send("loop", None if first is None else Loop(first, first if last is None else last))

    def set_tempo_factor(self, factor: float) -> None:
        """Play at `factor` times the performance's tempo (0.25-4)."""
        self._send("tempo", max(0.25, min(4.0, float(factor))))

    def set_tempo(self, bpm: float) -> None:
        """Play at `bpm` beats a minute (the performance's beat; see Performance.tempo_bpm)."""
        base = self.performance.tempo_bpm if self.performance else 120.0
        self.set_tempo_factor(bpm / base)

    def set_ramp(self, ramp: TempoRamp | None) -> None:
        """Practice: loop (the loop's bars, or the whole tune) from `ramp.start` percent of the chosen tempo, a
        step faster each time round, up to the target; a ramp set while playing starts again at round 1.
        None plays at the chosen tempo (and loops only when a loop is set)."""
        self._send("ramp", ramp)

    def set_program(self, program: int | None) -> None:
        """The melody's General MIDI instrument (0-127); None keeps the tune's own."""
        self._send("program", program)

    def set_volume(self, volume: float) -> None:
        """0.0 (silent) to 1.0 (full)."""
        self._send("volume", max(0.0, min(1.0, float(volume))))

    def set_metronome(self, on: bool) -> None:
        self._send("metronome", bool(on))

    def set_accompaniment(self, on: bool) -> None:
        self._send("accompaniment", bool(on))

    def set_count_in(self, bars: int) -> None:
        self._send("count_in", max(0, int(bars)))

    def set_output(self, *, soundfont: str | os.PathLike | SoundFont | None = None, driver: str | None = None,
                   driver_options: dict[str, str | int | float] | None = None) -> None:
        """Use another SoundFont or audio driver from the next play on (and try the output again)."""
        self._send("output", soundfont, driver, dict(driver_options or {}), new_playback=True)

    def close(self, timeout: float = 5.0) -> None:
        """Stop, release FluidSynth and end the worker thread (waits up to `timeout` seconds)."""
        thread = self._thread
        if thread is None:
            return
        self._commands.put(("quit", (), self.playback))
        thread.join(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the worker has handled every command sent so far (for scripts and tests)."""
        done = threading.Event()
        self._send("notify", done)
        return done.wait(timeout)

    # -- the worker ---------------------------------------------------------------------------------------

    def _send(self, name: str, *args: object, new_playback: bool = False) -> None:
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="composer-player", daemon=True)
                self._thread.start()
                _live_players.add(self)
            if new_playback:
                self.playback += 1
            self._commands.put((name, args, self.playback))

    def _run(self) -> None:
        while True:
            timeout = self._wake_in() if self.state is PlayerState.PLAYING else None
            try:
                name, args, self._reporting_playback = self._commands.get(timeout=timeout)
            except queue.Empty:
                name, args = "", ()
            if name == "quit":
                self._shutdown()
                return
            try:
                if name:
                    getattr(self, "_do_" + name)(*args)
                if self.state is PlayerState.PLAYING:
                    self._tick()
            except ComposerError as exc:
                self._fail(exc)
            except Exception as exc:  # noqa: BLE001  (the worker must survive anything)
                self._fail(AudioError(f"playback failed: {type(exc).__name__}: {exc}"))

    def _fail(self, error: ComposerError) -> None:
        self._silence()
        self._set_state(PlayerState.STOPPED)
        self._call_hook(self.failed, error)

    def _call_hook(self, hook, *args: object) -> None:
        try:
            hook(*args)
        except Exception:  # noqa: BLE001  (a broken hook must not kill playback)
            logging.getLogger("composer.audio").exception("player hook %s failed", hook.__name__)

    def _set_state(self, state: PlayerState) -> None:
        if state is not self.state:
            self.state = state
            self._call_hook(self.state_changed, state)

    def _shutdown(self) -> None:
        self._silence()
        self._output.close()
        self._set_state(PlayerState.STOPPED)

    # commands

    def _do_notify(self, event: threading.Event) -> None:
        event.set()

    def _do_load(self, performance: Performance) -> None:
        self._silence()
        self._set_state(PlayerState.STOPPED)
        self.performance = performance
        self.loop = None
        self._report(0.0, force=True)

    def _do_load_tune(self, tune: Tune) -> None:
        performance = build_performance(tune, program=self.program)
        self._do_load(performance)
        self._call_hook(self.loaded, performance)

    def _do_play(self, start: float | None, fresh: bool = True) -> None:
        if self.performance is None:
            return
        self._open_output()
        self._silence()
        if fresh or not self._round:
            self._round = 1 if self.ramp is not None else 0
        self._schedule.set_factor(self._factor_now(), running=False)
        if start is None:
            start = max(0.0, self.position.time)
            if start >= self.performance.duration - 1e-6:
                start = self._home()
        start = max(0.0, min(start, self.performance.duration))
        if self._looping:
            first, last = self._loop_span()
            if not first <= start < last:
                start = first
        count_in = count_in_clicks(self.performance, start, self.count_in_bars) if self.count_in_bars else []
        self._schedule.count_in = count_in
        self._start_at(count_in[0].start if count_in else start, start)
        self._set_state(PlayerState.PLAYING)

    def _do_play_bar(self, bar: int) -> None:
        if self.performance and self.performance.bars:
            bar = max(0, min(bar, len(self.performance.bars) - 1))
            self._do_play(self.performance.bars[bar].start)

    def _do_pause(self) -> None:
        if self.state is PlayerState.PLAYING:
            time_ = max(self._schedule.now(), 0.0)
            self._silence()
            self._set_state(PlayerState.PAUSED)
            self._report(time_, force=True)

    def _do_resume(self) -> None:
        if self.state is PlayerState.PAUSED:
            self._do_play(self.position.time, fresh=False)

    def _do_stop(self) -> None:
        self._silence()
        self._round = 0
        self._set_state(PlayerState.STOPPED)
        self._report(self._home(), force=True)

    def _do_seek(self, time_: float) -> None:
        if self.performance is None:
            return
        time_ = max(0.0, min(time_, self.performance.duration))
        if self.state is PlayerState.PLAYING:
            self._silence()
            self._schedule.count_in = []
            self._start_at(time_, time_)
        else:
            self._report(time_, force=True)

    def _do_seek_bar(self, bar: int) -> None:
        if self.performance and self.performance.bars:
            self._do_seek(self.performance.bars[max(0, min(bar, len(self.performance.bars) - 1))].start)

    def _do_loop(self, loop: Loop | None) -> None:
        if loop is not None and self.performance and self.performance.bars:
            count = len(self.performance.bars)
            first, last = sorted((max(0, min(loop.first, count - 1)), max(0, min(loop.last, count - 1))))
            loop = Loop(first, last)
        self.loop = loop

    def _do_tempo(self, factor: float) -> None:
        self._chosen_factor = factor
        self._schedule.set_factor(self._factor_now(), running=self.state is PlayerState.PLAYING)

    def _do_ramp(self, ramp: TempoRamp | None) -> None:
        self.ramp = ramp
        self._round = 1 if ramp is not None and self.state is not PlayerState.STOPPED else 0
        self._schedule.set_factor(self._factor_now(), running=self.state is PlayerState.PLAYING)
        self._report(self.position.time, force=True)

    def _do_program(self, program: int | None) -> None:
        self.program = program
        self._apply_programs()

    def _do_volume(self, volume: float) -> None:
        self.volume = volume
        self._output.set_gain(BASE_GAIN * volume)

    def _do_metronome(self, on: bool) -> None:
        self.metronome = on

    def _do_accompaniment(self, on: bool) -> None:
        self.accompaniment = on
        if not on and self._output.synth is not None:
            for channel, pitch in self._schedule.release(lambda c: self._part_of_channel(c) == ACCOMPANIMENT):
                self._output.note_off(channel, pitch)

    def _do_count_in(self, bars: int) -> None:
        self.count_in_bars = bars

    def _do_output(self, soundfont, driver, driver_options) -> None:
        self._silence()
        self._set_state(PlayerState.STOPPED)
        self._output.change(soundfont, driver, driver_options)

    # playing

    def _open_output(self) -> None:
        if self._output.open():
            self._output.set_gain(BASE_GAIN * self.volume)
            self._apply_programs()

    def _apply_programs(self) -> None:
        if self.performance is not None:
            self._output.set_programs(self.performance.notes, self.program)

    def _part_of_channel(self, channel: int) -> str | None:
        for note in self.performance.notes if self.performance else ():
            if note.channel == channel:
                return note.part
        return None

    @property
    def _looping(self) -> bool:
        return self.loop is not None or self.ramp is not None

    def _factor_now(self) -> float:
        """The chosen factor, times the ramp's percent in this round."""
        percent = self.ramp.percent(self._round) if self.ramp is not None and self._round else 100.0
        return self._chosen_factor * percent / 100

    def _next_round(self) -> float:
        """The loop wrapped: the factor of the next round."""
        if self.ramp is not None:
            self._round += 1
        return self._factor_now()

    def _home(self) -> float:
        return self._loop_span()[0] if self.loop is not None else 0.0

    def _loop_span(self) -> tuple[float, float]:
        if self.performance is None:
            return 0.0, 0.0
        return loop_span(self.performance, self.loop)

    def _start_at(self, clock_time: float, music_time: float) -> None:
        """Start the clock at `clock_time` (before `music_time` when counting in); notes from `music_time`."""
        self._schedule.start_at(self.performance.notes, clock_time, music_time)
        self._sounding = None
        self._report(clock_time, force=True)

    def _audible(self, note: PlayedNote) -> bool:
        if note.part == MELODY or note.part == COUNT_IN:
            return True
        if note.part == ACCOMPANIMENT:
            return self.accompaniment
        if note.part == METRONOME:
            return self.metronome
        return False

    def _sound(self, note: PlayedNote) -> None:
        if self._output.synth is None or not self._audible(note):
            return
        self._output.note_on(note)
        self._schedule.hold(note)

    def _tick(self) -> None:
        performance = self.performance
        notes = performance.notes
        due = self._schedule.advance(notes, self._loop_span() if self._looping else None, self._next_round)
        now = due.now
        for channel, pitch in due.offs:
            self._output.note_off(channel, pitch)
        for click in due.clicks:
            self._sound(click)
        started = None
        for note in due.notes:
            self._sound(note)
            if note.part == MELODY:
                started = note
        if started is not None or due.wrapped:
            self._sounding = started  # after a wrap, the note sounding before it has ended
            self._report(now, force=True)
        elif time.monotonic() - self._last_report >= POSITION_INTERVAL:
            self._report(now)
        if self._schedule.next_note >= len(notes) and not self._schedule.offs and now >= performance.duration:
            self._silence()
            self._set_state(PlayerState.STOPPED)
            self._report(self._home(), force=True)
            self._call_hook(self.finished)

    def _wake_in(self) -> float:
        """Wall seconds until the next thing to do (a note on or off, a loop end, a position report)."""
        notes = self.performance.notes if self.performance is not None else ()
        loop_end = self._loop_span()[1] if self._looping else None
        return self._schedule.wall_seconds_to_next(notes, POSITION_INTERVAL, loop_end)

    def _report(self, time_: float, *, force: bool = False) -> None:
        performance = self.performance
        bar = performance.bar_at(time_) if performance else None
        counting = self.state is PlayerState.PLAYING and time_ < self._schedule.music_start - 1e-6
        note = self._sounding
        if note is not None and not note.start <= time_ < note.end + 0.05:
            note = None
        if note is None and performance is not None and not counting:
            note = self._note_at(time_)
        round_ = self._round if self.state is not PlayerState.STOPPED else 0
        percent = self.ramp.percent(round_) if self.ramp is not None and round_ else 100.0
        position = Position(time_, bar.index if bar else 0, note.line if note else None,
                            note.column if note else None, counting, self._reporting_playback, round_, percent)
        if force or position != self.position:
            self.position = position
            self._last_report = time.monotonic()
            self._call_hook(self.position_changed, position)

    def _note_at(self, time_: float) -> PlayedNote | None:
        """The last melody note started at or before `time_` (within its bar)."""
        notes = self.performance.notes
        i = bisect.bisect_right([n.start for n in notes], time_ + 1e-6) - 1
        while i >= 0:
            if notes[i].part == MELODY:
                return notes[i] if notes[i].end + 0.05 > time_ else None
            i -= 1
        return None

    def _silence(self) -> None:
        self._schedule.clear()
        self._output.all_notes_off(immediately=True)
