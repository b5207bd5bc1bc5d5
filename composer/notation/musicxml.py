"""MusicXML export of a tune through music21: notes, key, meter, chord symbols, repeats and 1st/2nd endings."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from composer.abc.tunebook import Tune
from composer.notation.abc_from_score import ImportedAbc
from composer.notation.atomic_file import Destination, write_bytes_atomically
from composer.notation.music21_abc import conversion_error, music21_score, music21_sections
from composer.notation.sections import join_sections

if TYPE_CHECKING:
    from music21 import stream

__all__ = [
    "PlayedNote", "RoundTrip", "WrittenNote", "musicxml_bytes", "musicxml_round_trip", "musicxml_score",
    "played_notes", "write_musicxml", "written_notes",
]

_MUSIC21_COMPOSER = re.compile(rb"\s*<creator type=\"composer\">Music21</creator>")


def musicxml_score(tune: Tune) -> stream.Score:
    """The tune as a music21 Score ready for MusicXML: music21's ABC reading, with the trills and rolls that
    notation.ornament_markers carries through as accent markers turned back into a trill and a turn, and the
    notation (beams, accidentals) made section by section, in time proportional to the tune's length.

    Notation is made here, not by the exporter, which would pad every short bar (a pickup's other half before
    a repeat) with a hidden rest that players and MuseScore count as time."""
    sections = music21_sections(tune)
    for section in sections:
        _ornaments_and_ties(section)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                section.makeNotation(inPlace=True)
        except Exception as exc:  # music21's notation maker raises many unrelated types on odd scores
            raise conversion_error(tune, "cannot be written as MusicXML") from exc
    score = join_sections(sections)
    if score.metadata is not None:
        if tune.title:  # as written: music21 turns "Western Lasses, The" into "The Western Lasses"
            score.metadata.title = score.metadata.movementName = tune.title
        if tune.field("C"):
            score.metadata.composer = tune.field("C")
    return score


def _ornaments_and_ties(score: stream.Score) -> None:
    """Trill and roll markers as a trill and a turn; no ties between different pitches."""
    from music21 import articulations, expressions

    for note in score.recurse().notes:
        kept = []
        for mark in note.articulations:
            if type(mark) is articulations.StrongAccent:  # the trill marker
                note.expressions.append(expressions.Trill())
            elif type(mark) is articulations.Accent:  # the roll marker: MusicXML has no roll, a turn looks alike
                note.expressions.append(expressions.Turn())
            else:
                kept.append(mark)
        note.articulations = kept
    _drop_ties_between_pitches(score)


def _drop_ties_between_pitches(score: stream.Score) -> None:
    """Remove the ties music21 reads from `G3-A` (old transcriptions write slurs so): a tie joins one pitch."""
    for part in score.parts:
        notes = [n for n in part.recurse().notes if "ChordSymbol" not in n.classes and not n.duration.isGrace]
        for note, following in zip(notes, notes[1:], strict=False):
            if note.tie is None or note.tie.type == "stop":
                continue
            if not {p.midi for p in note.pitches} & {p.midi for p in following.pitches}:
                note.tie = None if note.tie.type == "start" else type(note.tie)("stop")
                if following.tie is not None:
                    following.tie = None if following.tie.type == "stop" else type(following.tie)("start")


def musicxml_bytes(tune: Tune) -> bytes:
    """The tune as a MusicXML 4 document (UTF-8), as MuseScore and other notation editors open it."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    score = musicxml_score(tune)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exporter = GeneralObjectExporter(score)
            exporter.makeNotation = False
            document = exporter.parse()
    except Exception as exc:  # music21's exporter raises many unrelated types on odd scores
        raise conversion_error(tune, "cannot be written as MusicXML") from exc
    # music21 names itself the composer of a tune without C:; a traditional tune has none.
    return _MUSIC21_COMPOSER.sub(b"", document)


def write_musicxml(tune: Tune, destination: Destination) -> None:
    """Write the tune as MusicXML to a path (atomically) or a binary file object."""
    write_bytes_atomically(destination, musicxml_bytes(tune))


#: One written note, chord or rest: its MIDI pitches (empty for a rest) and its length in quarter notes.
WrittenNote = tuple[tuple[int, ...], Fraction]


def written_notes(score: stream.Score) -> tuple[WrittenNote, ...]:
    """The notes, chords and rests of the score's first part as written (repeats not played out), without
    grace notes and chord symbols."""
    from music21 import harmony

    notes = []
    for element in score.parts[0].recurse().notesAndRests:
        if isinstance(element, harmony.ChordSymbol) or element.duration.isGrace:
            continue
        pitches = () if element.isRest else tuple(sorted(p.midi for p in element.pitches))
        notes.append((pitches, Fraction(element.quarterLength).limit_denominator(192)))
    return tuple(notes)


#: One sounding note: MIDI pitch, onset and duration in quarter notes.
PlayedNote = tuple[int, Fraction, Fraction]


def played_notes(musicxml: bytes) -> list[PlayedNote]:
    """What a MusicXML document plays, read back by music21: the first part with repeats and endings played
    out and ties merged, without grace notes and chord symbols, sorted by onset then pitch."""
    from music21 import converter, harmony

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = converter.parseData(musicxml, format="musicxml")
        part = score.parts[0].expandRepeats().stripTies()
    notes = []
    for element in part.flatten().notes:
        if isinstance(element, harmony.ChordSymbol) or element.duration.isGrace:
            continue
        onset = Fraction(element.offset).limit_denominator(192)
        length = Fraction(element.quarterLength).limit_denominator(192)
        notes.extend((p.midi, onset, length) for p in element.pitches)
    return sorted(notes, key=lambda n: (n[1], n[0]))


@dataclass(frozen=True)
class RoundTrip:
    """A tune sent to MusicXML and read back into ABC: the ABC that came back, its import report, and the
    written notes before and after."""

    tune: Tune
    musicxml: bytes
    imported: ImportedAbc
    sent: tuple[WrittenNote, ...]
    returned: tuple[WrittenNote, ...]

    @property
    def matches(self) -> bool:
        return self.sent == self.returned

    def first_difference(self) -> int | None:
        """The index of the first note that differs (the shorter length when one is a prefix), or None."""
        for index, (a, b) in enumerate(zip(self.sent, self.returned, strict=False)):
            if a != b:
                return index
        return None if len(self.sent) == len(self.returned) else min(len(self.sent), len(self.returned))


def musicxml_round_trip(tune: Tune) -> RoundTrip:
    """ABC → MusicXML → music21 → ABC, with the notes of music21's reading of both ABC texts.

    Raises AbcError when music21 cannot read the tune or the ABC that came back.
    """
    from music21 import converter

    from composer.abc.tunebook import read_string
    from composer.notation.abc_from_score import abc_from_score

    sent = written_notes(music21_score(tune))
    document = musicxml_bytes(tune)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = converter.parseData(document, format="musicxml")
    imported = abc_from_score(score, reference=tune.reference or 1)
    returned = written_notes(music21_score(read_string(imported.text).tunes[0]))
    return RoundTrip(tune, document, imported, sent, returned)
