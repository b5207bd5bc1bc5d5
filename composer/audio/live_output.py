"""The synthesizer the live player sounds through, opened on first play and kept: its gain, programs and notes."""

from __future__ import annotations

import os
from collections.abc import Sequence

from composer.audio.performance import MELODY, PlayedNote
from composer.audio.soundfonts import SoundFont
from composer.audio.synth import Synthesizer
from composer.errors import ComposerError

__all__ = ["LiveOutput"]


class LiveOutput:
    """A SoundFont and an audio driver; the Synthesizer on them once opened. A failure to open is kept in
    `error` and raised again, without retrying, until the output is changed."""

    def __init__(self, soundfont: str | os.PathLike | SoundFont | None, driver: str | None,
                 driver_options: dict[str, str | int | float]) -> None:
        self.soundfont = soundfont
        self.driver = driver
        self.driver_options = driver_options
        self.synth: Synthesizer | None = None
        self.error: ComposerError | None = None

    def open(self) -> bool:
        """Open the synthesizer and the audio driver unless open; True when it opened them now.

        Raises the ComposerError that opening raised (now or before)."""
        if self.synth is not None and self.synth.has_output:
            return False
        if self.error is not None:
            raise self.error  # said once already by the caller; do not retry every time
        try:
            synth = Synthesizer(self.soundfont)
            try:
                synth.open_output(self.driver, self.driver_options)
            except ComposerError:
                synth.close()
                raise
        except ComposerError as exc:
            self.error = exc
            raise
        self.synth = synth
        return True

    def change(self, soundfont: str | os.PathLike | SoundFont | None, driver: str | None,
               driver_options: dict[str, str | int | float]) -> None:
        """Close the synthesizer; the next open uses these and tries again."""
        self.close()
        self.soundfont, self.driver, self.driver_options = soundfont, driver, driver_options
        self.error = None

    def close(self) -> None:
        if self.synth is not None:
            self.synth.close()
            self.synth = None

    def set_gain(self, gain: float) -> None:
        if self.synth is not None:
            self.synth.set_gain(gain)

    def set_programs(self, notes: Sequence[PlayedNote], melody_program: int | None) -> None:
        """Each channel's program as its notes say, the melody's `melody_program` when given."""
        if self.synth is None:
            return
        for note in notes:
            if note.part == MELODY and melody_program is not None:
                self.synth.set_program(note.channel, melody_program)
            else:
                self.synth.set_program(note.channel, note.program)

    def note_on(self, note: PlayedNote) -> None:
        self.synth.noteon(note.channel, note.pitch, note.velocity)

    def note_off(self, channel: int, pitch: int) -> None:
        if self.synth is not None:
            self.synth.noteoff(channel, pitch)

    def all_notes_off(self, *, immediately: bool) -> None:
        if self.synth is not None:
            self.synth.all_notes_off(immediately=immediately)
