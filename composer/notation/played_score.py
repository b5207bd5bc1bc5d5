"""A tune's music21 score as abc2midi plays it: repeats played out, ties merged, every note timed (Sounding)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

from composer.abc.lengths import default_unit_length, parse_unit
from composer.abc.tunebook import Tune
from composer.notation.accompaniment import ACCOMPANIMENT_CHANNEL, accompaniment_notes
from composer.notation.measures import timed_measures
from composer.notation.music21_abc import conversion_error, music21_sections
from composer.notation.ornament_patterns import held_on, neighbour_pitch, roll_pattern, trill_note_length, trill_pattern
from composer.notation.sections import join_sections
from composer.notation.sounding import GRACE_DIVIDER, Sounding, timed_graces, without_overlaps

if TYPE_CHECKING:
    from music21 import stream

__all__ = ["DRUM_CHANNEL", "expanded_score", "sounding_notes"]

DRUM_CHANNEL = 9
_DOWNBEAT_VELOCITY, _BEAT_VELOCITY, _OFFBEAT_VELOCITY = 105, 95, 80  # abc2midi's `%%MIDI beat` defaults


def sounding_notes(tune: Tune, *, accompaniment: bool, program: int, grace_notes: bool,
                   qpm: float) -> list[Sounding]:
    """Every note of the tune in quarter notes, repeats expanded, ties merged, grace notes timed."""
    score = expanded_score(tune)
    unit = (parse_unit(tune.unit or "") or Fraction(default_unit_length(tune.meter)))
    grace_length = unit * 4 / GRACE_DIVIDER
    soundings: list[Sounding] = []
    channels = _melody_channels()
    chords_from = None
    for part in score.parts:
        channel = next(channels)
        notes = list(_part_notes(part, channel, program, unit, trill_note_length(qpm)))
        if not notes:
            channels = _melody_channels(start=channel)  # an empty voice takes no channel
            continue
        soundings.extend(timed_graces(notes, grace_length) if grace_notes
                         else [n for n in notes if not n.grace])
        if chords_from is None and part.recurse().getElementsByClass("Harmony").first() is not None:
            chords_from = part
    if accompaniment and chords_from is not None:
        soundings.extend(accompaniment_notes(chords_from))
    return without_overlaps(soundings)


def _melody_channels(start: int = 0) -> Iterator[int]:
    channel = start
    while True:
        if channel not in (DRUM_CHANNEL, ACCOMPANIMENT_CHANNEL):
            yield channel
        channel = (channel + 1) % 16


@functools.lru_cache(maxsize=8)
def expanded_score(tune: Tune) -> stream.Score:
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
                trill_note: Fraction) -> Iterator[Sounding]:
    """The notes, chords and grace notes of one part in time order, played as abc2midi plays them.

    Beat accents follow abc2midi's `%%MIDI beat` defaults; a staccato note sounds for half its length;
    trills and rolls (marked by composer.notation.ornament_markers) become abc2midi's note patterns.
    """
    from music21 import articulations, chord, harmony, note

    element_number = 0
    for bar in timed_measures(part):
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
                        yield Sounding(start, Fraction(0), pitch, velocity, channel, program, True,
                                       element_number)
                continue
            duration = Fraction(element.duration.quarterLength)
            if duration <= 0:
                continue
            pattern = [(Fraction(0), duration, 0)]
            if isinstance(element, note.Note):
                kinds = {type(a) for a in element.articulations}
                if articulations.StrongAccent in kinds:
                    pattern = trill_pattern(duration, trill_note)  # abc2midi trills through the tie
                elif articulations.Accent in kinds:
                    written = min(getattr(element.editorial, "ornamented_length", duration), duration)
                    pattern = held_on(roll_pattern(written, unit), duration)
                elif articulations.Staccato in kinds:
                    pattern = [(Fraction(0), duration / 2, 0)]
            for pitch in pitches:
                for at, length, step in pattern:
                    sounding = neighbour_pitch(element, bar.key, step) if step else pitch
                    if 0 <= sounding <= 127:
                        yield Sounding(start + at, length, sounding, velocity, channel, program, False,
                                       element_number)
