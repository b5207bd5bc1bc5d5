"""Auditioning a candidate: its performance built in a worker thread, played by a player of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from composer.abc.tunebook import read_string
from composer.audio.player import PlayerState
from composer.ui.jobs import NewestOnly
from composer.ui.playback.transport import QtPlayer, Sound

if TYPE_CHECKING:
    from composer.audio.performance import Performance

AUDITION_LANE = "audition"


def prepare_audition(text: str, line: int, column: int) -> tuple[Performance, int]:
    """The performance of the tune `text` and the bar to start from: the one before (line, column), where the
    candidate begins (runs in a worker thread)."""
    from composer.audio.performance import build_performance
    from composer.errors import AbcError

    book = read_string(text)
    if not book.tunes:
        raise AbcError("the candidate is not a tune that can be played")
    performance = build_performance(book.tunes[0])
    bar = performance.bar_at_source(line, column)
    return performance, max(0, bar.index - 1) if bar is not None else 0


class Audition(QObject):
    """Plays one candidate at a time, named by a key (batch number, candidate index), with the transport's sound
    (`set_sound`) through a player of its own, so the transport keeps the tunebook's tune.

    `started(number, index)` when it sounds; `silent()` when nothing is on the way or sounding any more
    (stopped, ended, failed); `problem(message)` once for each distinct audio problem; `unplayable(message)` when
    a candidate can't be made into music."""

    started = Signal(int, int)  # batch number, candidate index
    silent = Signal()
    problem = Signal(str)  # "Audio: …", each once
    unplayable = Signal(str)

    def __init__(self, jobs: NewestOnly, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self.sound = Sound()
        self.pending: tuple[int, int] | None = None  # being prepared
        self.playing: tuple[int, int] | None = None
        self._player: QtPlayer | None = None
        self._problems: set[str] = set()
        jobs.on(AUDITION_LANE, result=self._play_prepared, failed=self._on_unplayable)

    @Slot(object)
    def set_sound(self, sound: Sound) -> None:
        """The output, instrument and volume to play with (the output is taken when the player is made)."""
        self.sound = sound

    def is_busy_with(self, key: tuple[int, int]) -> bool:
        """True while candidate `key` is being prepared or plays."""
        return key in (self.pending, self.playing)

    def play(self, key: tuple[int, int], text: str, line: int, column: int) -> None:
        """Prepare the tune `text` in the background and play it from the bar before (line, column)."""
        self.pending = key
        self._jobs.submit(AUDITION_LANE, prepare_audition, text, line, column)

    @property
    def player(self) -> QtPlayer:
        """The audition player (created on first use, with the sound's output)."""
        if self._player is None:
            sound = self.sound
            self._player = QtPlayer(None, soundfont=sound.soundfont or None, driver=sound.driver or None,
                                    driver_options=dict(sound.driver_options))
            self._player.stateChanged.connect(self._on_player_state)
            self._player.playbackFailed.connect(self._on_failed)
        return self._player

    def _play_prepared(self, prepared: tuple[Performance, int]) -> None:
        key, self.pending = self.pending, None
        if key is None:
            return
        performance, bar = prepared
        player = self.player
        player.set_program(self.sound.program)
        player.set_volume(self.sound.volume)
        player.load(performance)
        player.play_bar(bar)
        self.playing = key
        self.started.emit(*key)

    def stop(self) -> None:
        """Stop the candidate playing (if any), and forget one being prepared."""
        self.pending = None
        if self.playing is not None and self._player is not None:
            self._player.stop()
        self.playing = None

    def _on_failed(self, error: object) -> None:
        """No sound (no device, a bad SoundFont): everything stops; the problem is said once."""
        self.stop()
        self.silent.emit()
        message = f"Audio: {error}"
        if message not in self._problems:
            self._problems.add(message)
            self.problem.emit(message)

    def _on_unplayable(self, error: Exception) -> None:
        self.pending = None
        self.silent.emit()
        self.unplayable.emit(str(error))

    def _on_player_state(self, value: str) -> None:
        if value == PlayerState.STOPPED and self.playing is not None:
            self.playing = None
            self.silent.emit()

    def close(self) -> None:
        """Release the player (quitting)."""
        if self._player is not None:
            self._player.close()
            self._player = None
