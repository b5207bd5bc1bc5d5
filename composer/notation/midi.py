"""MIDI export of a tune through music21: sounding notes as NoteEvent values, a mido MidiFile, a .mid file.

music21 reads the ABC, expands repeats and endings, and merges ties; the notes are then timed here and
written with mido, so no note is ever zero-length: a grace note takes a quarter of the unit note length
from the note it leads to (abc2midi's default `%%MIDI gracedivider 4`), and chord symbols become real notes
of an optional accompaniment channel instead of music21's zero-length chords.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import mido

from composer.abc.bounds import MAX_TEMPO_QPM, MIN_TEMPO_QPM, TEMPO_WORDS, quarter_notes_a_minute
from composer.abc.lengths import default_unit_length, parse_unit
from composer.abc.tunebook import Tune
from composer.notation.atomic_file import Destination, write_bytes_atomically
from composer.notation.music21_abc import conversion_error, music21_sections
from composer.notation.sections import join_sections

if TYPE_CHECKING:
    from music21 import stream

__all__ = [
    "ACCOMPANIMENT_CHANNEL", "ACCOMPANIMENT_PROGRAM", "DEFAULT_TEMPO_QPM", "TEMPO_WORDS", "NoteEvent",
    "midi_file", "midi_text", "note_events", "tempo_qpm", "write_midi",
]

#: abc2midi's tempo when a tune has no Q: field, in quarter notes per minute.
DEFAULT_TEMPO_QPM = 120.0
#: abc2midi's default `%%MIDI gracedivider`: a grace note lasts this fraction of the unit length L:.
GRACE_DIVIDER = 4
ACCOMPANIMENT_CHANNEL = 8
ACCOMPANIMENT_PROGRAM = 24  # GM acoustic guitar (nylon)
TICKS_PER_QUARTER = 480
DRUM_CHANNEL = 9

_DOWNBEAT_VELOCITY, _BEAT_VELOCITY, _OFFBEAT_VELOCITY = 105, 95, 80  # abc2midi's `%%MIDI beat` defaults
_BASS_VELOCITY, _CHORD_VELOCITY = 80, 70


@dataclass(frozen=True)
class NoteEvent:
    """One sounding note."""

    start: float  # seconds from the start
    duration: float  # seconds (> 0)
    pitch: int  # MIDI note number
    velocity: int
    channel: int
    program: int  # GM program of its channel


@dataclass(frozen=True)
class _Sounding:
    """A note timed in quarter notes, before the tempo turns it into seconds."""

    start: Fraction
    duration: Fraction
    pitch: int
    velocity: int
    channel: int
    program: int
    grace: bool = False
    element: int = 0  # which written note or chord it comes from (grace chords sound together)


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
    soundings = _performance(tune, accompaniment=accompaniment, program=program, grace_notes=grace_notes,
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
    soundings = _performance(tune, accompaniment=accompaniment, program=program, grace_notes=True, qpm=qpm)
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


#: Spellings in Latin-1 (MIDI's text encoding, as mido writes it) of characters common in tune titles.
_LATIN1_SPELLINGS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
    "\u201e": '"', "\u2033": '"', "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...",
    "\u0152": "OE", "\u0153": "oe", "\u0141": "L", "\u0142": "l", "\u0131": "i", "\u266f": "#", "\u266d": "b",
}


def midi_text(text: str) -> str:
    """`text` in MIDI's text encoding (Latin-1): itself where it fits, else transliterated (’ → ', — → -,
    ő → o) and `?` for what has no spelling (海); control characters become spaces. Never fails."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch if ch.isprintable() else " ")
        elif ch in _LATIN1_SPELLINGS:
            out.append(_LATIN1_SPELLINGS[ch])
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in decomposed if ord(c) < 256 and c.isprintable()) or "?")
    return "".join(out)


def _time_signature(meter: str | None) -> tuple[int, int] | None:
    if meter in ("C", None):
        return (4, 4)
    if meter == "C|":
        return (2, 2)
    match = re.match(r"^\(?\s*([\d+ ]+)\s*\)?\s*/\s*(\d+)$", meter.strip())
    if not match:
        return None
    top = sum(int(p) for p in re.split(r"[+ ]+", match.group(1).strip()) if p)
    bottom = int(match.group(2))
    if top < 1 or top > 255 or bottom < 1 or bottom & (bottom - 1):
        return None
    return (top, bottom)


def _track(name: str, soundings: list[_Sounding], program: int) -> mido.MidiTrack:
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


def _performance(tune: Tune, *, accompaniment: bool, program: int, grace_notes: bool,
                 qpm: float) -> list[_Sounding]:
    """Every note of the tune in quarter notes, repeats expanded, ties merged, grace notes timed."""
    score = _expanded_score(tune)
    unit = (parse_unit(tune.unit or "") or Fraction(default_unit_length(tune.meter)))
    grace_length = unit * 4 / GRACE_DIVIDER
    soundings: list[_Sounding] = []
    channels = _melody_channels()
    chords_from = None
    for part in score.parts:
        channel = next(channels)
        notes = list(_part_notes(part, channel, program, unit, _trill_note(qpm)))
        if not notes:
            channels = _melody_channels(start=channel)  # an empty voice takes no channel
            continue
        soundings.extend(_timed_graces(notes, grace_length) if grace_notes
                         else [n for n in notes if not n.grace])
        if chords_from is None and part.recurse().getElementsByClass("Harmony").first() is not None:
            chords_from = part
    if accompaniment and chords_from is not None:
        soundings.extend(_accompaniment(chords_from))
    return _without_overlaps(soundings)


def _melody_channels(start: int = 0) -> Iterator[int]:
    channel = start
    while True:
        if channel not in (DRUM_CHANNEL, ACCOMPANIMENT_CHANNEL):
            yield channel
        channel = (channel + 1) % 16


@functools.lru_cache(maxsize=8)
def _expanded_score(tune: Tune) -> stream.Score:
    """The music21 score with repeats and endings played out and ties merged.

    A long tune is expanded section by section (composer.notation.music21_abc.music21_sections), as music21
    takes time that grows with the square of the number of repeats. When music21 cannot expand the repeats
    (badly formed ones), the section is played as written. The last few scores are kept, as a tune is often
    asked for both its events and its MIDI file; nothing here changes them.
    """
    from music21 import exceptions21, repeat

    expanded_sections = []
    for score in music21_sections(tune):
        try:
            expanded = score.expandRepeats()
        except (repeat.ExpanderException, exceptions21.StreamException, IndexError, ValueError):
            expanded = score
        try:
            _untie_what_abc2midi_plays_apart(expanded)
            expanded_sections.append(expanded.stripTies())
        except Exception as exc:  # music21's tie walker fails on some malformed scores
            raise conversion_error(tune, "cannot be played: its ties cannot be followed") from exc
    return join_sections(expanded_sections)


def _untie_what_abc2midi_plays_apart(score: stream.Score) -> None:
    """Undo ties from a note to a different pitch (`G3-A`) or to a trilled or rolled note (`F-~F2`): abc2midi
    plays them as two notes, but music21's stripTies would merge them. A rolled note tied on
    (`~g2-g`) keeps its written length as `editorial.ornamented_length`: abc2midi fits the roll to it and
    holds its last note through the tie (a trill goes on through the tie)."""
    from music21 import articulations, harmony, note

    ornaments = (articulations.Accent, articulations.StrongAccent)  # the roll and trill markers

    for part in score.parts:
        notes = [n for n in part.flatten().notes
                 if not n.duration.isGrace and not isinstance(n, harmony.Harmony)]
        for here, following in zip(notes, notes[1:], strict=False):
            if here.tie is None or here.tie.type not in ("start", "continue"):
                continue
            if any(isinstance(a, articulations.Accent) for a in here.articulations):
                here.editorial.ornamented_length = Fraction(here.duration.quarterLength)
            if not isinstance(here, note.Note) or not isinstance(following, note.Note) \
                    or here.pitch.midi != following.pitch.midi \
                    or any(isinstance(a, ornaments) for a in following.articulations):
                here.tie = None
                if following.tie is not None and following.tie.type == "stop":
                    following.tie = None


def _part_notes(part: stream.Part, channel: int, program: int, unit: Fraction,
                trill_note: Fraction) -> Iterator[_Sounding]:
    """The notes, chords and grace notes of one part in time order, played as abc2midi plays them.

    Beat accents follow abc2midi's `%%MIDI beat` defaults; a staccato note sounds for half its length;
    trills and rolls (marked by composer.notation.ornament_markers) become abc2midi's note patterns.
    """
    from music21 import articulations, chord, harmony, note

    element_number = 0
    for bar in _measures(part):
        for element in bar.measure.flatten().notes:
            element_number += 1
            if isinstance(element, harmony.Harmony):
                continue
            if isinstance(element, chord.Chord):
                pitches = [p.midi for p in element.pitches]
            elif isinstance(element, note.Note):
                pitches = [element.pitch.midi]
            else:
                continue
            offset = Fraction(element.offset)
            position = offset + bar.padding
            if position == 0:
                velocity = _DOWNBEAT_VELOCITY
            elif bar.beat and position % bar.beat == 0:
                velocity = _BEAT_VELOCITY
            else:
                velocity = _OFFBEAT_VELOCITY
            start = bar.start + offset
            if element.duration.isGrace:
                for pitch in pitches:
                    if 0 <= pitch <= 127:
                        yield _Sounding(start, Fraction(0), pitch, velocity, channel, program, True,
                                        element_number)
                continue
            duration = Fraction(element.duration.quarterLength)
            if duration <= 0:
                continue
            pattern = [(Fraction(0), duration, 0)]
            if isinstance(element, note.Note):
                kinds = {type(a) for a in element.articulations}
                if articulations.StrongAccent in kinds:
                    pattern = _trill(duration, trill_note)  # abc2midi trills through the tie
                elif articulations.Accent in kinds:
                    written = min(getattr(element.editorial, "ornamented_length", duration), duration)
                    pattern = _held_on(_roll(written, unit), duration)
                elif articulations.Staccato in kinds:
                    pattern = [(Fraction(0), duration / 2, 0)]
            for pitch in pitches:
                for at, length, step in pattern:
                    sounding = _neighbour(element, bar.key, step) if step else pitch
                    if 0 <= sounding <= 127:
                        yield _Sounding(start + at, length, sounding, velocity, channel, program, False,
                                        element_number)


def _trill_note(qpm: float) -> Fraction:
    """The length of one trill note, in quarter notes, as abc2midi picks it (measured on its output): a 32nd
    note from 75 to 150 quarter notes a minute, doubled for every doubling of the tempo above that and halved
    below, so that it lasts 1/20 to 1/10 s."""
    return Fraction(1, 8) * Fraction(2) ** math.floor(math.log2(max(qpm, 1.0) / 75.0) + 1e-9)


def _held_on(pattern: list[tuple[Fraction, Fraction, int]], duration: Fraction) -> list[tuple[Fraction, Fraction, int]]:
    """An ornament's notes with the last one held to `duration` (the length of the tied note)."""
    at, _, step = pattern[-1]
    return [*pattern[:-1], (at, duration - at, step)]


def _trill(duration: Fraction, note: Fraction) -> list[tuple[Fraction, Fraction, int]]:
    """(offset, length, scale step from the note) of each note of a trill, starting on the upper note."""
    count = max(1, int(duration / note))
    pattern = [(i * note, note, 1 if i % 2 == 0 else 0) for i in range(count - 1)]
    last = (count - 1) * note
    pattern.append((last, duration - last, 1 if (count - 1) % 2 == 0 else 0))
    return pattern


def _roll(duration: Fraction, unit: Fraction) -> list[tuple[Fraction, Fraction, int]]:
    """abc2midi's roll: on a note three units long, note-upper-note-lower-note; otherwise a short upper
    note (a quarter unit) and the note."""
    unit_quarters = unit * 4
    short = unit_quarters / 4
    if duration == 3 * unit_quarters:
        rest = unit_quarters - short
        return [(Fraction(0), unit_quarters, 0), (unit_quarters, short, 1), (unit_quarters + short, rest, 0),
                (2 * unit_quarters, short, -1), (2 * unit_quarters + short, rest, 0)]
    if duration <= short:
        return [(Fraction(0), duration, 0)]
    return [(Fraction(0), short, 1), (short, duration - short, 0)]


def _neighbour(element, key, step: int) -> int:
    """The MIDI note one scale step above (+1) or below (-1) a note, in the key signature."""
    from music21 import pitch as m21pitch

    steps = "CDEFGAB"
    here = element.pitch
    index = steps.index(here.step) + step
    octave = (here.octave if here.octave is not None else 4) + index // 7
    neighbour = m21pitch.Pitch(steps[index % 7] + str(octave))
    accidental = key.accidentalByStep(neighbour.step) if key is not None else None
    if accidental is not None:
        neighbour.accidental = accidental.alter
    return int(neighbour.midi)


@dataclass(frozen=True)
class _Bar:
    start: Fraction  # quarter notes from the start of the part
    beat: Fraction  # beat length in quarter notes (a quarter note without M:)
    padding: Fraction  # the missing start of a pickup bar
    key: object  # music21 KeySignature in force, or None
    measure: object  # music21 Measure (or the whole part when it has no measures)


def _measures(part: stream.Part) -> Iterator[_Bar]:
    """Each measure of `part` with its start, beat length, pickup padding and key signature.

    A part without measures is one long measure.
    """
    from music21 import stream

    measures = list(part.getElementsByClass(stream.Measure))
    if not measures:
        signatures = list(part.recurse().getElementsByClass("KeySignature"))
        yield _Bar(Fraction(0), Fraction(0), Fraction(0), signatures[0] if signatures else None, part)
        return
    signature = key = None
    for measure in measures:
        if measure.timeSignature is not None:
            signature = measure.timeSignature
        if measure.keySignature is not None:
            key = measure.keySignature
        beat = Fraction(signature.beatDuration.quarterLength) if signature is not None else Fraction(1)
        yield _Bar(Fraction(measure.offset), beat, Fraction(measure.paddingLeft or 0), key, measure)


def _timed_graces(notes: list[_Sounding], grace_length: Fraction) -> list[_Sounding]:
    """Grace notes get `grace_length` each, taken from the start of the note they lead to.

    When that note is too short to lend it (abc2midi then gives the graces no time at all), the graces
    share half of it instead, so that no note is ever zero-length.
    """
    timed: list[_Sounding] = []
    pending: list[_Sounding] = []
    index = 0
    while index < len(notes):
        current = notes[index]
        if current.grace:
            pending.append(current)
            index += 1
            continue
        end = index + 1  # the notes struck with it (a chord): the run starting at the same time
        while end < len(notes) and not notes[end].grace and notes[end].start == current.start:
            end += 1
        group, index = notes[index:end], end
        if not pending:
            timed.extend(group)
            continue
        main_length = min(n.duration for n in group)
        graces = _grace_runs(pending)
        each = grace_length if grace_length * len(graces) < main_length else main_length / (2 * len(graces))
        for i, run in enumerate(graces):
            timed.extend(_replace(n, start=current.start + i * each, duration=each) for n in run)
        taken = each * len(graces)
        timed.extend(_replace(n, start=n.start + taken, duration=n.duration - taken) for n in group)
        pending = []
    if pending:  # grace notes at the very end lead to nothing: give them their own length
        for i, run in enumerate(_grace_runs(pending)):
            timed.extend(_replace(n, start=n.start + i * grace_length, duration=grace_length) for n in run)
    return timed


def _grace_runs(pending: list[_Sounding]) -> list[list[_Sounding]]:
    """Grace notes grouped into successive sounding slots: one per written grace note or grace chord."""
    runs: list[list[_Sounding]] = []
    for n in pending:
        if runs and runs[-1][0].element == n.element:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def _replace(sounding: _Sounding, *, start: Fraction, duration: Fraction) -> _Sounding:
    return _Sounding(start, duration, sounding.pitch, sounding.velocity, sounding.channel, sounding.program,
                     sounding.grace, sounding.element)


def _accompaniment(part: stream.Part) -> Iterator[_Sounding]:
    """The accompaniment of chord symbols: a bass note on the first beat of the bar, on the middle beat of
    4-beat bars and where the chord changes, the chord on the other beats; each lasts half a beat."""
    from music21 import harmony

    changes: list[tuple[Fraction, object]] = []
    for bar in _measures(part):
        for symbol in bar.measure.flatten().getElementsByClass(harmony.Harmony):
            changes.append((bar.start + Fraction(symbol.offset), symbol))
    if not changes:
        return
    changes.sort(key=lambda c: c[0])
    starts = [offset for offset, _ in changes]
    previous = -1
    for beat_start, beat_index, beats_in_bar, beat in _beats(part):
        number = bisect.bisect_right(starts, beat_start) - 1
        changed, previous = number != previous, number
        current = changes[number][1] if number >= 0 else None
        if current is None or isinstance(current, harmony.NoChord) or not current.pitches:
            continue
        length = beat / 2
        if beat_index == 0 or changed or (beats_in_bar == 4 and beat_index == 2):
            bass = current.bass() or current.root()
            yield _Sounding(beat_start, length, _in_range(bass.pitchClass, 40), _BASS_VELOCITY,
                            ACCOMPANIMENT_CHANNEL, ACCOMPANIMENT_PROGRAM)
        else:
            for pitch_class in sorted({p.pitchClass for p in current.pitches}):
                yield _Sounding(beat_start, length, _in_range(pitch_class, 52), _CHORD_VELOCITY,
                                ACCOMPANIMENT_CHANNEL, ACCOMPANIMENT_PROGRAM)


def _beats(part: stream.Part) -> Iterator[tuple[Fraction, int, int, Fraction]]:
    """(start, index in the bar, beats in a full bar, beat length) of every beat the part sounds."""
    for bar in _measures(part):
        beat, padding, measure_start = bar.beat, bar.padding, bar.start
        if beat <= 0:
            continue
        length = Fraction(bar.measure.duration.quarterLength)
        full = padding + length
        beats_in_bar = max(1, round((full if padding else length) / beat))
        index = 0
        position = Fraction(0)
        while position < full:
            if position >= padding:
                yield measure_start + position - padding, index, beats_in_bar, beat
            position += beat
            index += 1


def _in_range(pitch_class: int, lowest: int) -> int:
    """The MIDI note of `pitch_class` in the octave starting at `lowest`."""
    return lowest + (pitch_class - lowest) % 12


def _without_overlaps(soundings: list[_Sounding]) -> list[_Sounding]:
    """One sounding note per channel and pitch at a time: a note is cut where the same pitch strikes again
    on its channel (a unison in a chord, overlapping accompaniment beats), and dropped if nothing is left;
    otherwise a synthesizer would release the second note with the first one's note-off."""
    ordered = sorted(soundings, key=lambda s: (s.channel, s.pitch, s.start, -s.duration))
    kept: list[_Sounding] = []
    for index, s in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if following is not None and (following.channel, following.pitch) == (s.channel, s.pitch) \
                and following.start < s.start + s.duration:
            s = _replace(s, start=s.start, duration=following.start - s.start)
        if s.duration > 0:
            kept.append(s)
    return sorted(kept, key=lambda s: (s.start, s.channel, s.pitch))
