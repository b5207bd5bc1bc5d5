"""MIDI export of a tune through music21: sounding notes as NoteEvent values, a mido MidiFile, a .mid file.

music21 reads the ABC, expands repeats and endings, and merges ties; the notes are then timed here and
written with mido, so no note is ever zero-length: a grace note takes a quarter of the unit note length
from the note it leads to (abc2midi's default `%%MIDI gracedivider 4`), and chord symbols become real notes
of an optional accompaniment channel instead of music21's zero-length chords.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mido

from composer.abc.bounds import MAX_TEMPO_QPM, MIN_TEMPO_QPM, quarter_notes_a_minute
from composer.abc.lengths import meter_numbers
from composer.abc.tunebook import Tune
from composer.notation.accompaniment import ACCOMPANIMENT_CHANNEL, ACCOMPANIMENT_PROGRAM
from composer.notation.atomic_file import Destination, write_bytes_atomically
from composer.notation.midi_text import midi_text
from composer.notation.played_score import sounding_notes
from composer.notation.sounding import Sounding

__all__ = ["DEFAULT_TEMPO_QPM", "NoteEvent", "midi_file", "note_events", "tempo_qpm", "write_midi"]

#: abc2midi's tempo when a tune has no Q: field, in quarter notes per minute.
DEFAULT_TEMPO_QPM = 120.0
TICKS_PER_QUARTER = 480


@dataclass(frozen=True)
class NoteEvent:
    """One sounding note."""

    start: float  # seconds from the start
    duration: float  # seconds (> 0)
    pitch: int  # MIDI note number
    velocity: int
    channel: int
    program: int  # GM program of its channel


def tempo_qpm(tune: Tune) -> float:
    """The tune's tempo in quarter notes per minute, read as abc2midi reads Q:.

    `Q:1/4=120` and `Q:3/8=100` name their beat; a bare `Q:100` counts quarter notes; a tempo word alone
    (`Q:"Andante"`) has abc2midi's value for it (TEMPO_WORDS); anything else, or no Q:, gives 120.
    """
    value = tune.field("Q")
    qpm = quarter_notes_a_minute(value) if value else None
    return DEFAULT_TEMPO_QPM if qpm is None else qpm


def note_events(tune: Tune, *, accompaniment: bool = False, tempo_bpm: float | None = None,
                program: int = 0, grace_notes: bool = True) -> list[NoteEvent]:
    """Every sounding note of `tune`, sorted by start (then pitch).

    Repeats and endings are played out. `tempo_bpm` (quarter notes per minute) overrides Q:. The melody
    voices play GM `program` on channels 0, 1...; with `accompaniment`, chord symbols become a bass and
    chord pattern per beat on ACCOMPANIMENT_CHANNEL. `grace_notes=False` leaves grace notes out and gives
    their time back to the notes they lead to.
    """
    qpm = tempo_bpm if tempo_bpm and tempo_bpm > 0 else tempo_qpm(tune)
    seconds_per_quarter = 60.0 / qpm
    soundings = sounding_notes(tune, accompaniment=accompaniment, program=program, grace_notes=grace_notes,
                               qpm=qpm)
    events = [
        NoteEvent(float(s.start) * seconds_per_quarter, float(s.duration) * seconds_per_quarter, s.pitch,
                  s.velocity, s.channel, s.program)
        for s in soundings
    ]
    events.sort(key=lambda e: (e.start, e.channel, e.pitch))
    return events


def midi_file(tune: Tune, *, accompaniment: bool = False, tempo_bpm: float | None = None,
              program: int = 0) -> mido.MidiFile:
    """A type-1 MIDI file: a conductor track (tempo, meter, title), the melody, and the accompaniment."""
    qpm = tempo_bpm if tempo_bpm and tempo_bpm > 0 else tempo_qpm(tune)
    soundings = sounding_notes(tune, accompaniment=accompaniment, program=program, grace_notes=True, qpm=qpm)
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=midi_text(tune.title or tune.label), time=0))
    # MIDI's tempo field holds 3.6 to 60 million quarter notes a minute; keep to musical tempos.
    qpm = min(max(qpm, MIN_TEMPO_QPM), MAX_TEMPO_QPM)
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm), time=0))
    signature = _time_signature(tune.meter)
    if signature:
        conductor.append(mido.MetaMessage("time_signature", numerator=signature[0], denominator=signature[1],
                                          time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=0))
    midi.tracks.append(conductor)
    melody = [s for s in soundings if s.channel != ACCOMPANIMENT_CHANNEL]
    backing = [s for s in soundings if s.channel == ACCOMPANIMENT_CHANNEL]
    midi.tracks.append(_track("melody", melody, program))
    if backing:
        midi.tracks.append(_track("accompaniment", backing, ACCOMPANIMENT_PROGRAM))
    return midi


def write_midi(tune: Tune, path: Destination, **options) -> None:
    """Write `midi_file(tune, **options)` to `path` (atomically) or to a binary file object."""
    import io

    buffer = io.BytesIO()
    midi_file(tune, **options).save(file=buffer)
    write_bytes_atomically(path, buffer.getvalue())


def _time_signature(meter: str | None) -> tuple[int, int] | None:
    if meter is None:
        return (4, 4)
    numbers = meter_numbers(meter)
    if numbers is None:
        return None
    top, bottom = numbers
    if top < 1 or top > 255 or bottom < 1 or bottom & (bottom - 1):
        return None
    return (top, bottom)


def _track(name: str, soundings: list[Sounding], program: int) -> mido.MidiTrack:
    """A track with a program change per channel, then note-on/note-off pairs (offs first at equal ticks)."""
    messages: list[tuple[int, int, mido.Message]] = []
    for channel in sorted({s.channel for s in soundings}):
        messages.append((0, 0, mido.Message("program_change", channel=channel, program=program)))
    for s in soundings:
        on = _ticks(s.start)
        off = max(_ticks(s.start + s.duration), on + 1)
        note_on = mido.Message("note_on", channel=s.channel, note=s.pitch, velocity=s.velocity)
        messages.append((on, 2, note_on))
        messages.append((off, 1, mido.Message("note_off", channel=s.channel, note=s.pitch, velocity=0)))
    messages.sort(key=lambda m: (m[0], m[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for tick, _, message in messages:
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _ticks(quarters: Fraction) -> int:
    return round(quarters * TICKS_PER_QUARTER)
